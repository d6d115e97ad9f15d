"""API v1: the print queue — list jobs, queue a document, reprint, cancel."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from wms.api.registry import Call, Reply, api, path_int
from wms.api.schemas import WHOLE, Body
from wms.api.serialize import PrintJobJson
from wms.errors import Invalid
from wms.models import JOB_STATUSES, PrintJob
from wms.services.print_jobs import cancel, enqueue, get_job, list_jobs, reprint


class PrintJobBody(Body):
    document: Literal["bin_label", "lot_label", "lpn_label", "shipping_label", "packing_slip",
                      "receiving_note"]
    printer: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    data: dict[str, Any]
    copies: Annotated[int, Field(strict=True, ge=1, le=50), WHOLE] = 1


def job_json(job: PrintJob) -> PrintJobJson:
    return {"id": job.id, "document": job.document, "title": job.title,
            "printer": job.printer, "gateway": job.gateway, "status": job.status,
            "attempts": job.attempts,
            "last_error": job.last_error, "error_reason": job.error_reason,
            "reference": job.reference, "data": job.data,
            "created_at": job.created_at.isoformat(),
            "printed_at": job.printed_at.isoformat() if job.printed_at else None,
            "bytes": len(job.content) if job.content is not None else None}


@api("GET", "/print-jobs", permission="read", query=("status", "printer", "gateway"),
     tag="printing", summary="Print jobs, newest first (of one gateway's printers with "
                             "`gateway`)", errors=("invalid",), response=list[PrintJobJson])
def get_print_jobs(call: Call) -> Reply:
    status = call.query.get("status")
    if status and status not in JOB_STATUSES:
        raise Invalid(f"status: one of {', '.join(JOB_STATUSES)}", field="status")
    jobs = list_jobs(call.session, status=status, printer=call.query.get("printer"),
                     gateway=call.query.get("gateway"))
    return 200, [job_json(job) for job in jobs]


@api("GET", "/print-jobs/{id}", permission="read", tag="printing", summary="A print job",
     errors=("not_found",), response=PrintJobJson)
def get_print_job(call: Call) -> Reply:
    return 200, job_json(get_job(call.session, path_int(call, "id")))


@api("POST", "/print-jobs", permission="read", body=PrintJobBody, success=201,
     tag="printing", summary="Queue a document for a printer", errors=("invalid",),
     response=list[PrintJobJson])
def post_print_job(call: Call) -> Reply:
    b = call.body
    if b.printer not in call.site.printers:
        raise Invalid(f"printer: no printer {b.printer!r} is configured", field="printer")
    jobs = [enqueue(call.session, document=b.document, data=b.data, printer=b.printer,
                    gateway=call.site.gateway, user_id=call.user.id,
                    title=str(b.data.get("code") or b.data.get("sku")
                              or b.data.get("order") or ""))
            for _ in range(b.copies)]
    return 201, [job_json(job) for job in jobs]


@api("POST", "/print-jobs/{id}/reprint", permission="read", success=201, tag="printing",
     summary="Print a job again (same bytes)", errors=("not_found",), response=PrintJobJson)
def post_reprint(call: Call) -> Reply:
    return 201, job_json(reprint(call.session, path_int(call, "id"), call.user.id))


@api("POST", "/print-jobs/{id}/cancel", permission="read", tag="printing",
     summary="Cancel a job that has not printed", errors=("not_found", "conflict"),
     response=PrintJobJson)
def post_cancel(call: Call) -> Reply:
    return 200, job_json(cancel(call.session, path_int(call, "id"), call.user.id))

"""The print queue: documents are queued in the same transaction as the work that makes
them, and one worker process sends them, retrying until the printer takes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Conflict, Invalid, UnknownRecord
from wms.models import (
    Item,
    Location,
    Lot,
    PrintJob,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    SalesOrder,
    User,
    utcnow,
)
from wms.services.audit import record
from wms.site_config import DOCUMENT_KINDS, SiteConfig

MAX_BACKOFF = timedelta(seconds=30)


def enqueue(session: Session, *, document: str, data: dict[str, Any], printer: str,
            gateway: str, user_id: int | None, title: str = "",
            reference: str | None = None) -> PrintJob:
    """Queue one document for one printer of the gateway named, in the caller's
    transaction."""
    if document not in DOCUMENT_KINDS:
        raise Invalid(f"document: one of {', '.join(DOCUMENT_KINDS)}", field="document")
    job = PrintJob(document=document, data=data, printer=printer, gateway=gateway,
                   created_by=user_id, title=title[:200], reference=reference)
    session.add(job)
    session.flush()
    return job


def _user_name(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else None


def _names(item: Item) -> str:
    return item.name if not item.name_en or item.name_en == item.name else \
        f"{item.name} {item.name_en}"


def item_label_data(item: Item) -> dict[str, Any]:
    """What an item label prints: the SKU, the names and the unit barcodes (never a case's
    code: the label goes on a unit)."""
    return {"sku": item.sku, "name": _names(item), "lot": None, "qty": None, "expiry": None,
            "barcodes": [b.code for b in item.barcodes if b.units == 1]}


def queue_receipt_documents(session: Session, receipt: Receipt, config: SiteConfig,
                            user_id: int | None, *,
                            labels_for: Sequence[ReceiptLine] | None = None,
                            note: bool = True) -> list[PrintJob]:
    """Lot labels for what went into stock (every line, or the lines in `labels_for`), and
    one receiving note for the whole receipt unless `note` is False, for printers set to
    print them automatically."""
    labelled = None if labels_for is None else {line.id for line in labels_for}
    jobs: list[PrintJob] = []
    order = session.get(PurchaseOrder, receipt.purchase_order_id) \
        if receipt.purchase_order_id else None
    reference = order.number if order else f"RCV-{receipt.id}"
    lines = []
    # Without a note only the labelled lines are read (a line booked into an open receipt
    # does not read the receipt's earlier lines).
    for line in receipt.lines if note or labels_for is None else labels_for:
        item, lot = session.get(Item, line.item_id), session.get(Lot, line.lot_id)
        assert item is not None and lot is not None
        lines.append({"sku": item.sku, "name": _names(item), "qty": line.qty,
                      "lot": lot.public_code, "disposition": line.disposition,
                      "reason": line.reason, "note": line.note})
        if line.disposition == "reject" or (labelled is not None and line.id not in labelled):
            continue
        for printer in config.printers_for("lot_label"):
            jobs.append(enqueue(session, document="lot_label", printer=printer,
                                gateway=config.gateway, user_id=user_id, reference=reference,
                                title=f"{item.sku} {lot.public_code or ''}".strip(), data={
                                    "sku": item.sku, "name": _names(item),
                                    "lot": lot.public_code, "qty": line.qty,
                                    "expiry": lot.expiry.isoformat() if lot.expiry else None,
                                    "barcodes": [b.code for b in item.barcodes
                                                 if b.units == 1]}))
    for printer in config.printers_for("receiving_note") if note else ():
        jobs.append(enqueue(session, document="receiving_note", printer=printer,
                            gateway=config.gateway, user_id=user_id, reference=reference,
                            title=reference, data={
                                "purchase_order": reference,
                                "supplier": order.supplier.name if order else None,
                                "lines": lines, "receiver": _user_name(session, user_id),
                                "at": receipt.at.isoformat()}))
    return jobs


def queue_packing_documents(session: Session, order: SalesOrder, lots: dict[int, list[str]],
                            picked: dict[int, int], config: SiteConfig,
                            user_id: int | None) -> list[PrintJob]:
    """The packing slip and shipping label of a packed order, for printers set to print
    them automatically. `picked` and `lots` are per order line."""
    jobs: list[PrintJob] = []
    lines = [{"sku": line.item.sku, "name": _names(line.item), "ordered": line.qty,
              "shipped": picked.get(line.id, 0), "lots": lots.get(line.id, [])}
             for line in order.lines]
    slip = {"order": order.number, "customer": order.customer.name, "ship_to": order.ship_to,
            "lines": lines, "packer": _user_name(session, user_id),
            "at": utcnow().isoformat()}
    label = {"order": order.number, "customer": order.customer.name,
             "ship_to": order.ship_to, "carton": 1, "cartons": 1}
    for document, data in (("packing_slip", slip), ("shipping_label", label)):
        for printer in config.printers_for(document):
            jobs.append(enqueue(session, document=document, data=data, printer=printer,
                                gateway=config.gateway, user_id=user_id,
                                reference=order.number, title=order.number))
    return jobs


def get_job(session: Session, job_id: int) -> PrintJob:
    """The print job with this id."""
    job = session.get(PrintJob, job_id)
    if job is None:
        raise UnknownRecord(f"no print job {job_id}", job=job_id)
    return job


def list_jobs(session: Session, *, status: str | None = None, printer: str | None = None,
              gateway: str | None = None, limit: int = 100) -> list[PrintJob]:
    """Jobs newest first (of one gateway's printers when `gateway` is given)."""
    stmt = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(PrintJob.status == status)
    if gateway:
        stmt = stmt.where(PrintJob.gateway == gateway)
    if printer:
        stmt = stmt.where(PrintJob.printer == printer)
    return list(session.scalars(stmt))


def reprint(session: Session, job_id: int, user_id: int | None) -> PrintJob:
    """A new job with the same document and bytes as an earlier one, for the same printer
    (of the same gateway)."""
    original = get_job(session, job_id)
    job = enqueue(session, document=original.document, data=dict(original.data),
                  printer=original.printer, gateway=original.gateway, user_id=user_id,
                  title=original.title,
                  reference=original.reference)
    job.content = original.content
    record(session, user_id, "print_job.reprint", str(original.id), new=job.id)
    return job


def cancel(session: Session, job_id: int, user_id: int | None) -> PrintJob:
    """Cancel a job that has not been printed yet."""
    job = get_job(session, job_id)
    if job.status in ("printed", "cancelled"):
        raise Conflict(f"print job {job_id} is {job.status} already")
    job.status = "cancelled"
    job.lease_until = None
    record(session, user_id, "print_job.cancel", str(job.id))
    session.flush()
    return job


def claim_next(session: Session, gateway: str, printers: Sequence[str], now: datetime,
               lease: timedelta) -> PrintJob | None:
    """Take the next job to send to one of the gateway's printers (never another gateway's
    job, whatever its printer is called). Each printer prints its jobs in the order they were
    queued: its oldest unfinished job goes first, once due (queued and past its back-off, or
    left in 'printing' by a worker whose lease ran out)."""
    for printer in printers:
        stmt = (select(PrintJob)
                .where(PrintJob.gateway == gateway, PrintJob.printer == printer,
                       PrintJob.status.in_(("queued", "printing")))
                .order_by(PrintJob.id).limit(1))
        if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
            stmt = stmt.with_for_update(skip_locked=True)
        job = session.scalar(stmt)
        if job is None:
            continue
        due = (job.next_attempt_at <= now if job.status == "queued"
               else job.lease_until is None or job.lease_until < now)
        if not due:
            continue
        job.status = "printing"
        job.attempts += 1
        job.lease_until = now + lease
        session.flush()
        return job
    return None


# Why a job did not print, as stored with its technical text: the printer is not there
# (unplugged, its folder or device missing), the gateway may not open it, another program
# holds it, it does not answer on the network, the gateway lacks its driver or a CJK font,
# the document cannot be rendered, or the printer or its connection reported another error.
PRINT_ERRORS = ("not_connected", "permission_denied", "busy", "unreachable", "no_driver",
                "font_missing", "cannot_render", "failed")


def mark_printed(session: Session, job_id: int, now: datetime) -> None:
    """The printer took the job's bytes."""
    job = get_job(session, job_id)
    if job.status == "cancelled":
        return
    job.status, job.printed_at, job.lease_until = "printed", now, None
    job.last_error = job.error_reason = None


def mark_failed(session: Session, job_id: int, error: str, now: datetime, *,
                permanent: bool = False, reason: str = "failed") -> None:
    """Sending failed: the job waits and is tried again, backing off up to two minutes;
    a job that can never print (its document cannot be rendered) is marked failed.
    `reason` is one of PRINT_ERRORS, `error` the technical text."""
    job = get_job(session, job_id)
    if job.status == "cancelled":
        return
    job.last_error = error[:2000]
    job.error_reason = reason if reason in PRINT_ERRORS else "failed"
    job.lease_until = None
    if permanent:
        job.status = "failed"
        return
    job.status = "queued"
    job.next_attempt_at = now + min(timedelta(seconds=2 ** min(job.attempts, 7)), MAX_BACKOFF)


def store_content(session: Session, job_id: int, content: bytes) -> None:
    """Keep the rendered bytes of a job, so every attempt sends the same."""
    get_job(session, job_id).content = content


def queue_bin_labels(session: Session, codes: Sequence[str], printer: str, config: SiteConfig,
                     user_id: int | None) -> list[PrintJob]:
    """One bin label per location named, in the order given, for the printer chosen."""
    if printer not in config.printers:
        raise Invalid(f"printer: no printer {printer!r} is configured", field="printer")
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if not wanted:
        raise Invalid("bins: choose at least one bin", field="bins")
    found = {loc.code: loc for start in range(0, len(wanted), 900)
             for loc in session.scalars(select(Location).where(
                 Location.code.in_(wanted[start:start + 900])))}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise Invalid(f"bins: no location {missing[0]}", field="bins", location=missing[0])
    jobs = []
    for code in wanted:
        location = found[code]
        data = {"code": code, "warehouse": location.warehouse.name or location.warehouse.code,
                "zone": location.zone.name if location.zone else None}
        jobs.append(enqueue(session, document="bin_label", data=data, printer=printer,
                            gateway=config.gateway, user_id=user_id, title=code))
    return jobs

"""API v1: the audit trail, who did what, when and from which device, newest first."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from wms.api.listing import LIST_QUERY, LIST_QUERY_SCHEMAS, rows_reply, window
from wms.api.reading import _since as since_of
from wms.api.registry import Call, Reply, api
from wms.services.audit import AuditFilter, AuditRow, audit_events


class AuditEventJson(TypedDict):
    id: int
    at: str
    user: str | None
    action: str
    subject: str | None
    device: str | None
    # free-form facts of the action; a change has "old" and "new" values
    details: dict[str, Any] | None


class AuditPageJson(TypedDict):
    rows: list[AuditEventJson]
    total: int


def audit_json(row: AuditRow) -> AuditEventJson:
    return {"id": row.id, "at": row.at.isoformat(), "user": row.user, "action": row.action,
            "subject": row.subject, "device": row.device, "details": row.details}


@api("GET", "/audit", permission="audit", tag="audit",
     query=("user", "action", "subject", "device", "since", "until", *LIST_QUERY),
     query_schemas={**LIST_QUERY_SCHEMAS,
                    "until": {"type": "string", "format": "date-time",
                              "description": "ISO 8601 time: events before it"}},
     summary="Who did what and when, from which device, newest first", errors=("invalid",),
     response=AuditPageJson)
def get_audit(call: Call) -> Reply:
    q = call.query
    span = window(call)
    wanted = AuditFilter(user=q.get("user") or None, action=q.get("action") or None,
                         subject=q.get("subject") or None, device=q.get("device") or None,
                         since=since_of(q.get("since")), until=since_of(q.get("until")))
    rows, total = audit_events(call.session, wanted, limit=span.limit, offset=span.offset)
    return rows_reply([audit_json(row) for row in rows], total)

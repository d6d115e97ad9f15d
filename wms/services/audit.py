"""Recording who did what, for actions that are not stock moves, and reading it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.acting import current
from wms.models import AuditEvent, User

SUBJECT_LENGTH = 128


def record(session: Session, user_id: int | None, action: str, subject: str,
           **details: object) -> None:
    """Append an audit event in the caller's transaction, marked with the device the
    current request comes from."""
    # The subject is what was acted on, as typed: kept to the column's length.
    session.add(AuditEvent(user_id=user_id, action=action, subject=subject[:SUBJECT_LENGTH],
                           details=details or None, device=current().device))


@dataclass(frozen=True)
class AuditFilter:
    """Which events to read: each field None for any."""

    user: str | None = None
    action: str | None = None
    subject: str | None = None
    device: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    user: str | None
    action: str
    subject: str | None
    device: str | None
    details: dict[str, Any] | None


def _where(wanted: AuditFilter) -> list[Any]:
    clauses: list[Any] = []
    if wanted.user:
        clauses.append(User.username == wanted.user.strip())
    if wanted.action:
        action = wanted.action.strip()
        # "user" finds user.create, user.update, ...; "user.update" only that action
        clauses.append(AuditEvent.action.startswith(action + ".", autoescape=True)
                       | (AuditEvent.action == action))
    if wanted.subject:
        clauses.append(AuditEvent.subject.contains(wanted.subject.strip(), autoescape=True))
    if wanted.device:
        clauses.append(AuditEvent.device.startswith(wanted.device.strip(), autoescape=True))
    if wanted.since is not None:
        clauses.append(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        clauses.append(AuditEvent.at < wanted.until)
    return clauses


def audit_events(session: Session, wanted: AuditFilter, *, limit: int | None,
                 offset: int = 0) -> tuple[list[AuditRow], int]:
    """The events that match, newest first, `limit` of them from `offset` (None: all), and
    how many match in all."""
    clauses = _where(wanted)
    total = session.scalar(select(func.count()).select_from(AuditEvent)
                           .outerjoin(User, User.id == AuditEvent.user_id).where(*clauses))
    stmt = (select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.user_id)
            .where(*clauses).order_by(AuditEvent.id.desc()).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [AuditRow(event.id, event.at, username, event.action, event.subject, event.device,
                     event.details)
            for event, username in session.execute(stmt)]
    return rows, total or 0


def audit_actions(session: Session) -> list[str]:
    """Every action the trail holds, for a filter's choices."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))

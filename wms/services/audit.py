"""Recording who did what, for actions that are not stock moves."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wms.models import AuditEvent

SUBJECT_LENGTH = 128


def record(session: Session, user_id: int | None, action: str, subject: str,
           **details: object) -> None:
    """Append an audit event in the caller's transaction."""
    # The subject is what was acted on, as typed: kept to the column's length.
    session.add(AuditEvent(user_id=user_id, action=action, subject=subject[:SUBJECT_LENGTH],
                           details=details or None))

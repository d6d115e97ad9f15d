"""Stored replies of state-changing requests, by (user, key): the reply is stored in the same
transaction as the change, so a resent request gets the first answer and changes nothing."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from wms.db import run
from wms.errors import IdempotencyKeyReused
from wms.models import IdempotencyRecord
from wms.models.base import utcnow

_INSERT_RECORD = insert(cast(Table, IdempotencyRecord.__table__))


def fingerprint(document: Any) -> str:
    """A stable digest of what a request asked for, to tell a resend from a reused key."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def remember_reply(session: Session, user_id: int, key: str, digest: str, status: int,
                   body: Any) -> None:
    """Store the reply under the key in the caller's transaction (a duplicate key fails the
    insert with IntegrityError, which rolls the whole change back)."""
    run(session, _INSERT_RECORD, {
        "user_id": user_id, "key": key, "fingerprint": digest, "status": status,
        "body": json.dumps(body, ensure_ascii=False), "created_at": utcnow()})


def stored_reply(session: Session, user_id: int, key: str, digest: str) -> tuple[int, Any] | None:
    """The (status, body) stored for this user's key, None when there is none; a key stored
    for a different request raises IdempotencyKeyReused."""
    record = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.fingerprint != digest:
        raise IdempotencyKeyReused("this Idempotency-Key was used for a different request")
    return record.status, json.loads(record.body)

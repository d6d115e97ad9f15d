"""Signing in people at the pages: password or badge + PIN checks, with failed attempts
counted in the audit trail so that every gateway process sees them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.auth import secret_matches
from wms.errors import Unauthorized
from wms.models import AuditEvent, User, utcnow
from wms.services.audit import record

LOCKOUT = timedelta(minutes=10)


class TooManyAttempts(Unauthorized):
    """Sign-in refused for a while after repeated failures."""


def _recent_failures(session: Session, username: str) -> int:
    return int(session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.subject == username,
            AuditEvent.at >= utcnow() - LOCKOUT)
    ) or 0)


def sign_in_with_password(session: Session, username: str, password: str, *,
                          max_attempts: int, address: str | None = None) -> User | None:
    """The active user with this name and password, or None after recording the failure
    (the caller commits it). Past `max_attempts` failures within ten minutes the name is
    refused without checking."""
    username = username.strip()
    if _recent_failures(session, username) >= max_attempts:
        raise TooManyAttempts("too many failed sign-ins; wait ten minutes")
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not secret_matches(password, user.password_hash):
        record(session, user.id if user else None, "login.failed", username, address=address)
        return None
    record(session, user.id, "login", username, address=address)
    return user


def sign_in_with_badge(session: Session, badge: str, pin: str, *, max_attempts: int,
                       address: str | None = None) -> User | None:
    """The active user wearing this badge, when the PIN is theirs; failures count against
    the badge's user (or the badge text when nobody wears it), as for passwords."""
    badge = badge.strip()
    user = session.scalar(select(User).where(User.badge == badge)) if badge else None
    subject = user.username if user is not None else badge
    if _recent_failures(session, subject) >= max_attempts:
        raise TooManyAttempts("too many failed sign-ins; wait ten minutes")
    if user is None or not user.active or not secret_matches(pin, user.pin_hash):
        record(session, user.id if user else None, "login.failed", subject, address=address)
        return None
    record(session, user.id, "login", subject, address=address, how="badge")
    return user


def badge_holder(session: Session, badge: str) -> User | None:
    """The active user a badge belongs to (to greet them before the PIN is typed)."""
    user = session.scalar(select(User).where(User.badge == badge.strip())) if badge.strip() \
        else None
    return user if user is not None and user.active else None


def active_user(session: Session, user_id: int, session_version: int) -> User | None:
    """The user a signed-in session belongs to, while still active and while the session
    was signed in under the user's current session version."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user

"""Signing in people at the pages: password or badge + PIN checks under limits that every
gateway process shares (counters in the database).

Limits, each over a ten-minute window:
- a name (or badge) from one address: `per_name_at_address` attempts (5); past it, that
  name is refused from that address only, so nobody elsewhere can lock a person out;
- one address, all names together: `per_address` attempts (30), against trying many names;
  handhelds behind one Wi-Fi NAT share it, so it is set well above what a shift mistypes;
- one name from all addresses together: `per_name` failures (50), against guessing from many
  addresses; past it the name is refused only from addresses that already failed for it,
  while an address that has not may still sign in with the right secret (so the admin
  cannot be locked out at will).

Each attempt is claimed with one guarded UPDATE (`attempts < limit`) and committed before the
secret is checked, so concurrent attempts never check more secrets than the limit allows;
a successful sign-in gives its claims back. A secret is checked by the same scrypt work
whether or not the name exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from wms.auth import SCRYPT_COST, secret_matches
from wms.db import Database
from wms.errors import Unauthorized
from wms.models import SignInCounter, User, utcnow
from wms.services.audit import record

LOCKOUT = timedelta(minutes=10)


class TooManyAttempts(Unauthorized):
    """Sign-in refused for a while after repeated failures."""


@dataclass(frozen=True)
class SignInLimits:
    per_name_at_address: int = 5
    per_address: int = 30
    per_name: int = 50


# Checked when there is no user (or no secret of that kind), so that an unknown name costs
# the same scrypt work as a known one; no secret hashes to zeros.
STAND_IN_HASH = "scrypt:{}:{}:{}${}${}".format(*SCRYPT_COST, "00" * 16, "00" * 32)


def _ensure(session: Session, key: str, now: datetime) -> None:
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert
    session.execute(insert(SignInCounter).values(key=key, attempts=0, window_start=now)
                    .on_conflict_do_nothing(index_elements=["key"]))


def _claim(session: Session, key: str, limit: int, now: datetime) -> bool:
    """Count one attempt against `key` unless it has `limit` in the current window already:
    one guarded UPDATE, so concurrent claims never pass the limit."""
    stale = SignInCounter.window_start < now - LOCKOUT
    for _ in range(2):  # again if a clean-up removed the row between insert and update
        _ensure(session, key, now)
        result = session.execute(
            update(SignInCounter)
            .where(SignInCounter.key == key, or_(stale, SignInCounter.attempts < limit))
            .values(attempts=case((stale, 1), else_=SignInCounter.attempts + 1),
                    window_start=case((stale, now), else_=SignInCounter.window_start))
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
        if session.scalar(select(SignInCounter.key).where(SignInCounter.key == key)):
            return False
    return False


def _attempts(session: Session, key: str, now: datetime) -> int:
    row = session.get(SignInCounter, key)
    if row is None or row.window_start < now - LOCKOUT:
        return 0
    return row.attempts


def _keys(subject: str, address: str | None) -> tuple[str, str, str]:
    where = (address or "unknown")[:64]
    return f"at:{where}:{subject}"[:200], f"address:{where}", f"name:{subject}"[:200]


def _claim_attempt(session: Session, subject: str, address: str | None,
                   limits: SignInLimits) -> None:
    """Claim one attempt for `subject` from `address`, or raise TooManyAttempts (the
    caller's transaction then rolls back whatever was claimed)."""
    now = utcnow()
    at_address, whole_address, name = _keys(subject, address)
    failed_here = _attempts(session, at_address, now) > 0
    if failed_here and _attempts(session, name, now) >= limits.per_name:
        raise TooManyAttempts("too many failed sign-ins for this name; wait ten minutes")
    if not _claim(session, at_address, limits.per_name_at_address, now):
        raise TooManyAttempts("too many failed sign-ins for this name; wait ten minutes")
    if not _claim(session, whole_address, limits.per_address, now):
        raise TooManyAttempts("too many failed sign-ins from this address; wait ten minutes")


def _settle(session: Session, subject: str, address: str | None, succeeded: bool) -> None:
    """A success gives the claimed attempts back; a failure also counts against the name."""
    at_address, whole_address, name = _keys(subject, address)
    # Counters whose window ended long ago count nothing: clear them out now and then.
    session.execute(delete(SignInCounter)
                    .where(SignInCounter.window_start < utcnow() - 3 * LOCKOUT)
                    .execution_options(synchronize_session=False))
    if succeeded:
        session.execute(update(SignInCounter).where(SignInCounter.key == at_address)
                        .values(attempts=0).execution_options(synchronize_session=False))
        session.execute(update(SignInCounter).where(SignInCounter.key == whole_address,
                                                    SignInCounter.attempts > 0)
                        .values(attempts=SignInCounter.attempts - 1)
                        .execution_options(synchronize_session=False))
    else:
        _claim(session, name, 2**31 - 1, utcnow())


def address_locked(db: Database, address: str | None, limits: SignInLimits) -> bool:
    """Whether sign-ins from this address are refused at the moment."""
    with db.read() as session:
        return _attempts(session, _keys("", address)[1], utcnow()) >= limits.per_address


def _sign_in(db: Database, subject: str, typed: str, secret: str, find: object, which: str,
             limits: SignInLimits, address: str | None) -> User | None:
    with db.write() as session:
        _claim_attempt(session, subject, address, limits)
        user = session.scalar(find)  # type: ignore[call-overload]
        stored = getattr(user, which) if user is not None and user.active else None
        user_id = user.id if user is not None else None
    # Checked outside any transaction: the claim above is committed, so a concurrent
    # attempt waits for no one and still cannot pass the limit.
    matches = secret_matches(secret, stored or STAND_IN_HASH) and stored is not None
    with db.write() as session:
        _settle(session, subject, address, matches)
        if not matches:
            record(session, user_id, "login.failed", typed, address=address, how=which)
            return None
        user = session.get(User, user_id)
        record(session, user_id, "login", user.username if user else typed, address=address,
               how=which)
        return user


def sign_in_with_password(db: Database, username: str, password: str, *,
                          limits: SignInLimits, address: str | None = None) -> User | None:
    """The active user with this name and password, or None (the failure is counted);
    TooManyAttempts while a limit holds."""
    username = username.strip()[:64]
    return _sign_in(db, f"user:{username}", username, password,
                    select(User).where(User.username == username), "password_hash", limits,
                    address)


def sign_in_with_badge(db: Database, badge: str, pin: str, *, limits: SignInLimits,
                       address: str | None = None) -> User | None:
    """The active user wearing this badge, when the PIN is theirs; else None, counted as
    for passwords."""
    badge = badge.strip()[:64]
    return _sign_in(db, f"badge:{badge}", badge, pin, select(User).where(User.badge == badge),
                    "pin_hash", limits, address)


def active_user(session: Session, user_id: int, session_version: int) -> User | None:
    """The user a signed-in session belongs to, while still active and while the session
    was signed in under the user's current session version."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user

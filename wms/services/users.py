"""The people who use the warehouse, for the admin: the list, changes to a user (each
recorded with old and new values), reactivation, and API tokens listed and revoked.
Adding a user, deactivating one, new secrets and new tokens are wms.auth's, shared with the
command line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from wms.auth import check_badge, find_user, warehouses_value
from wms.errors import Conflict, Invalid, UnknownRecord
from wms.models import ROLES, ApiToken, User, Warehouse
from wms.services.audit import record

# What an admin may change of a user, as the audit trail names it.
EDITABLE = ("display_name", "role", "badge", "locale", "warehouses")


@dataclass(frozen=True)
class UserFilter:
    q: str | None = None  # part of the user name or display name
    role: str | None = None
    active: bool | None = None


def _user_clauses(wanted: UserFilter) -> list[object]:
    clauses: list[object] = []
    if wanted.q:
        text = wanted.q.strip()
        clauses.append(or_(User.username.contains(text, autoescape=True),
                           User.display_name.contains(text, autoescape=True)))
    if wanted.role:
        clauses.append(User.role == wanted.role)
    if wanted.active is not None:
        clauses.append(User.active.is_(wanted.active))
    return clauses


def list_users(session: Session, wanted: UserFilter, *, limit: int | None,
               offset: int = 0) -> tuple[list[User], int]:
    """The users that match, by name, `limit` of them from `offset`, and how many match."""
    clauses = _user_clauses(wanted)
    total = session.scalar(select(func.count()).select_from(User).where(*clauses))  # type: ignore[arg-type]
    stmt = select(User).where(*clauses).order_by(User.username).offset(offset)  # type: ignore[arg-type]
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt)), total or 0


@dataclass(frozen=True)
class UserChanges:
    """New values for a user; a field left None stays as it is (warehouses: an empty list
    means all warehouses)."""

    display_name: str | None = None
    role: str | None = None
    badge: str | None = None
    locale: str | None = None
    warehouses: Sequence[str] | None = None


def _values(user: User) -> dict[str, object]:
    return {name: getattr(user, name) for name in EDITABLE}


def update_user(session: Session, username: str, changes: UserChanges,
                by: int | None) -> User:
    """Change a user's role, display name, badge, language or warehouses; recorded with
    old and new values. Signed-in sessions read the user anew at every request, so a new
    role or warehouse list holds from the next page on."""
    user = find_user(session, username)
    before = _values(user)
    if changes.role is not None:
        if changes.role not in ROLES:
            raise Invalid(f"role: one of {', '.join(ROLES)}", field="role")
        if by == user.id and changes.role != user.role:
            raise Conflict("you may not change your own role; another admin may",
                           field="self")
        user.role = changes.role
    if changes.display_name is not None:
        name = changes.display_name.strip()
        if len(name) > 200:
            raise Invalid("display_name: at most 200 characters", field="display_name")
        user.display_name = name or None
    if changes.badge is not None:
        user.badge = check_badge(session, changes.badge, user.id)
    if changes.locale is not None:
        if changes.locale not in ("", "zh", "en"):
            raise Invalid("locale: zh, en or none", field="locale")
        user.locale = changes.locale or None
    if changes.warehouses is not None:
        user.warehouses = warehouses_value(session, changes.warehouses)
    after = _values(user)
    changed = [name for name in EDITABLE if before[name] != after[name]]
    if not changed:
        return user
    session.flush()
    record(session, by, "user.update", username,
           old={name: before[name] for name in changed},
           new={name: after[name] for name in changed})
    return user


def reactivate_user(session: Session, username: str, by: int | None) -> User:
    """A deactivated user may sign in again (with their password or PIN as they were)."""
    user = find_user(session, username)
    if not user.active:
        user.active = True
        session.flush()
        record(session, by, "user.reactivate", username, old={"active": False},
               new={"active": True})
    return user


@dataclass(frozen=True)
class TokenRow:
    id: int
    username: str
    created_at: datetime
    stations: str | None
    revoked: bool
    gateway: str | None  # a station device's token: the gateway of its stations


def list_tokens(session: Session, *, username: str | None = None, limit: int | None = None,
                offset: int = 0) -> tuple[list[TokenRow], int]:
    """API tokens, newest first (whose, created, station scope, revoked), and how many."""
    clauses = [User.username == username] if username else []
    total = session.scalar(select(func.count()).select_from(ApiToken)
                           .join(User, User.id == ApiToken.user_id).where(*clauses))
    stmt = (select(ApiToken.id, User.username, ApiToken.created_at, ApiToken.stations,
                   ApiToken.revoked, ApiToken.gateway)
            .join(User, User.id == ApiToken.user_id).where(*clauses)
            .order_by(ApiToken.id.desc()).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [TokenRow(*row) for row in session.execute(stmt)], total or 0


def revoke_token(session: Session, token_id: int, by: int | None) -> TokenRow:
    """The token stops working at once: its next call gets 401."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise UnknownRecord(f"no API token {token_id}", token=token_id)
    if not token.revoked:
        token.revoked = True
        session.flush()
        record(session, by, "token.revoke", token.user.username, token=token.id,
               old={"revoked": False}, new={"revoked": True})
    return TokenRow(token.id, token.user.username, token.created_at, token.stations, True,
                    token.gateway)


def get_user(session: Session, user_id: int) -> User:
    """The user with this id."""
    user = session.get(User, user_id)
    if user is None:
        raise UnknownRecord(f"no user {user_id}", user=user_id)
    return user


def warehouse_choices(session: Session) -> list[str]:
    """Every warehouse code, for choosing where a user may work."""
    return list(session.scalars(select(Warehouse.code).order_by(Warehouse.code)))

"""Users, secrets, API tokens and what each role may do."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from sqlalchemy import Connection, Table, bindparam, select, true, update
from sqlalchemy.orm import Session

from wms.errors import Conflict, Forbidden, Invalid, Unauthorized, UnknownRecord
from wms.models import ROLES, ApiToken, User
from wms.services.audit import record

FLOOR = frozenset({"admin", "supervisor", "operator"})
OFFICE = frozenset({"admin", "clerk"})
APPROVERS = frozenset({"admin", "supervisor"})
EVERYONE = frozenset(ROLES)

PERMISSIONS: dict[str, frozenset[str]] = {
    "read": EVERYONE,
    "master_data": OFFICE,
    "orders": OFFICE,
    "allocate": FLOOR | OFFICE,
    "receive": FLOOR,
    "move": FLOOR,
    "pick": FLOOR,
    "pack": FLOOR,
    "ship": FLOOR,
    "count": FLOOR,
    "transfer": FLOOR,
    "station": FLOOR,  # the scanner bridge posting the fixed scanners' scans
    "approve": APPROVERS,
    "scrap": APPROVERS,
    # goods a customer sends back and goods sent back to a supplier
    "returns": frozenset({"admin", "supervisor", "clerk"}),
    # stock let out of quarantine into a bin
    "release": APPROVERS,
    "admin": frozenset({"admin"}),
    # the back office's pages: the owner, the supervisor and the clerk
    "office": frozenset({"admin", "supervisor", "clerk"}),
    # the audit trail: who did what
    "audit": APPROVERS,
}

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of a password or PIN."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str | None) -> bool:
    """Whether `secret` is the one `stored` was made from."""
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), dklen=32, **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


class HasRole(Protocol):
    @property
    def role(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """Who an API call comes from: the token's user, as plain values."""

    id: int
    username: str
    role: str
    stations: frozenset[str] | None = None  # a station device's token: only these stations


def may(user: HasRole, action: str) -> bool:
    """Whether the user's role allows the action."""
    return user.role in PERMISSIONS[action]


def require(user: HasRole, action: str) -> None:
    """Raise Forbidden unless the user's role allows the action."""
    if not may(user, action):
        raise Forbidden(f"role {user.role} may not {action.replace('_', ' ')}")


def add_user(
    session: Session, username: str, role: str, *, pin: str | None = None,
    password: str | None = None, badge: str | None = None, display_name: str | None = None,
    locale: str | None = None,
) -> User:
    """Create a user; a PIN is 4 to 8 digits, a password at least 8 characters."""
    username = username.strip()
    if not username or len(username) > 64:
        raise Invalid("username: 1 to 64 characters", field="username")
    if role not in ROLES:
        raise Invalid(f"role: one of {', '.join(ROLES)}", field="role")
    if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise Invalid("pin: 4 to 8 digits", field="pin")
    if password is not None and len(password) < 8:
        raise Invalid("password: at least 8 characters", field="password")
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"user {username} exists already")
    user = User(
        username=username, role=role, badge=badge or None, display_name=display_name,
        locale=locale, pin_hash=hash_secret(pin) if pin else None,
        password_hash=hash_secret(password) if password else None,
    )
    session.add(user)
    session.flush()
    record(session, None, "user.create", username, role=role)
    return user


def find_user(session: Session, username: str) -> User:
    """The user with this name."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UnknownRecord(f"no user {username}", user=username)
    return user


def end_sessions(session: Session, user_id: int) -> None:
    """Every page session of the user stops working at its next request (sign-out,
    deactivation, a new password or PIN): their session version moves on."""
    session.execute(update(User).where(User.id == user_id)
                    .values(session_version=User.session_version + 1))


def deactivate_user(session: Session, username: str) -> None:
    """The user can no longer sign in, use a session or an API token."""
    user = find_user(session, username)
    user.active = False
    session.flush()
    end_sessions(session, user.id)
    record(session, None, "user.deactivate", username)


def set_secrets(session: Session, username: str, *, password: str | None = None,
                pin: str | None = None) -> None:
    """A new password and/or PIN; the user's sessions signed in with the old ones end."""
    if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise Invalid("pin: 4 to 8 digits", field="pin")
    if password is not None and len(password) < 8:
        raise Invalid("password: at least 8 characters", field="password")
    user = find_user(session, username)
    if password is not None:
        user.password_hash = hash_secret(password)
    if pin is not None:
        user.pin_hash = hash_secret(pin)
    session.flush()
    end_sessions(session, user.id)
    record(session, None, "user.secrets", username, password=password is not None,
           pin=pin is not None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, username: str,
                 stations: Sequence[str] | None = None) -> str:
    """A new API token for the user; only its hash is stored. With `stations` it is a
    station device's token: it may post scans and device events for those stations and read
    their state, nothing else."""
    user = find_user(session, username)
    bound = None
    if stations is not None:
        names = sorted({name.strip() for name in stations if name.strip()})
        if not names or any(len(name) > 64 or " " in name for name in names):
            raise Invalid("stations: one or more station names", field="stations")
        bound = " ".join(names)
    token = "wms_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), stations=bound))
    record(session, user.id, "token.create", username, stations=bound)
    session.flush()
    return token


_USERS_T = cast(Table, User.__table__)
_TOKENS_T = cast(Table, ApiToken.__table__)
# One indexed read: the token's hash to its active, unrevoked user. Built once, so each call
# only binds the hash.
_CALLER = (
    select(_USERS_T.c.id, _USERS_T.c.username, _USERS_T.c.role, _TOKENS_T.c.stations)
    .join_from(_TOKENS_T, _USERS_T, _USERS_T.c.id == _TOKENS_T.c.user_id)
    .where(_TOKENS_T.c.token_hash == bindparam("token_hash"),
           _TOKENS_T.c.revoked.is_not(true()), _USERS_T.c.active == true())
)


def caller_for_token(session: Session | Connection, token: str | None) -> Caller:
    """The active user a bearer token belongs to, or Unauthorized; read every time, so a
    revoked token or a deactivated user is refused at once."""
    if not token:
        raise Unauthorized("send Authorization: Bearer <token>")
    row = session.execute(_CALLER, {"token_hash": _token_hash(token.strip())}).first()
    if row is None:
        raise Unauthorized("the token is unknown or revoked")
    bound = frozenset(row.stations.split()) if row.stations is not None else None
    return Caller(row.id, row.username, row.role, bound)


# What a station device's token may call: its stations' scans, device events and state.
STATION_ENDPOINTS = frozenset({"post_station_scan", "post_station_device", "get_station"})


def require_station_scope(caller: Caller, endpoint_name: str, station: str | None) -> None:
    """Raise Forbidden when a station device's token calls anything but its own stations'
    scans, device events and state; a person's token passes."""
    allowed = caller.stations
    if allowed is None:
        return
    if endpoint_name not in STATION_ENDPOINTS or station not in allowed:
        raise Forbidden("a station device's token may only post scans and device events "
                        f"for its stations ({', '.join(sorted(allowed))}) and read their "
                        "state")

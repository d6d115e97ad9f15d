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

from wms.acting import warehouse_codes
from wms.config import DEFAULT_GATEWAY
from wms.db import run_on
from wms.errors import Conflict, Forbidden, Invalid, Unauthorized, UnknownRecord
from wms.models import ROLES, ApiToken, User, Warehouse
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
    # the gateway's status: database, disk, backups, print worker, bridge, printers, scanners
    "status": APPROVERS,
}

# The languages a user's pages can be in (None: the browser's).
LOCALES = ("zh", "en")

# scrypt's cost for new hashes: n (work and memory), r (block size), p (parallel runs). Each
# hash records the cost it was made with, so that raising it later leaves the secrets set
# before it checking as they were.
SCRYPT_COST = (2**14, 8, 1)
# The cost of the hashes written before hashes recorded theirs (`scrypt$salt$digest`).
_UNRECORDED_COST = (2**14, 8, 1)
# At most this much memory for one check (16 MiB at the cost above): a stored hash naming a
# larger cost checks as no match instead of exhausting the gateway.
_SCRYPT_MAX_MEMORY = 64 * 2**20


def hash_secret(secret: str, cost: tuple[int, int, int] = SCRYPT_COST) -> str:
    """A salted scrypt hash of a password or PIN: `scrypt:n:r:p$salt$digest`."""
    n, r, p = cost
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt:{n}:{r}:{p}${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str | None) -> bool:
    """Whether `secret` is the one `stored` was made from, checked at the cost `stored`
    records."""
    method, _, salted = (stored or "").partition("$")
    salt, _, digest = salted.partition("$")
    try:
        if method == "scrypt":
            n, r, p = _UNRECORDED_COST
        else:
            name, n_text, r_text, p_text = method.split(":")
            if name != "scrypt":
                return False
            n, r, p = int(n_text), int(r_text), int(p_text)
        candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=n, r=r, p=p,
                                   dklen=32, maxmem=_SCRYPT_MAX_MEMORY)
        return hmac.compare_digest(candidate.hex(), digest)
    # Not a hash this gateway makes (a cost that is no whole number scrypt takes, a digest of
    # other characters than hex), or a cost beyond its memory.
    except (ValueError, TypeError, OverflowError):
        return False


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
    token_id: int | None = None
    warehouses: frozenset[str] | None = None  # the warehouses the user may work in; None: all
    gateway: str | None = None  # a station device's token: the gateway of its stations


def may(user: HasRole, action: str) -> bool:
    """Whether the user's role allows the action."""
    return user.role in PERMISSIONS[action]


def require(user: HasRole, action: str) -> None:
    """Raise Forbidden unless the user's role allows the action."""
    if not may(user, action):
        raise Forbidden(f"role {user.role} may not {action.replace('_', ' ')}")


def check_pin(pin: str | None) -> None:
    """Invalid unless the PIN is 4 to 8 digits (None: no PIN given)."""
    if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise Invalid("pin: 4 to 8 digits", field="pin")


def check_password(password: str | None) -> None:
    """Invalid unless the password has at least 8 characters (None: none given)."""
    if password is not None and len(password) < 8:
        raise Invalid("password: at least 8 characters", field="password")


def check_badge(session: Session, badge: str | None, user_id: int | None = None) -> str | None:
    """The badge as stored (None for none); Conflict when another user wears it."""
    badge = (badge or "").strip() or None
    if badge is None:
        return None
    if len(badge) > 64:
        raise Invalid("badge: at most 64 characters", field="badge")
    holder = session.scalar(select(User.username).where(User.badge == badge,
                                                        User.id != (user_id or 0)))
    if holder is not None:
        raise Conflict(f"badge {badge} is worn by {holder} already", field="badge",
                       badge=badge)
    return badge


def warehouses_value(session: Session, codes: Sequence[str] | None) -> str | None:
    """The stored form of the warehouses a user may work in: known codes separated by
    spaces, or None for all of them; Invalid for a code that names no warehouse."""
    if codes is None:
        return None
    wanted = sorted({code.strip() for code in codes if code.strip()})
    if not wanted:
        return None
    known = set(session.scalars(select(Warehouse.code).where(Warehouse.code.in_(wanted))))
    for code in wanted:
        if code not in known:
            raise Invalid(f"warehouses: no warehouse {code}", field="warehouses",
                          warehouse=code)
    return " ".join(wanted)


def add_user(
    session: Session, username: str, role: str, *, pin: str | None = None,
    password: str | None = None, badge: str | None = None, display_name: str | None = None,
    locale: str | None = None, warehouses: Sequence[str] | None = None,
    by: int | None = None,
) -> User:
    """Create a user; a PIN is 4 to 8 digits, a password at least 8 characters. `by` is
    the user who adds them (None from the command line)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise Invalid("username: 1 to 64 characters", field="username")
    if role not in ROLES:
        raise Invalid(f"role: one of {', '.join(ROLES)}", field="role")
    check_pin(pin)
    check_password(password)
    if locale is not None and locale not in LOCALES:
        raise Invalid(f"locale: one of {', '.join(LOCALES)}", field="locale")
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"user {username} exists already", field="username", user=username)
    badge = check_badge(session, badge)
    allowed = warehouses_value(session, warehouses)
    user = User(
        username=username, role=role, badge=badge, display_name=display_name or None,
        locale=locale, pin_hash=hash_secret(pin) if pin else None,
        password_hash=hash_secret(password) if password else None, warehouses=allowed,
    )
    session.add(user)
    session.flush()
    record(session, by, "user.create", username, role=role,
           new={"role": role, "display_name": user.display_name, "badge": badge,
                "locale": locale, "warehouses": allowed, "password": password is not None,
                "pin": pin is not None})
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


def deactivate_user(session: Session, username: str, by: int | None = None) -> None:
    """The user can no longer sign in, use a session or an API token."""
    user = find_user(session, username)
    if by is not None and by == user.id:
        raise Conflict("you may not deactivate yourself; another admin may", field="self")
    was = user.active
    user.active = False
    session.flush()
    end_sessions(session, user.id)
    record(session, by, "user.deactivate", username, old={"active": was},
           new={"active": False})


def set_secrets(session: Session, username: str, *, password: str | None = None,
                pin: str | None = None, by: int | None = None) -> None:
    """A new password and/or PIN; the user's sessions signed in with the old ones end."""
    check_pin(pin)
    check_password(password)
    user = find_user(session, username)
    if password is not None:
        user.password_hash = hash_secret(password)
    if pin is not None:
        user.pin_hash = hash_secret(pin)
    session.flush()
    end_sessions(session, user.id)
    # Which secrets changed, never the secrets themselves.
    record(session, by, "user.secrets", username, password=password is not None,
           pin=pin is not None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, username: str,
                 stations: Sequence[str] | None = None, by: int | None = None,
                 gateway: str = DEFAULT_GATEWAY) -> str:
    """A new API token for the user; only its hash is stored. With `stations` it is a
    station device's token: it may post scans and device events for those stations of
    `gateway` (at that gateway) and read their state, nothing else."""
    user = find_user(session, username)
    bound = None
    if stations is not None:
        names = sorted({name.strip() for name in stations if name.strip()})
        if not names or any(len(name) > 64 or " " in name for name in names):
            raise Invalid("stations: one or more station names", field="stations")
        bound = " ".join(names)
    token = "wms_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token), stations=bound,
                   gateway=gateway if bound is not None else None)
    session.add(row)
    session.flush()
    record(session, user.id if by is None else by, "token.create", username, token=row.id,
           stations=bound, gateway=row.gateway)
    return token


_USERS_T = cast(Table, User.__table__)
_TOKENS_T = cast(Table, ApiToken.__table__)
# One indexed read: the token's hash to its active, unrevoked user. Built once, so each call
# only binds the hash.
_CALLER = (
    select(_USERS_T.c.id, _USERS_T.c.username, _USERS_T.c.role, _USERS_T.c.warehouses,
           _TOKENS_T.c.stations, _TOKENS_T.c.gateway, _TOKENS_T.c.id.label("token_id"))
    .join_from(_TOKENS_T, _USERS_T, _USERS_T.c.id == _TOKENS_T.c.user_id)
    .where(_TOKENS_T.c.token_hash == bindparam("token_hash"),
           _TOKENS_T.c.revoked.is_not(true()), _USERS_T.c.active == true())
)


def caller_for_token(session: Session | Connection, token: str | None) -> Caller:
    """The active user a bearer token belongs to, or Unauthorized; read every time, so a
    revoked token or a deactivated user is refused at once."""
    if not token:
        raise Unauthorized("send Authorization: Bearer <token>")
    # A Core statement: run on the connection without the ORM's execution layer.
    conn = session.connection() if isinstance(session, Session) else session
    row = run_on(conn, _CALLER, {"token_hash": _token_hash(token.strip())}).first()
    if row is None:
        raise Unauthorized("the token is unknown or revoked")
    bound = frozenset(row.stations.split()) if row.stations is not None else None
    return Caller(row.id, row.username, row.role, bound, row.token_id,
                  warehouse_codes(row.warehouses), row.gateway)


# What a station device's token may call: its stations' scans, device events and state.
STATION_ENDPOINTS = frozenset({"post_station_scan", "post_station_device", "get_station"})


def require_station_scope(caller: Caller, endpoint_name: str, station: str | None,
                          gateway: str = DEFAULT_GATEWAY) -> None:
    """Raise Forbidden when a station device's token calls anything but its own stations'
    scans, device events and state, or calls another gateway than its stations' (whose
    station of the same name is not its own); a person's token passes."""
    allowed = caller.stations
    if allowed is None:
        return
    if caller.gateway != gateway:
        raise Forbidden(f"a station device's token of gateway {caller.gateway} may not call "
                        f"gateway {gateway}")
    if endpoint_name not in STATION_ENDPOINTS or station not in allowed:
        raise Forbidden("a station device's token may only post scans and device events "
                        f"for its stations ({', '.join(sorted(allowed))}) and read their "
                        "state")

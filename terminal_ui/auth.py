"""Signing in and out: a badge scan plus PIN on the handhelds, or user name and password;
who the signed-in user is and what their role lets them open."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from werkzeug.wrappers import Response

from terminal_ui.i18n import LANGUAGES
from terminal_ui.page_errors import session_expired
from wms.auth import PERMISSIONS, end_sessions
from wms.db import Database
from wms.models import User
from wms.signin import (
    SignInLimits,
    TooManyAttempts,
    active_user,
    address_locked,
    sign_in_with_badge,
    sign_in_with_password,
)

blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please sign in first")
login_manager.login_message_category = "error"

View = TypeVar("View", bound=Callable[..., Any])
SIGNED_IN_AT = "signed_in_at"  # in the session: when its sign-in was, in seconds


@dataclass
class SignedInUser(UserMixin):
    id: int
    username: str
    role: str
    display_name: str | None
    locale: str | None = None
    session_version: int = 0
    warehouses: str | None = None  # the codes the user may work in; None: all

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def may(self, permission: str) -> bool:
        """Whether this user's role allows the action."""
        return self.role in PERMISSIONS[permission]

    def get_id(self) -> str:
        """The session remembers the user and the session version it was signed in under."""
        return f"{self.id}.{self.session_version}"

    @classmethod
    def of(cls, user: User) -> SignedInUser:
        return cls(user.id, user.username, user.role, user.display_name, user.locale,
                   user.session_version, user.warehouses)


@login_manager.user_loader
def load_user(session_id: str) -> SignedInUser | None:
    """The signed-in user, checked on every request: still active, the shift the session
    was signed in for not over, and the session not ended by a sign-out, a deactivation or
    a new password since."""
    user_id, _dot, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()) or len(session_id) > 40:
        return None
    signed_in_at = session.get(SIGNED_IN_AT)
    if isinstance(signed_in_at, int) and time.time() - signed_in_at \
            > current_app.permanent_session_lifetime.total_seconds():
        return None
    db: Database = current_app.extensions["wms.db"]
    with db.read() as s:
        user = active_user(s, int(user_id), int(version))
        return SignedInUser.of(user) if user else None


def signed_in_as() -> str:
    """The id of the person this browser is signed in as, read from the session alone (no
    database: the scans a handheld keeps stay its person's while the database is away)."""
    return str(session.get("_user_id", "")).partition(".")[0]


def init_auth(app: Flask) -> None:
    """Sessions last one shift; the cookie is HTTP-only and SameSite=Lax."""
    login_manager.init_app(app)
    app.jinja_env.globals["signed_in_as"] = signed_in_as
    login_manager.unauthorized_handler(session_expired)
    app.register_blueprint(blueprint)


def permission_required(permission: str) -> Callable[[View], View]:
    """Sign-in required, and a role allowed to do `permission`; others get a 403 page."""

    def decorate(view: View) -> View:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.may(permission):
                return render_template("errors/forbidden.html"), 403
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("home.index")


def _login_page(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("next", request.values.get("next", ""))
    return render_template("auth/login.html", **context), status


def _signed_in(user: SignedInUser) -> Response:
    """Signed in: on to the page asked for; a person with office work and no floor work
    (the clerk) to the office, everyone else to the handheld menu."""
    session.permanent = True
    session[SIGNED_IN_AT] = int(time.time())
    login_user(user)
    if user.locale in LANGUAGES:  # the pages speak it even while the database is away
        session["locale"] = user.locale
    target = request.form.get("next")
    if not target and user.may("office") and not user.may("move"):
        return redirect(url_for("office_home.index"))
    return redirect(_safe_next(target))


def _limits() -> SignInLimits:
    settings = current_app.config["WMS_SETTINGS"]
    return SignInLimits(per_name_at_address=settings.login_attempts,
                        per_address=settings.login_address_attempts,
                        per_name=settings.login_name_attempts)


def _too_many() -> tuple[str, int]:
    flash(_("Too many failed sign-ins: wait ten minutes"), "error")
    return _login_page(429)


@blueprint.get("/login")
def login() -> tuple[str, int]:
    return _login_page()


@blueprint.post("/login")
def login_with_password() -> Response | tuple[str, int]:
    db: Database = current_app.extensions["wms.db"]
    try:
        user = sign_in_with_password(db, request.form.get("username", ""),
                                     request.form.get("password", ""), limits=_limits(),
                                     address=request.remote_addr)
    except TooManyAttempts:
        return _too_many()
    if user is None:
        flash(_("Wrong user name or password"), "error")
        return _login_page(401)
    return _signed_in(SignedInUser.of(user))


@blueprint.post("/login/badge")
def login_with_badge() -> Response | tuple[str, int]:
    """Step one: the badge scan asks for the PIN (naming nobody: a badge alone tells
    nothing about its holder); step two: the PIN signs its holder in."""
    badge = request.form.get("badge", "").strip()[:64]
    pin = request.form.get("pin")
    db: Database = current_app.extensions["wms.db"]
    if not badge:
        flash(_("Scan your badge"), "error")
        return _login_page(400)
    if pin is None:
        if address_locked(db, request.remote_addr, _limits()):
            return _too_many()
        return _login_page(badge=badge)
    try:
        user = sign_in_with_badge(db, badge, pin, limits=_limits(),
                                  address=request.remote_addr)
    except TooManyAttempts:
        return _too_many()
    if user is None:
        flash(_("Wrong badge or PIN"), "error")
        return _login_page(401, badge=badge)
    return _signed_in(SignedInUser.of(user))


@blueprint.post("/logout")
@login_required
def logout() -> Response:
    """Sign out: this session, and any copy of its cookie, stop working."""
    db: Database = current_app.extensions["wms.db"]
    with db.write() as s:
        end_sessions(s, current_user.id)
    logout_user()
    flash(_("Signed out"), "info")
    return redirect(url_for("auth.login"))

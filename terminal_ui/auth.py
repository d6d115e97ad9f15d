"""Signing in and out of the pages (user name and password), and who the signed-in user is."""

from __future__ import annotations

from dataclasses import dataclass
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
from flask_login import LoginManager, UserMixin, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from wms.db import Database
from wms.signin import TooManyAttempts, active_user, sign_in_with_password

blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录 · Please sign in first"


@dataclass
class SignedInUser(UserMixin):
    id: int
    username: str
    role: str
    display_name: str | None

    @property
    def name(self) -> str:
        return self.display_name or self.username


@login_manager.user_loader
def load_user(user_id: str) -> SignedInUser | None:
    db: Database = current_app.extensions["wms.db"]
    with db.read() as s:
        user = active_user(s, int(user_id)) if user_id.isdigit() else None
        return SignedInUser(user.id, user.username, user.role, user.display_name) \
            if user else None


def init_auth(app: Flask) -> None:
    """Sessions last one shift; the cookie is HTTP-only and SameSite=Lax."""
    login_manager.init_app(app)
    app.register_blueprint(blueprint)


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("office.print_jobs")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    db: Database = current_app.extensions["wms.db"]
    settings = current_app.config["WMS_SETTINGS"]
    username = request.form.get("username", "")
    try:
        with db.write() as s:
            user = sign_in_with_password(
                s, username, request.form.get("password", ""),
                max_attempts=settings.login_attempts, address=request.remote_addr)
            signed = SignedInUser(user.id, user.username, user.role, user.display_name) \
                if user else None
    except TooManyAttempts:
        flash("登录失败次数过多，请十分钟后再试 · Too many failed sign-ins; wait ten minutes",
              "error")
        return render_template("auth/login.html", next=request.form.get("next", "")), 429
    if signed is None:
        flash("用户名或密码错误 · Wrong user name or password", "error")
        return render_template("auth/login.html", next=request.form.get("next", "")), 401
    session.permanent = True
    login_user(signed)
    return redirect(_safe_next(request.form.get("next")))


@blueprint.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash("已退出 · Signed out", "info")
    return redirect(url_for("auth.login"))

"""The office's users and roles (admin only): the list, adding a user, changing one,
deactivation, new passwords and PINs, and API tokens listed, created and revoked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.i18n import LANGUAGES
from terminal_ui.office.tables import file_response, page_window
from terminal_ui.refusals import describe
from wms.auth import add_user, create_token, deactivate_user, set_secrets
from wms.db import Database
from wms.errors import WmsError
from wms.models import ROLES
from wms.services.users import (
    UserChanges,
    UserFilter,
    get_user,
    list_tokens,
    list_users,
    reactivate_user,
    revoke_token,
    update_user,
    warehouse_choices,
)
from wms.tabular import Column

blueprint = Blueprint("office_users", __name__, url_prefix="/office/users")

ID = "<int(max=2147483647):user_id>"


def _db() -> Database:
    return current_app.extensions["wms.db"]


def problem(error: WmsError) -> str:
    """What is wrong with the form, in the reader's language."""
    field = str(error.details.get("field", ""))
    if field == "username":
        if error.code == "conflict":
            return _("The user name %(name)s is taken", name=error.details.get("user", ""))
        return _("User name: 1 to 64 characters")
    if field == "badge":
        if error.code == "conflict":
            return _("Badge %(badge)s is someone else's already",
                     badge=error.details.get("badge", ""))
        return _("Badge: at most 64 characters")
    messages = {
        "self": _("You may not deactivate yourself or change your own role: another admin "
                  "may"),
        "pin": _("PIN: 4 to 8 digits"),
        "password": _("Password: at least 8 characters"),
        "role": _("Choose a role"),
        "locale": _("Choose a language"),
        "display_name": _("Display name: at most 200 characters"),
        "warehouses": _("Unknown warehouse: %(code)s",
                        code=error.details.get("warehouse", "")),
    }
    if field in messages:
        return messages[field]
    headline, detail = describe(error)
    return f"{headline} {detail}".strip()


def role_label(role: str) -> str:
    """A role's name in the reader's language."""
    return {"admin": _("Administrator"), "supervisor": _("Supervisor"), "clerk": _("Clerk"),
            "operator": _("Operator")}.get(role, role)


# A user's fields as the office names them: in the list, its file and the audit trail.
FIELD_LABELS: dict[str, LazyString] = {
    "username": _l("User name"), "display_name": _l("Name"), "role": _l("Role"),
    "badge": _l("Badge"), "locale": _l("Language"), "warehouses": _l("Warehouses"),
    "password": _l("Password"), "pin": _l("PIN"), "active": _l("Active"),
    "created_at": _l("Created"),
}
LISTED = ("username", "display_name", "role", "badge", "locale", "warehouses", "active",
          "created_at")


def _columns() -> list[Column]:
    return [Column(name, str(FIELD_LABELS[name])) for name in LISTED]


def _filter() -> UserFilter:
    args = request.args
    role = args.get("role") if args.get("role") in ROLES else None
    active = {"yes": True, "no": False}.get(args.get("active", ""))
    return UserFilter(q=(args.get("q") or "").strip()[:64] or None, role=role, active=active)


@blueprint.get("/")
@permission_required("admin")
def users() -> Any:
    window = page_window()
    with _db().read() as s:
        rows, total = list_users(s, _filter(), limit=window.limit, offset=window.offset)
        if window.fmt:
            return file_response(window.fmt, _columns(), [
                {"username": u.username, "display_name": u.display_name,
                 "role": role_label(u.role), "badge": u.badge, "locale": u.locale,
                 "warehouses": u.warehouses or _("all"),
                 "active": _("yes") if u.active else _("no"), "created_at": u.created_at}
                for u in rows], "users")
        return render_template("office/users/list.html", users=rows, total=total,
                               window=window, roles=ROLES, role_label=role_label)


def _form_values() -> dict[str, Any]:
    form = request.form
    return {"username": form.get("username", "").strip(),
            "display_name": form.get("display_name", "").strip(),
            "role": form.get("role", ""), "badge": form.get("badge", "").strip(),
            "locale": form.get("locale", ""), "warehouses": form.getlist("warehouses")}


def _new_page(values: dict[str, Any], status: int = 200) -> tuple[str, int]:
    with _db().read() as s:
        choices = warehouse_choices(s)
    return render_template("office/users/new.html", values=values, roles=ROLES,
                           role_label=role_label, languages=LANGUAGES,
                           warehouses=choices), status


@blueprint.get("/new")
@permission_required("admin")
def new() -> tuple[str, int]:
    return _new_page({"role": "operator", "warehouses": []})


@blueprint.post("/new")
@permission_required("admin")
def create() -> WerkzeugResponse | tuple[str, int]:
    values = _form_values()
    password = request.form.get("password") or None
    pin = request.form.get("pin") or None
    if password is None and pin is None:
        flash(_("Give a password, a PIN or both"), "error")
        return _new_page(values, 422)
    try:
        with _db().write() as s:
            user = add_user(s, values["username"], values["role"], pin=pin, password=password,
                            badge=values["badge"], display_name=values["display_name"],
                            locale=values["locale"] or None,
                            warehouses=values["warehouses"], by=current_user.id)
            user_id = user.id
    except WmsError as error:
        flash(problem(error), "error")
        return _new_page(values, 422)
    flash(_("User %(name)s added", name=values["username"]), "info")
    return redirect(url_for("office_users.edit", user_id=user_id))


@blueprint.get(f"/{ID}")
@permission_required("admin")
def edit(user_id: int) -> tuple[str, int]:
    with _db().read() as s:
        try:
            user = get_user(s, user_id)
        except WmsError:
            abort(404)
        tokens, _total = list_tokens(s, username=user.username)
        return render_template("office/users/edit.html", user=user, tokens=tokens,
                               roles=ROLES, role_label=role_label, languages=LANGUAGES,
                               warehouses=warehouse_choices(s),
                               allowed=(user.warehouses or "").split()), 200


def _change(user_id: int, work: Callable[[Any, str], str | None]) -> WerkzeugResponse:
    """Run one change of the user in one transaction, then back to their page with what
    happened (or why nothing did)."""
    try:
        with _db().write() as s:
            message = work(s, get_user(s, user_id).username)
        if message:
            flash(message, "info")
    except WmsError as error:
        flash(problem(error), "error")
    return redirect(url_for("office_users.edit", user_id=user_id))


@blueprint.post(f"/{ID}")
@permission_required("admin")
def update(user_id: int) -> WerkzeugResponse:
    values = _form_values()
    changes = UserChanges(display_name=values["display_name"], role=values["role"],
                          badge=values["badge"], locale=values["locale"],
                          warehouses=values["warehouses"])

    def work(s: Any, username: str) -> str:
        update_user(s, username, changes, current_user.id)
        return _("Saved")

    return _change(user_id, work)


@blueprint.post(f"/{ID}/deactivate")
@permission_required("admin")
def deactivate(user_id: int) -> WerkzeugResponse:
    def work(s: Any, username: str) -> str:
        deactivate_user(s, username, by=current_user.id)
        return _("%(name)s is deactivated: signed out everywhere, tokens refused",
                 name=username)

    return _change(user_id, work)


@blueprint.post(f"/{ID}/reactivate")
@permission_required("admin")
def reactivate(user_id: int) -> WerkzeugResponse:
    def work(s: Any, username: str) -> str:
        reactivate_user(s, username, current_user.id)
        return _("%(name)s may sign in again", name=username)

    return _change(user_id, work)


@blueprint.post(f"/{ID}/secrets")
@permission_required("admin")
def secrets(user_id: int) -> WerkzeugResponse:
    password = request.form.get("password") or None
    pin = request.form.get("pin") or None
    if password is None and pin is None:
        flash(_("Give a password, a PIN or both"), "error")
        return redirect(url_for("office_users.edit", user_id=user_id))

    def work(s: Any, username: str) -> str:
        set_secrets(s, username, password=password, pin=pin, by=current_user.id)
        return _("New secrets set for %(name)s; their sessions ended", name=username)

    return _change(user_id, work)


@blueprint.post(f"/{ID}/tokens")
@permission_required("admin")
def new_token(user_id: int) -> WerkzeugResponse | tuple[str, int]:
    stations = request.form.get("stations", "").split() or None
    try:
        with _db().write() as s:
            user = get_user(s, user_id)
            token = create_token(s, user.username, stations, by=current_user.id,
                                 gateway=current_app.extensions["wms.site"].gateway)
            username = user.username
    except WmsError as error:
        flash(problem(error), "error")
        return redirect(url_for("office_users.edit", user_id=user_id))
    # Shown once: only its hash is kept.
    response = render_template("office/users/token.html", token=token, username=username,
                               user_id=user_id)
    return response, 201


def _token_columns() -> list[Column]:
    return [Column("id", "#"), Column("username", _("User name")),
            Column("created_at", _("Created")), Column("stations", _("Stations")),
            Column("gateway", _("Gateway")), Column("revoked", _("Revoked"))]


@blueprint.get("/tokens")
@permission_required("admin")
def tokens() -> Any:
    window = page_window()
    username = (request.args.get("user") or "").strip()[:64] or None
    with _db().read() as s:
        rows, total = list_tokens(s, username=username, limit=window.limit,
                                  offset=window.offset)
    if window.fmt:
        return file_response(window.fmt, _token_columns(), [
            {"id": t.id, "username": t.username, "created_at": t.created_at,
             "stations": t.stations, "gateway": t.gateway,
             "revoked": _("yes") if t.revoked else _("no")}
            for t in rows], "api-tokens")
    return render_template("office/users/tokens.html", tokens=rows, total=total,
                           window=window)


@blueprint.post("/tokens/<int(max=2147483647):token_id>/revoke")
@permission_required("admin")
def revoke(token_id: int) -> WerkzeugResponse:
    try:
        with _db().write() as s:
            row = revoke_token(s, token_id, current_user.id)
        flash(_("Token %(id)s of %(name)s revoked", id=row.id, name=row.username), "info")
    except WmsError as error:
        flash(problem(error), "error")
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/office/users") else
                    url_for("office_users.tokens"))

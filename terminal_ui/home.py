"""The home page: the menu of the signed-in person's workflows (only what their role may
do), or, before sign-in, only where to sign in."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, send_from_directory
from flask_babel import lazy_gettext as _l
from flask_login import current_user

blueprint = Blueprint("home", __name__)


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: object
    permission: str


MENU = (
    MenuEntry("receive.start", _l("Receive"), "receive"),
    MenuEntry("putaway.start", _l("Putaway"), "move"),
    MenuEntry("pick.start", _l("Pick"), "pick"),
    MenuEntry("count.start", _l("Count"), "count"),
    MenuEntry("move.start", _l("Move"), "move"),
    MenuEntry("lookup.start", _l("Stock lookup"), "read"),
    MenuEntry("scrap.start", _l("Scrap"), "scrap"),
    MenuEntry("stations.index", _l("Stations"), "receive"),
    MenuEntry("supervisor.overview", _l("Supervisor"), "approve"),
    MenuEntry("office.print_jobs", _l("Print queue"), "read"),
    MenuEntry("office_home.index", _l("Office"), "office"),
)


def menu_for(user: object) -> list[MenuEntry]:
    """The workflows this user's role may open, in floor order."""
    return [entry for entry in MENU if entry.endpoint.split(".")[0] in current_app.blueprints
            and user.may(entry.permission)]  # type: ignore[attr-defined]


@blueprint.get("/favicon.ico")
def icon() -> Response:
    """The gateway's icon, for browsers that ask for it at the old address before reading
    the page's own link (a handheld's bookmark, a tab)."""
    return send_from_directory(str(current_app.static_folder), "icon.svg",
                               mimetype="image/svg+xml", max_age=86400)


@blueprint.get("/")
def index() -> str:
    """The menu; signed out, only where to sign in (nothing of the business)."""
    if current_user.is_authenticated:
        return render_template("home/menu.html", menu=menu_for(current_user))
    return render_template("home/index.html")

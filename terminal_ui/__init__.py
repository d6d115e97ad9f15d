"""The Flask app: handheld pages, the back office and the HTTP side of API v1."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from wms.api import Dispatcher
from wms.config import load_settings
from wms.db import Database
from wms.site_config import load_site_config


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """App factory: defaults, then `WMS_*` environment variables, then `test_config`."""
    app = Flask(__name__)
    settings = load_settings(test_config)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes + 1024,
        JSON_AS_ASCII=False,
        WMS_SETTINGS=settings,
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k.isupper()})
    db = Database(settings.database_url, background_checkpoints=not settings.litestream)
    app.extensions["wms.db"] = db
    site = load_site_config(settings.config_path, settings.gateway)
    app.extensions["wms.site"] = site
    app.extensions["wms.dispatcher"] = Dispatcher(db, settings, site)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key or _stored_secret_key()
    app.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.shift_hours),
        # The cookie is sent again only when the session changes (a sign-in, a message, a
        # language): a background request answered after a save must not put back the
        # older cookie it carried, losing the save's message or the chosen language.
        SESSION_REFRESH_EACH_REQUEST=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )

    from terminal_ui import (
        api,
        auth,
        count,
        home,
        lookup,
        move,
        pick,
        putaway,
        receive,
        scrap,
        stations,
        supervisor,
    )
    from terminal_ui.devices import init_devices
    from terminal_ui.i18n import init_i18n
    from terminal_ui.office import register_office
    from terminal_ui.page_errors import init_page_errors
    from terminal_ui.scan_pages import htmx
    from terminal_ui.security import init_security

    init_security(app, settings)
    csrf = CSRFProtect(app)
    csrf.exempt(api.blueprint)  # the API authenticates every call by bearer token
    htmx.init_app(app)
    init_i18n(app)
    init_page_errors(app)
    init_devices(app)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(home.blueprint)
    auth.init_auth(app)
    for workflow in (count, lookup, move, pick, putaway, receive, scrap, stations,
                     supervisor):
        app.register_blueprint(workflow.blueprint)
    register_office(app)
    return app


def _stored_secret_key() -> str:
    """The session-signing key every worker shares, made once and kept in var/."""
    path = Path("var/secret-key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"secret-key.{os.getpid()}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: the first worker's key wins, complete
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()

"""The Flask app: handheld pages, the back office and the HTTP side of API v1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

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
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k.isupper()})
    db = Database(settings.database_url)
    app.extensions["wms.db"] = db
    site = load_site_config(settings.config_path)
    app.extensions["wms.site"] = site
    app.extensions["wms.dispatcher"] = Dispatcher(db, settings, site)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from terminal_ui import api, home

    app.register_blueprint(api.blueprint)
    app.register_blueprint(home.blueprint)
    return app

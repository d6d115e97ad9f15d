"""The handheld pages over the demo warehouse, on both engines: a signed-in handheld per
demo person, and the ledger to check what a scan did."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.handheld import Handheld
from tests.support.ledger import Ledger
from wms.demo import DEMO_USERS

PEOPLE = {u.role: u for u in DEMO_USERS}


@pytest.fixture
def floor_app(demo_url: str, tmp_path: Path) -> Iterator[Any]:
    from terminal_ui import create_app

    app = create_app({"database_url": demo_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(tmp_path / "wms.toml")})
    yield app
    app.extensions["wms.db"].dispose()


@pytest.fixture
def handheld(floor_app: Any) -> Callable[[str], Handheld]:
    """handheld("operator") -> a browser signed in by badge and PIN as that demo person."""

    def signed_in(role: str, language: str = "en") -> Handheld:
        person = PEOPLE[role]
        device = Handheld(floor_app.test_client())
        device.language = language
        assert device.sign_in(person.badge, person.pin).status == 302
        return device

    return signed_in


@pytest.fixture
def ledger(floor_app: Any) -> Ledger:
    return Ledger(floor_app.extensions["wms.db"])

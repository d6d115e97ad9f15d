"""A session ends for good: after sign-out a copied session cookie opens nothing, and a
user's sessions end when the user is deactivated or gets a new password or PIN."""

from __future__ import annotations

from typing import Any

from tests.support.handheld import Handheld
from wms.auth import deactivate_user, set_secrets


def _signed_in_with_a_copy(floor_app: Any) -> tuple[Handheld, Any]:
    """A handheld signed in as Li, and a second client holding a copy of its cookie."""
    device = Handheld(floor_app.test_client())
    assert device.sign_in("BADGE-0003", "1111").status == 302
    cookie = device.client.get_cookie("session")
    assert cookie is not None
    thief = floor_app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/pick/").status_code == 200
    return device, thief


def test_a_copied_session_cookie_stops_working_after_sign_out(floor_app: Any) -> None:
    device, thief = _signed_in_with_a_copy(floor_app)
    device.open("/pick/")
    assert device.client.post("/logout", data={"csrf_token": device.csrf}).status_code == 302
    assert thief.get("/pick/").status_code == 302
    assert "/login" in thief.get("/pick/").location
    assert device.sign_in("BADGE-0003", "1111").status == 302  # signing in again works
    assert device.open("/pick/").status == 200


def test_deactivating_a_user_ends_their_sessions(floor_app: Any) -> None:
    device, thief = _signed_in_with_a_copy(floor_app)
    with floor_app.extensions["wms.db"].write() as s:
        deactivate_user(s, "li")
    assert device.client.get("/pick/").status_code == 302
    assert thief.get("/pick/").status_code == 302


def test_a_new_pin_or_password_ends_the_sessions_signed_in_with_the_old_one(
        floor_app: Any) -> None:
    device, thief = _signed_in_with_a_copy(floor_app)
    with floor_app.extensions["wms.db"].write() as s:
        set_secrets(s, "li", pin="4321")
    assert thief.get("/pick/").status_code == 302
    assert device.sign_in("BADGE-0003", "4321").status == 302
    assert device.open("/pick/").status == 200
    with floor_app.extensions["wms.db"].write() as s:
        set_secrets(s, "li", password="a-new-password")
    assert device.client.get("/pick/").status_code == 302


def test_the_user_commands_end_the_sessions_they_should(floor_app: Any) -> None:
    from click.testing import CliRunner

    from wms.cli import main

    runner = CliRunner(env={"WMS_DATABASE_URL": floor_app.config["WMS_SETTINGS"].database_url})
    device, thief = _signed_in_with_a_copy(floor_app)
    assert runner.invoke(main, ["user", "secrets", "li"]).exit_code == 1  # nothing to set
    assert thief.get("/pick/").status_code == 200
    changed = runner.invoke(main, ["user", "secrets", "li", "--pin", "2468"])
    assert changed.exit_code == 0, changed.output
    assert thief.get("/pick/").status_code == 302
    assert device.sign_in("BADGE-0003", "2468").status == 302
    gone = runner.invoke(main, ["user", "deactivate", "li"])
    assert gone.exit_code == 0, gone.output
    assert device.client.get("/pick/").status_code == 302
    assert device.sign_in("BADGE-0003", "2468").status == 401

"""A password or PIN hash records the scrypt cost it was made with: a gateway's people keep
signing in with the secrets set before hashes recorded their cost, and a stored hash naming a
cost beyond the gateway's memory is refused like a wrong secret, not answered with a fault."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.handheld import Handheld
from wms.auth import SCRYPT_COST, set_secrets
from wms.models import User


def _pin_hash(floor_app: Any, username: str) -> str:
    with floor_app.extensions["wms.db"].read() as s:
        stored = s.scalar(select(User.pin_hash).where(User.username == username))
    assert stored is not None
    return stored


def _store_pin_hash(floor_app: Any, username: str, stored: str) -> None:
    with floor_app.extensions["wms.db"].write() as s:
        s.scalars(select(User).where(User.username == username)).one().pin_hash = stored


def test_a_new_pin_is_stored_with_its_cost_and_signs_in(floor_app: Any) -> None:
    with floor_app.extensions["wms.db"].write() as s:
        set_secrets(s, "li", pin="4321")
    n, r, p = SCRYPT_COST
    assert _pin_hash(floor_app, "li").startswith(f"scrypt:{n}:{r}:{p}$")
    assert Handheld(floor_app.test_client()).sign_in("BADGE-0003", "4321").status == 302
    assert Handheld(floor_app.test_client()).sign_in("BADGE-0003", "1111").status != 302


def test_a_pin_hashed_before_costs_were_recorded_still_signs_in(floor_app: Any) -> None:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(b"2468", salt=salt, n=2**14, r=8, p=1, dklen=32)
    _store_pin_hash(floor_app, "li", f"scrypt${salt.hex()}${digest.hex()}")
    assert Handheld(floor_app.test_client()).sign_in("BADGE-0003", "2468").status == 302
    assert Handheld(floor_app.test_client()).sign_in("BADGE-0003", "2469").status == 401


def test_a_hash_naming_a_cost_beyond_the_gateways_memory_is_refused_without_a_fault(
        floor_app: Any) -> None:
    salt = secrets.token_bytes(16).hex()
    _store_pin_hash(floor_app, "li", f"scrypt:{2**24}:8:1${salt}${'00' * 32}")
    refused = Handheld(floor_app.test_client()).sign_in("BADGE-0003", "1111")
    assert refused.status == 401
    assert "工牌或PIN码错误" in refused.html


@pytest.mark.parametrize("stored", [
    f"scrypt:{'9' * 30}:8:1${'00' * 16}${'00' * 32}",  # a cost too large for any number
    f"scrypt:-2:8:1${'00' * 16}${'00' * 32}",  # a negative cost
    f"scrypt:16384:8:1${'00' * 16}${'é' * 64}",  # a digest that is not hex
    f"scrypt:16384:8${'00' * 16}${'00' * 32}",  # a cost without its p
])
def test_a_damaged_hash_is_refused_like_a_wrong_pin_without_a_fault(
        floor_app: Any, stored: str) -> None:
    _store_pin_hash(floor_app, "li", stored)
    refused = Handheld(floor_app.test_client()).sign_in("BADGE-0003", "1111")
    assert refused.status == 401
    assert "工牌或PIN码错误" in refused.html

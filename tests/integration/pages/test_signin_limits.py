"""Sign-in limits per name at an address, per address and per name everywhere, counted so
that concurrent attempts never check more secrets than allowed; unknown names cost the same
work as known ones; and nobody can lock a person out from another address."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def gateway(demo_url: str, tmp_path: Path) -> Iterator[Any]:
    from terminal_ui import create_app

    app = create_app({"database_url": demo_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(tmp_path / "wms.toml"), "WTF_CSRF_ENABLED": False,
                      "login_attempts": 5, "login_address_attempts": 12,
                      "login_name_attempts": 8})
    yield app
    app.extensions["wms.db"].dispose()


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every scrypt run (one per secret checked) is counted."""
    calls: list[int] = []
    real = hashlib.scrypt

    def counted(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    return calls


def password(app: Any, name: str, secret: str, address: str) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return int(client.post("/login", data={"username": name, "password": secret})
               .status_code)


def badge(app: Any, code: str, address: str, pin: str | None = None) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    data = {"badge": code} if pin is None else {"badge": code, "pin": pin}
    return int(client.post("/login/badge", data=data).status_code)


def test_wrong_passwords_over_many_names_from_one_address_stop_at_its_limit(
        gateway: Any, scrypt_calls: list[int]) -> None:
    answers = [password(gateway, f"name-{n}", "wrong-password", "10.1.1.1")
               for n in range(15) for _ in range(4)]
    assert answers.count(401) == 12 and answers.count(429) == 48
    assert len(scrypt_calls) == 12
    assert badge(gateway, "BADGE-0003", "10.1.1.1") == 429  # the badge step as well
    assert badge(gateway, "BADGE-0003", "10.1.1.1", pin="1111") == 429
    assert password(gateway, "li", "li-demo-1", "10.1.1.2") == 302  # other handhelds work


def test_a_success_gives_its_attempt_back_so_a_shared_address_keeps_working(
        gateway: Any) -> None:
    for _ in range(30):  # a whole shift of handhelds behind one NAT address signing in
        assert badge(gateway, "BADGE-0003", "10.2.2.2", pin="1111") == 302
    assert badge(gateway, "BADGE-0003", "10.2.2.2", pin="0000") == 401


def test_an_attacker_elsewhere_cannot_lock_the_admin_out(gateway: Any) -> None:
    for _ in range(5):
        assert password(gateway, "admin", "guess", "10.9.9.1") == 401
    assert password(gateway, "admin", "admin-demo", "10.9.9.1") == 429  # that address only
    for address, failures in (("10.9.9.2", 2), ("10.9.9.3", 1)):
        for _ in range(failures):
            assert password(gateway, "admin", "guess", address) == 401
    # 8 failures of the name in all, its limit: the addresses that failed are
    # refused even with the right password ...
    assert password(gateway, "admin", "admin-demo", "10.9.9.2") == 429
    # ... while the admin's own address, which has not failed, signs in
    assert password(gateway, "admin", "admin-demo", "10.0.0.1") == 302
    # and a fresh address gets a single guess
    assert password(gateway, "admin", "guess", "10.9.8.1") == 401
    assert password(gateway, "admin", "admin-demo", "10.9.8.1") == 429


def test_an_unknown_name_costs_the_same_work_as_a_known_one(
        gateway: Any, scrypt_calls: list[int]) -> None:
    assert password(gateway, "admin", "wrong-password", "10.3.3.3") == 401
    known = len(scrypt_calls)
    assert password(gateway, "nobody-here", "wrong-password", "10.3.3.4") == 401
    assert known == 1 and len(scrypt_calls) == 2
    assert badge(gateway, "BADGE-0003", "10.3.3.5", pin="0000") == 401
    assert badge(gateway, "BADGE-NONE", "10.3.3.6", pin="0000") == 401
    assert len(scrypt_calls) == 4


def test_twenty_concurrent_wrong_passwords_check_at_most_the_limit(
        gateway: Any, scrypt_calls: list[int]) -> None:
    start = threading.Barrier(20)
    answers: list[int] = []

    def attempt(n: int) -> None:
        start.wait()
        answers.append(password(gateway, "zhang", f"wrong-{n}", "10.4.4.4"))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [401] * 5 + [429] * 15
    assert len(scrypt_calls) == 5


def test_a_lockout_ends_after_ten_minutes_and_old_counters_are_cleared(gateway: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from wms.models import SignInCounter, utcnow

    for _ in range(5):
        assert password(gateway, "zhang", "guess", "10.5.5.5") == 401
    assert password(gateway, "zhang", "zhang-demo", "10.5.5.5") == 429
    db = gateway.extensions["wms.db"]
    with db.write() as s:
        s.execute(update(SignInCounter).values(window_start=utcnow() - timedelta(minutes=11)))
    assert password(gateway, "zhang", "zhang-demo", "10.5.5.5") == 302
    with db.write() as s:
        s.execute(update(SignInCounter).values(window_start=utcnow() - timedelta(minutes=31)))
    assert password(gateway, "li", "li-demo-1", "10.5.5.6") == 302
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SignInCounter)) == 2  # li's own

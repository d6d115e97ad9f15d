"""Idempotency-Key on state-changing POSTs (docs/API.md, Conventions): a repeat with the
same key and body is answered from the stored first response and changes nothing; the same
key with another body is 409; keys are per user; failed answers are not stored."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import snapshot

REPLAYED = "Idempotent-Replayed"
THREADS = 8


def stocked(build: Builder) -> list[str]:
    """WH1 with four bins of 100 units and 10 CUP in the first bin."""
    bins = build.warehouse("WH1", bins=4)
    build.item("CUP", name="茶杯")
    build.stock("CUP", bins[0], 10)
    return bins




def stock_of(api: Any, **query: Any) -> dict[tuple[str, str | None], int]:
    return {(r["location"], r["lot"]): r["qty"] for r in api.get("/stock", **query).get_json()}


def new_moves(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Ledger rows in `after` that `before` did not have."""
    seen = {m["id"] for m in before["ledger"]}
    return [m for m in after["ledger"] if m["id"] not in seen]


def post(client: Any, token: str, path: str, body: Any, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1{path}", json=body, headers=headers)


# A scenario: (path, body, success status, {location: expected CUP qty after one
# application}), set up on a fresh warehouse.
Scenario = tuple[str, Any, int, dict[str, int]]


def move_scenario(api: Any, build: Builder) -> Scenario:
    bins = stocked(build)
    return ("/moves", {"sku": "CUP", "qty": 10, "from": bins[0], "to": bins[2]}, 201,
            {bins[2]: 10})


def receipt_scenario(api: Any, build: Builder) -> Scenario:
    bins = stocked(build)
    return ("/receipts", {"location": "DOCK-1", "lines": [{"sku": "CUP", "qty": 7}]}, 201,
            {bins[0]: 10, "DOCK-1": 7})


def pick_scenario(api: Any, build: Builder) -> Scenario:
    bins = stocked(build)
    build.sales_order("SO-1", [("CUP", 4)])
    [task] = api.post("/sales-orders/SO-1/pick-list").get_json()["tasks"]
    assert (task["location"], task["qty"]) == (bins[0], 4)
    return (f"/pick-tasks/{task['id']}/confirm",
            {"location": bins[0], "sku": "CUP", "qty": 4}, 200, {bins[0]: 6, "PACK-1": 4})


SCENARIOS: dict[str, Callable[[Any, Builder], Scenario]] = {
    "move": move_scenario, "receipt": receipt_scenario, "pick confirm": pick_scenario,
}


def cup_stock(api: Any) -> dict[str, int]:
    return {location: qty for (location, _lot), qty in stock_of(api, sku="CUP").items()}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_same_keyed_post_sent_twice_is_applied_once_and_answered_identically(
    api: Any, build: Builder, scenario: str
) -> None:
    path, body, success, after_once = SCENARIOS[scenario](api, build)
    before = snapshot(api)
    first = api.post(path, body, key="retry-1")
    assert first.status_code == success, first.get_json()
    assert REPLAYED not in first.headers
    once = snapshot(api)
    assert len(new_moves(before, once)) == 1
    assert cup_stock(api) == after_once
    second = api.post(path, body, key="retry-1")
    assert second.status_code == first.status_code
    assert second.get_json() == first.get_json()
    assert second.headers.get(REPLAYED) == "true"
    assert snapshot(api) == once
    third = api.post(path, body, key="retry-1")
    assert (third.status_code, third.get_json()) == (first.status_code, first.get_json())
    assert snapshot(api) == once


def test_without_a_key_the_same_post_twice_is_applied_twice(api: Any,
                                                            build: Builder) -> None:
    bins = stocked(build)
    body = {"sku": "CUP", "qty": 3, "from": bins[0], "to": bins[2]}
    assert api.post("/moves", body).status_code == 201
    again = api.post("/moves", body)
    assert again.status_code == 201 and REPLAYED not in again.headers
    assert cup_stock(api) == {bins[0]: 4, bins[2]: 6}


@pytest.mark.parametrize("scenario", ["move", "receipt"])
def test_the_same_keyed_post_sent_concurrently_is_applied_exactly_once(
    app: Any, api: Any, build: Builder, scenario: str
) -> None:
    path, body, success, after_once = SCENARIOS[scenario](api, build)
    before = snapshot(api)
    clients = [app.test_client() for _ in range(THREADS)]
    start = threading.Barrier(THREADS)

    def send(client: Any) -> tuple[int, Any, str | None]:
        start.wait(timeout=30)
        response = post(client, api.token, path, body, "concurrent-1")
        return response.status_code, response.get_json(), response.headers.get(REPLAYED)

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(send, clients))
    statuses = [status for status, _, _ in answers]
    assert statuses == [success] * THREADS, answers
    bodies = [body for _, body, _ in answers]
    assert all(b == bodies[0] for b in bodies), bodies
    assert sorted(str(flag) for _, _, flag in answers) == ["None"] + ["true"] * (THREADS - 1)
    after = snapshot(api)
    assert len(new_moves(before, after)) == 1
    assert cup_stock(api) == after_once


def test_the_same_key_with_a_different_body_is_refused_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    build.item("MUG", name="马克杯")
    body = {"sku": "CUP", "qty": 2, "from": bins[0], "to": bins[2]}
    first = api.post("/moves", body, key="k-1")
    assert first.status_code == 201
    before = snapshot(api)
    others = {
        "another quantity": ("/moves", {**body, "qty": 3}),
        "another destination": ("/moves", {**body, "to": bins[3]}),
        "another endpoint": ("/receipts", {"location": "DOCK-1",
                                           "lines": [{"sku": "CUP", "qty": 2}]}),
        "a body that would fail anyway": ("/moves", {**body, "qty": 99}),
        "a body for an unknown item": ("/moves", {**body, "sku": "MUG"}),
    }
    seen = {}
    for name, (path, other) in others.items():
        response = api.post(path, other, key="k-1")
        error = response.get_json()["error"]
        seen[name] = (response.status_code, error["code"], bool(error["message"].strip()))
    assert seen == {name: (409, "idempotency_key_reused", True) for name in others}
    assert snapshot(api) == before
    replay = api.post("/moves", body, key="k-1")
    assert (replay.status_code, replay.get_json()) == (201, first.get_json())
    assert replay.headers.get(REPLAYED) == "true"
    assert snapshot(api) == before


def test_a_key_belongs_to_its_user_so_two_users_with_one_key_make_two_requests(
    api: Any, api_as: Any, build: Builder
) -> None:
    bins = stocked(build)
    body = {"sku": "CUP", "qty": 2, "from": bins[0], "to": bins[2]}
    before = snapshot(api)
    operator = api_as("operator").post("/moves", body, key="shared-key")
    supervisor = api_as("supervisor").post("/moves", body, key="shared-key")
    assert (operator.status_code, supervisor.status_code) == (201, 201)
    assert REPLAYED not in operator.headers and REPLAYED not in supervisor.headers
    assert operator.get_json()["moves"][0]["id"] != supervisor.get_json()["moves"][0]["id"]
    other = api.post("/moves", {**body, "qty": 1}, key="shared-key")
    assert other.status_code == 201 and REPLAYED not in other.headers
    assert len(new_moves(before, snapshot(api))) == 3
    assert cup_stock(api) == {bins[0]: 5, bins[2]: 5}
    replay = api_as("operator").post("/moves", body, key="shared-key")
    assert replay.headers.get(REPLAYED) == "true"
    assert replay.get_json() == operator.get_json()
    assert cup_stock(api) == {bins[0]: 5, bins[2]: 5}


def test_a_key_must_be_1_to_255_characters(api: Any, build: Builder) -> None:
    bins = stocked(build)
    body = {"sku": "CUP", "qty": 1, "from": bins[0], "to": bins[2]}
    before = snapshot(api)
    for key in ("k" * 256, "k" * 1000, ""):
        response = api.post("/moves", body, key=key)
        error = response.get_json()["error"]
        assert (response.status_code, error["code"]) == (422, "invalid"), len(key)
        assert "idempotency-key" in error["message"].lower()
    assert snapshot(api) == before
    longest = api.post("/moves", body, key="k" * 255)
    assert longest.status_code == 201
    assert api.post("/moves", body, key="k" * 255).headers.get(REPLAYED) == "true"
    assert api.post("/moves", body, key="x").status_code == 201
    assert cup_stock(api) == {bins[0]: 8, bins[2]: 2}


def test_a_keyed_request_that_failed_is_not_stored_and_succeeds_when_retried_later(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    body = {"sku": "CUP", "qty": 15, "from": bins[0], "to": bins[2]}
    before = snapshot(api)
    failed = api.post("/moves", body, key="when-stock-arrives")
    assert failed.status_code == 409
    assert failed.get_json()["error"]["code"] == "insufficient_stock"
    assert snapshot(api) == before
    build.stock("CUP", bins[0], 5)
    arrived = snapshot(api)
    retried = api.post("/moves", body, key="when-stock-arrives")
    assert retried.status_code == 201, retried.get_json()
    assert REPLAYED not in retried.headers
    assert [m["qty"] for m in new_moves(arrived, snapshot(api))] == [15]
    assert cup_stock(api) == {bins[2]: 15}
    replay = api.post("/moves", body, key="when-stock-arrives")
    assert (replay.status_code, replay.get_json()) == (201, retried.get_json())
    assert replay.headers.get(REPLAYED) == "true"


def test_a_keyed_request_refused_as_invalid_does_not_tie_the_key_to_its_body(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    bad = api.post("/moves", {"sku": "CUP", "qty": -2, "from": bins[0], "to": bins[2]},
                   key="fix-and-resend")
    assert bad.status_code == 422
    unknown = api.post("/moves", {"sku": "NOPE", "qty": 2, "from": bins[0], "to": bins[2]},
                       key="fix-and-resend")
    assert unknown.status_code == 404
    fixed = api.post("/moves", {"sku": "CUP", "qty": 2, "from": bins[0], "to": bins[2]},
                     key="fix-and-resend")
    assert fixed.status_code == 201 and REPLAYED not in fixed.headers
    assert cup_stock(api) == {bins[0]: 8, bins[2]: 2}

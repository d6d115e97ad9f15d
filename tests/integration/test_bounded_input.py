"""Input the API cannot use is refused as `invalid` (422) and never fails the server, and a
caller without a token learns nothing about its body: it needs a token first (401)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.builders import Builder


def _post(client: Any, path: str, data: bytes, token: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"/api/v1{path}", data=data, headers=headers)


def _move(qty: str) -> bytes:
    return b'{"sku": "CUP", "qty": ' + qty.encode() + b', "from": "A-01-01-01", "to": "B"}'


def test_a_quantity_of_five_thousand_digits_is_invalid(api: Any, client: Any) -> None:
    reply = _post(client, "/moves", _move("9" * 5000), api.token)
    assert reply.status_code == 422 and reply.get_json()["error"]["code"] == "invalid"


def test_a_body_nested_fifty_thousand_deep_is_invalid(api: Any, client: Any) -> None:
    deep = b'{"sku": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    reply = _post(client, "/moves", deep, api.token)
    assert reply.status_code == 422 and reply.get_json()["error"]["code"] == "invalid"
    assert "nested" in reply.get_json()["error"]["message"]


def test_brackets_inside_strings_do_not_count_as_nesting(api: Any, build: Builder,
                                                          client: Any) -> None:
    build.item("CUP")
    reply = client.put("/api/v1/items/CUP", json={"name": "[" * 150 + "{" * 40},
                       headers={"Authorization": f"Bearer {api.token}"})
    assert reply.status_code == 200, reply.get_json()


def test_without_a_token_a_huge_deep_or_endless_body_is_answered_401(client: Any) -> None:
    for data in (_move("9" * 5000), b"[" * 50_000, b'{"note": "' + b"x" * 3_000_000 + b'"}'):
        reply = _post(client, "/moves", data, None)
        assert reply.status_code == 401, reply.get_json()
        assert reply.get_json()["error"]["code"] == "unauthorized"


def test_numbers_beyond_a_billion_are_invalid_in_every_whole_number_field(
        api: Any, client: Any) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    for path, body in (("/items/BIG", {"name": "big", "safety_stock": 10**12}),
                       ("/items/BIG", {"name": "big", "pack_size": 10**12}),
                       ("/locations/BIG-1", {"warehouse": "WH1", "walk_seq": 10**12}),
                       ("/locations/BIG-1", {"warehouse": "WH1", "capacity": 10**30})):
        reply = client.put(f"/api/v1{path}", data=json.dumps(body), headers=headers,
                           content_type="application/json")
        assert reply.status_code == 422, (path, body, reply.get_json())
    for query in ("limit=" + "9" * 5000, "limit=99999999999999"):
        reply = client.get(f"/api/v1/ledger?{query}", headers=headers)
        assert reply.status_code == 422 and reply.get_json()["error"]["code"] == "invalid"

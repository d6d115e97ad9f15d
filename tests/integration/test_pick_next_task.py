"""Confirming a pick is one service for the page and the API: it moves the units and names
the picker's next task on the list, so neither needs another read."""

from __future__ import annotations

from typing import Any

from tests.integration.test_statement_count import three_task_order  # noqa: F401 (fixture)


def test_confirming_a_pick_through_the_api_names_the_next_task(
        api_as: Any, three_task_order: list[dict[str, Any]]) -> None:  # noqa: F811
    picker = api_as("operator")
    first, second, third = three_task_order
    replies = []
    for task in three_task_order:
        reply = picker.post(f"/pick-tasks/{task['id']}/confirm", {
            "location": task["location"], "sku": task["sku"], "qty": task["qty"],
            "lot": task["lot"]}, key=f"next:{task['id']}")
        assert reply.status_code == 200, reply.get_json()
        replies.append(reply.get_json()["next_task"])
    assert replies[0] == {"id": second["id"], "seq": second["seq"],
                          "location": second["location"], "sku": second["sku"],
                          "lot": second["lot"], "qty": second["qty"]}
    assert replies[1]["id"] == third["id"] and replies[2] is None

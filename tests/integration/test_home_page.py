"""The plain home page a person sees at the gateway's address."""

from __future__ import annotations

from typing import Any

from tests.support.builders import Builder


def test_the_home_page_shows_the_warehouse_figures_and_open_orders(
    client: Any, build: Builder
) -> None:
    build.warehouse("WH1", bins=3)
    build.item("TEA", name="龙井茶")
    build.item("CUP", name="茶杯")
    build.sales_order("SO-9", [("TEA", 1)], customer="CUS-VIP")
    page = client.get("/").get_data(as_text=True)
    assert "<b>2</b>物料 items" in page
    assert "<b>6</b>货位 locations" in page
    assert "SO-9" in page and "CUS-VIP" in page
    assert "built-in method" not in page

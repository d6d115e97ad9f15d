"""The home page a person sees at the gateway's address before signing in."""

from __future__ import annotations

from typing import Any

from tests.support.builders import Builder
from tests.support.handheld import text_of


def test_the_home_page_shows_the_warehouse_figures_and_open_orders(
    client: Any, build: Builder
) -> None:
    build.warehouse("WH1", bins=3)
    build.item("TEA", name="龙井茶")
    build.item("CUP", name="茶杯")
    build.sales_order("SO-9", [("TEA", 1)], customer="CUS-VIP")
    english = text_of(client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "2 items" in english and "6 locations" in english
    assert "SO-9" in english and "CUS-VIP" in english and "open" in english
    assert "Sign in" in english
    chinese = text_of(client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True))
    assert "2 物料" in chinese and "登录" in chinese
    assert "built-in method" not in english

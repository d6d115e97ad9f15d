"""The home page a person sees at the gateway's address before signing in: where to sign in,
and nothing of the business."""

from __future__ import annotations

from typing import Any

from tests.support.builders import Builder
from tests.support.handheld import text_of


def test_the_signed_out_home_page_offers_sign_in_and_shows_no_figures_or_orders(
    client: Any, build: Builder
) -> None:
    build.warehouse("WH1", bins=3)
    build.item("TEA", name="龙井茶")
    build.sales_order("SO-9", [("TEA", 1)], customer="CUS-VIP")
    english = text_of(client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Sign in" in english
    for business in ("SO-9", "CUS-VIP", "items", "locations", "龙井茶"):
        assert business not in english
    chinese = text_of(client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True))
    assert "登录" in chinese and "SO-9" not in chinese

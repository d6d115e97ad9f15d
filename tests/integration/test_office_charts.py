"""The office's charts come from one piece of code: the forecast page and a report draw
theirs in the same frame (a caption, an SVG of the same view box with a title and a
description a screen reader reads, five value levels, a base line), in the reader's
language."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from tests.support.builders import Builder
from tests.support.office import OfficeBrowser
from tests.support.shop import Shop, days_ago
from wms.db import Database

Element = tuple[str, dict[str, str]]


class Figures(HTMLParser):
    """The elements of each <figure class="chart"> in a page, with the text of its
    <title> and <desc>."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.figures: list[list[Element]] = []
        self.texts: list[dict[str, str]] = []
        self._inside = False
        self._text_of = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "figure" and "chart" in found.get("class", "").split():
            self._inside = True
            self.figures.append([])
            self.texts.append({})
        if self._inside:
            self.figures[-1].append((tag, found))
            self._text_of = tag if tag in ("title", "desc") and found.get("id") else ""

    def handle_data(self, data: str) -> None:
        if self._inside and self._text_of:
            self.texts[-1][self._text_of] = self.texts[-1].get(self._text_of, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._inside = False
        self._text_of = ""


def frame(elements: list[Element]) -> list[tuple[str, str]]:
    """What every chart draws whatever its data: its tags and classes, without the series
    (lines, bars, legend keys) and the labels."""
    kept = {"figure", "figcaption", "div", "svg", "title", "desc"}
    return [(tag, attrs.get("class", "")) for tag, attrs in elements
            if tag in kept or attrs.get("class") in ("grid", "base")]


def test_the_forecast_and_a_report_draw_their_charts_with_the_same_code(
        app: Any, db: Database, build: Builder) -> None:
    build.item("TEA", category="tea")
    shop = Shop(db, build)
    shop.buy(days_ago(20), "TEA", 10, "5.00")
    shop.sell(days_ago(10), "TEA", 4, "9.00")
    shop.sell(days_ago(5), "TEA", 2, "9.00")
    build.user("wen", "clerk")
    for language, joined in (("en", " to "), ("zh", "至")):
        browser = OfficeBrowser(app.test_client(), language)
        assert browser.sign_in("wen").status_code == 302
        forecast = Figures(browser.get("/office/forecast/", sku="TEA", days="30").get_data(
            as_text=True))
        report = Figures(browser.get("/office/reports/turnover", **{
            "from": days_ago(29).isoformat(), "to": days_ago(0).isoformat()}).get_data(
                as_text=True))
        assert len(forecast.figures) == 1 and len(report.figures) == 2
        line = report.figures[1]  # the stock's value day by day
        assert dict(line[0][1])["data-chart"] == "stock-value"
        assert frame(forecast.figures[0]) == frame(line)
        svgs = [next(attrs for tag, attrs in elements if tag == "svg")
                for elements in (forecast.figures[0], line)]
        assert [(s["viewbox"], s["font-size"], s["role"]) for s in svgs] == [
            ("0 0 640 260", "13", "img")] * 2
        for elements, texts, svg in ((forecast.figures[0], forecast.texts[0], svgs[0]),
                                     (line, report.texts[1], svgs[1])):
            ids = {attrs["id"]: tag for tag, attrs in elements if "id" in attrs}
            assert ids[svg["aria-labelledby"]] == "title"
            assert ids[svg["aria-describedby"]] == "desc"
            assert [a.get("class") for t, a in elements if t == "line"].count("grid") == 5
            # the description reads the days it spans and the values, in the reader's
            # language: "Demand, Forecast, 11-01 to 11-30: from 0 to 4"
            assert joined in texts["desc"] and days_ago(0).strftime("%m-%d") in texts["desc"]
        assert forecast.texts[0]["title"] == ("Daily demand and forecast" if language == "en"
                                              else "每日需求与预测")

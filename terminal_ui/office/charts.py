"""The office's charts, drawn on the server as SVG by one set of code for every page: lines
(daily demand against its forecast, the stock's value day by day), bars (one measure per
label, or several measures side by side per group, as suppliers compared) and the ABC Pareto
curve with its class thresholds.

This module lays each chart out in a fixed view box; the macro in office/charts/_chart.html
draws it, with a title and a description a screen reader reads, and office-charts.css colours
it. No script: the SVG scales to the page's width and prints; on a phone it keeps a width its
labels can be read at and scrolls sideways inside itself. Names and labels come in already in
the reader's language; the description is written here in it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _

WIDTH, HEIGHT = 640, 260
RIGHT, TOP, BOTTOM = 24, 14, 30
FONT = 13  # the labels' size in the view box's units
ROOM = 6  # between a label and what it labels
# Charts that name their values one by one in the description name at most this many.
DESCRIBED_ONE_BY_ONE = 12


@dataclass(frozen=True)
class Tick:
    """A label along an axis (or a dashed level) at `at` in the view box."""

    at: float
    label: str


@dataclass(frozen=True)
class Line:
    """One series drawn as polylines: one "x,y x,y ..." per run of known values."""

    name: str
    css: str  # its class in office-charts.css
    runs: tuple[str, ...]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # what the bar says when pointed at: "group · measure: value"


@dataclass
class Chart:
    """A chart's title and description, its view box and what to draw in it."""

    key: str  # names the chart in its page (the ids of its title and description)
    title: str
    desc: str = ""
    left: float = 40.0  # where the plot begins, right of the widest value label
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    marks: list[Tick] = field(default_factory=list)  # dashed levels (the ABC thresholds)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (name, css), if several
    width: int = WIDTH
    height: int = HEIGHT
    font: int = FONT

    @property
    def empty(self) -> bool:
        return not self.bars and not any(line.runs for line in self.lines)

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM


def nice_top(value: float) -> float:
    """A round number at or above `value` for the top of an axis (1, 2, 2.5 or 5 x 10^n)."""
    if value <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * scale >= value * (1 - 1e-12):
            return step * scale
    return 10 * scale


def number(value: float) -> str:
    """12500 -> "12,500", 2.5 -> "2.5": thousands grouped, no trailing zeros."""
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def amount(value: float) -> str:
    """Money as the tables write it: 1234.5 -> "1,234.50"."""
    return f"{value:,.2f}"


def percent(share: float) -> str:
    """0.25 -> "25%", 0.1234 -> "12.3%"."""
    return f"{number(round(share * 100, 1))}%"


def text_width(label: str) -> float:
    """About how wide `label` is drawn in the view box (a Chinese character is a square)."""
    return sum(FONT if ord(c) >= 0x2E80 else FONT * 0.6 for c in label)


def _plot_height() -> float:
    return HEIGHT - TOP - BOTTOM


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - _plot_height() * min(max(value, 0.0), top) / top


def _value_axis(chart: Chart, top: float, label: Callable[[float], str]) -> None:
    """Five levels from 0 to `top`, and the plot moved right of the widest one's label."""
    chart.y_ticks = [Tick(_y(top * k / 4, top), label(top * k / 4)) for k in range(5)]
    chart.left = max(36.0, max(text_width(t.label) for t in chart.y_ticks) + 3 * ROOM)


def _labels(chart: Chart, labels: Sequence[str], at: Callable[[int], float],
            spacing: float) -> None:
    """The labels under the plot at `at(i)`, every n-th one so that none overlaps the next."""
    if not labels:
        return
    widest = max(text_width(label) for label in labels) + 2 * ROOM
    every = max(1, math.ceil(widest / max(spacing, 0.1)))
    chart.x_ticks = [Tick(at(i), labels[i]) for i in range(0, len(labels), every)]


def _range_desc(chart: Chart, labels: Sequence[str], values: Sequence[float],
                label: Callable[[float], str]) -> str:
    if not labels or not values:
        return ""
    return _("%(series)s, %(first)s to %(last)s: from %(low)s to %(high)s",
             series=", ".join(name for name, _css in chart.legend) or chart.title,
             first=labels[0], last=labels[-1], low=label(min(values)),
             high=label(max(values)))


def line_chart(key: str, title: str, labels: Sequence[str],
               series: Sequence[tuple[str, str, Sequence[float | None]]], *,
               label: Callable[[float], str] = number) -> Chart:
    """Lines (name, css, values) over evenly spaced labels; a None value breaks its line.
    `label` writes a value in the description."""
    chart = Chart(key, title, legend=[(name, css) for name, css, _v in series]
                  if len(series) > 1 else [])
    known = [v for _n, _c, values in series for v in values if v is not None]
    if not labels or not known:
        return chart
    top = nice_top(max(known))
    _value_axis(chart, top, number)
    step = (chart.plot_right - chart.left) / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return chart.left + step * i

    for name, css, values in series:
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{_y(v, top):.1f}")
        chart.lines.append(Line(name, css, tuple(" ".join(r) for r in runs if r)))
    _labels(chart, labels, x, step)
    chart.desc = _range_desc(chart, labels, known, label)
    return chart


def grouped_bar_chart(key: str, title: str, groups: Sequence[str],
                      measures: Sequence[tuple[str, str]],
                      values: Sequence[Sequence[float | None]], *, top: float | None = None,
                      axis: Callable[[float], str] = number,
                      label: Callable[[float], str] | None = None) -> Chart:
    """Bars of each measure (name, css) side by side for each group: values[g][m]; a None
    value draws no bar. `top` fixes the axis (1.0 for rates), else it fits the values;
    `axis` writes the axis' levels, `label` each bar's value (as the axis, unless given)."""
    label = label or axis
    chart = Chart(key, title, legend=list(measures) if len(measures) > 1 else [])
    known = [v for row in values for v in row if v is not None]
    if not groups or not known:
        return chart
    top = top or nice_top(max(known))
    _value_axis(chart, top, axis)
    slot = (chart.plot_right - chart.left) / len(groups)
    bar_w = slot * 0.8 / len(measures)
    for g, group in enumerate(groups):
        start = chart.left + slot * (g + 0.1)
        for m, (name, css) in enumerate(measures):
            value = values[g][m]
            if value is None:
                continue
            bottom, y = chart.plot_bottom, _y(value, top)
            said = f"{group} · {name}: {label(value)}" if len(measures) > 1 \
                else f"{group}: {label(value)}"
            chart.bars.append(Bar(start + bar_w * m, y, max(bar_w * 0.92, 0.5), bottom - y,
                                  css, said))
    _labels(chart, groups, lambda g: chart.left + slot * (g + 0.5), slot)
    chart.desc = ("; ".join(b.title for b in chart.bars)
                  if len(groups) <= DESCRIBED_ONE_BY_ONE
                  else _range_desc(chart, groups, known, label))
    return chart


def bar_chart(key: str, title: str, labels: Sequence[str], values: Sequence[float],
              *, label: Callable[[float], str] | None = None) -> Chart:
    """One bar per label; `label` writes a bar's value (as the axis' levels, unless given)."""
    return grouped_bar_chart(key, title, labels, [(title, "value")], [[v] for v in values],
                             label=label)


def pareto_chart(key: str, title: str, curve: Sequence[tuple[float, float]],
                 thresholds: Sequence[float]) -> Chart:
    """The cumulative share of the value against the share of the items ranked, with the
    class thresholds as dashed levels."""
    chart = Chart(key, title)
    if len(curve) < 2:
        return chart
    _value_axis(chart, 1.0, percent)
    plot_w = chart.plot_right - chart.left
    chart.lines.append(Line(title, "value", (" ".join(
        f"{chart.left + x * plot_w:.1f},{_y(y, 1.0):.1f}" for x, y in curve),)))
    chart.x_ticks = [Tick(chart.left + plot_w * k / 4, percent(k / 4)) for k in range(5)]
    chart.marks = [Tick(_y(t, 1.0), percent(t)) for t in thresholds]
    chart.desc = " ".join(_("The first %(items)s of the items hold %(value)s of the value.",
                            items=percent(x), value=percent(t))
                          for t in thresholds if (x := _reaching(curve, t)) is not None)
    return chart


def _reaching(curve: Sequence[tuple[float, float]], level: float) -> float | None:
    """Where the curve first reaches `level`, between the two points it lies between."""
    for (x0, y0), (x1, y1) in zip(curve, curve[1:], strict=False):
        if y1 >= level - 1e-9:
            if y1 <= y0:
                return x0 if y0 >= level - 1e-9 else x1
            return x0 + (x1 - x0) * max(level - y0, 0.0) / (y1 - y0)
    return None

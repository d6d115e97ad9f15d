"""Charts drawn on the server as SVG: the geometry of a line chart (daily demand against
its forecast) and a grouped bar chart (suppliers side by side), rendered by the small
templates office/charts/_lines.html and _bars.html. No script, printable, and readable on
a phone (the SVG scales to the width it is given)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # the series' class in office-charts.css
    runs: tuple[str, ...]  # polylines' "x,y x,y ...", one per run of known values


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM
    right_x: int = WIDTH - RIGHT


def nice_top(value: float) -> float:
    """A round number at or above `value` for the top of an axis (1, 2, 2.5 or 5 x 10^n)."""
    if value <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * scale >= value:
            return step * scale
    return 10 * scale


def _number(value: float) -> str:
    return f"{value:g}"


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, str,
                                                             Sequence[float | None]]],
               *, label_every: int | None = None) -> LineChart:
    """Lines over evenly spaced x labels; a None value breaks its line."""
    count = max(len(labels), 2)
    top = nice_top(max((v for _, _, values in series for v in values if v is not None),
                       default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    drawn = []
    for name, css, values in series:
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                if runs[-1]:
                    runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        drawn.append(Series(name, css, tuple(" ".join(r) for r in runs if r)))
    every = label_every or max(1, math.ceil(len(labels) / 8))
    x_ticks = [Tick(x(i), labels[i]) for i in range(0, len(labels), every)]
    y_ticks = [Tick(y(top * k / 4), _number(top * k / 4)) for k in range(5)]
    return LineChart(WIDTH, HEIGHT, drawn, y_ticks, x_ticks)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    groups: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[str, str]]
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM
    right_x: int = WIDTH - RIGHT


def bar_chart(groups: Sequence[str], measures: Sequence[tuple[str, str]],
              values: Sequence[Sequence[float | None]], *, top: float = 1.0,
              percent: bool = True) -> BarChart:
    """Bars of each measure (name, css) side by side for each group; values[g][m]."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(groups), 1)
    bar_w = slot * 0.8 / max(len(measures), 1)
    bars, ticks = [], []
    for g, group in enumerate(groups):
        start = LEFT + slot * g + slot * 0.1
        ticks.append(Tick(LEFT + slot * (g + 0.5), group))
        for m, (name, css) in enumerate(measures):
            value = values[g][m]
            if value is None:
                continue
            h = plot_h * min(value, top) / top
            shown = f"{value * 100:.1f} %" if percent else _number(value)
            bars.append(Bar(start + bar_w * m, TOP + plot_h - h, bar_w * 0.92, h, css,
                            f"{group} · {name}: {shown}"))
    y_ticks = [Tick(TOP + plot_h * (1 - k / 4),
                    f"{int(100 * top * k / 4)} %" if percent else _number(top * k / 4))
               for k in range(5)]
    return BarChart(WIDTH, HEIGHT, bars, ticks, y_ticks, list(measures))

"""Charts drawn on the server as SVG (no script): bars and lines laid out here, in a
fixed view box that scales to the page's width, and drawn by office/reports/_charts.html."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    """A chart's title, its view box and what to draw in it."""

    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    line: str = ""  # an SVG polyline's points
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    marks: list[Tick] = field(default_factory=list)  # dashed levels (the ABC thresholds)

    @property
    def empty(self) -> bool:
        return not self.bars and not self.line

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM


def _nice_top(top: float) -> float:
    """A round number at or above `top` for the value axis."""
    if top <= 0:
        return 1.0
    scale = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * scale >= top:
            return float(step * scale)
    return float(10 * scale)


def _y_ticks(top: float, fmt: str = "{:,.0f}") -> list[Tick]:
    plot = HEIGHT - TOP - BOTTOM
    return [Tick(HEIGHT - BOTTOM - plot * i / 4, fmt.format(top * i / 4)) for i in range(5)]


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float],
              fmt: str = "{:,.2f}", every: int = 1) -> Chart:
    """Vertical bars, one per label (every `every`-th label written under its bar)."""
    chart = Chart(title)
    if not values:
        return chart
    top = _nice_top(max(max(values), 0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(values)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_h * max(value, 0) / top
        chart.bars.append(Bar(LEFT + i * slot + slot * 0.1, HEIGHT - BOTTOM - height,
                              max(slot * 0.8, 0.5), height, label, fmt.format(value)))
        if i % every == 0:
            chart.x_ticks.append(Tick(LEFT + (i + 0.5) * slot, label))
    chart.y_ticks = _y_ticks(top)
    return chart


def line_chart(title: str, labels: Sequence[str], values: Sequence[float],
               every: int = 1) -> Chart:
    """A line through the values, one point per label."""
    chart = Chart(title)
    if not values:
        return chart
    top = _nice_top(max(max(values), 0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values) - 1, 1)
    chart.line = " ".join(f"{LEFT + i * step:.1f},{HEIGHT - BOTTOM - plot_h * max(v, 0) / top:.1f}"
                          for i, v in enumerate(values))
    chart.x_ticks = [Tick(LEFT + i * step, label) for i, label in enumerate(labels)
                     if i % every == 0]
    chart.y_ticks = _y_ticks(top)
    return chart


def pareto_chart(title: str, curve: Sequence[tuple[float, float]],
                 thresholds: Sequence[float]) -> Chart:
    """The cumulative share of value against the share of items ranked, with the class
    thresholds as dashed levels."""
    chart = Chart(title)
    if len(curve) < 2:
        return chart
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    chart.line = " ".join(f"{LEFT + x * plot_w:.1f},{HEIGHT - BOTTOM - y * plot_h:.1f}"
                          for x, y in curve)
    chart.x_ticks = [Tick(LEFT + plot_w * i / 4, f"{25 * i}%") for i in range(5)]
    chart.y_ticks = [Tick(HEIGHT - BOTTOM - plot_h * i / 4, f"{25 * i}%") for i in range(5)]
    chart.marks = [Tick(HEIGHT - BOTTOM - plot_h * t, f"{t:.0%}") for t in thresholds]
    return chart

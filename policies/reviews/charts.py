"""Line charts for the packet, drawn as inline SVG by the templates (page and PDF alike).

A chart is a frozen description: the polyline points of each series in a
``WIDTH`` x ``HEIGHT`` viewBox, and the axis ticks with their labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

WIDTH = 640
HEIGHT = 220
LEFT = 48  # room for the y labels
BOTTOM = 24  # room for the x labels
TOP = 8  # room for the top y label
RIGHT = 28  # room for the last x label
PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f", "#2c7a7b")


@dataclass(frozen=True)
class Line:
    label: str
    color: str
    points: str  # "x,y x,y ..." for <polyline points=...>


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    lines: tuple[Line, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    baseline: float | None  # y of a reference value (1.0 growth, 0 correlation), if in range

    @property
    def empty(self) -> bool:
        return not self.lines


def series_of(rows: Iterable[Any], x: str = "day", y: str = "value") -> list[tuple[date, float]]:
    """(date, number) pairs from packet rows (dicts with ISO dates and decimal strings)."""
    found = []
    for row in rows or []:
        if not isinstance(row, dict) or row.get(x) is None or row.get(y) is None:
            continue
        day = row[x] if isinstance(row[x], date) else date.fromisoformat(str(row[x]))
        found.append((day, float(Decimal(str(row[y])))))
    return found


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[date, float]]]],
    *,
    reference: float | None = None,
    y_format: str = "{:.2f}",
    y_range: tuple[float, float] | None = None,
) -> LineChart:
    """Each named series as a line on shared axes (time across, value up)."""
    drawn = [(label, points) for label, points in series if len(points) >= 2]
    if not drawn:
        return LineChart(WIDTH, HEIGHT, (), (), (), None)
    days = [d for _, points in drawn for d, _ in points]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    values = [v for _, points in drawn for _, v in points]
    low, high = y_range or (min(values), max(values))
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP

    def px(day: date) -> float:
        return round(LEFT + plot_w * (day - first).days / span, 1)

    def py(value: float) -> float:
        return round(TOP + plot_h - plot_h * (value - low) / (high - low), 1)

    lines = tuple(
        Line(label, PALETTE[i % len(PALETTE)], " ".join(f"{px(d)},{py(v)}" for d, v in points))
        for i, (label, points) in enumerate(drawn)
    )
    y_ticks = tuple(
        Tick(py(low + (high - low) * k / 4), y_format.format(low + (high - low) * k / 4))
        for k in range(5)
    )
    x_ticks = tuple(Tick(px(d), f"{d:%b %Y}") for d in _month_ticks(first, last))
    baseline = py(reference) if reference is not None and low <= reference <= high else None
    return LineChart(WIDTH, HEIGHT, lines, y_ticks, x_ticks, baseline)


def _month_ticks(first: date, last: date, count: int = 5) -> list[date]:
    span = (last - first).days
    return [date.fromordinal(first.toordinal() + span * k // (count - 1)) for k in range(count)]

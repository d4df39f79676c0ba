"""The maths of the inline SVG charts: class colours, donut arcs, stacked bars, bar scales.

Drawn as data here and as SVG by templates, so pages and PDFs show the same picture
and tests can read it. A "slice" is anything with ``code``, ``name``, ``value`` and
``weight`` (a fraction), such as ``portfolios.snapshots.ClassSlice``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

# Paul Tol's "muted" scheme: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#332288",  # indigo
    "#88CCEE",  # cyan
    "#44AA99",  # teal
    "#117733",  # green
    "#999933",  # olive
    "#DDCC77",  # sand
    "#CC6677",  # rose
    "#882255",  # wine
    "#AA4499",  # purple
)
CASH_COLOR = "#B4B4B4"
# Keyword -> colour; the first match wins, so the specific words come first.
CLASS_COLOR_RULES: tuple[tuple[str, str], ...] = (
    ("cash", CASH_COLOR),
    ("crypto_large", "#CC6677"),
    ("crypto_balanced", "#882255"),
    ("crypto", "#AA4499"),
    ("muni", "#117733"),
    ("bond", "#44AA99"),
    ("intl", "#88CCEE"),
    ("international", "#88CCEE"),
    ("emerging", "#88CCEE"),
    ("real_estate", "#999933"),
    ("reit", "#999933"),
    ("commodit", "#DDCC77"),
    ("equity", "#332288"),
    ("stock", "#332288"),
)


class Slice(Protocol):
    code: str
    name: str
    value: Decimal
    weight: Decimal


def class_color(code: str) -> str:
    """The colour of an asset class: by what its code says, else a stable pick."""
    key = (code or "").lower()
    for word, color in CLASS_COLOR_RULES:
        if word in key:
            return color
    return PALETTE[zlib.crc32(key.encode()) % len(PALETTE)]


@dataclass(frozen=True)
class DonutArc:
    code: str
    name: str
    value: Decimal
    weight: Decimal
    color: str
    path: str  # SVG path data in a 100 x 100 viewBox


@dataclass(frozen=True)
class BarSegment:
    code: str
    name: str
    value: Decimal
    weight: Decimal
    color: str
    x: float  # in a 100-wide viewBox
    width: float


def _point(angle: float, radius: float) -> str:
    # Angles in turns, clockwise from twelve o'clock, around the centre (50, 50).
    radians = 2 * math.pi * angle - math.pi / 2
    return f"{50 + radius * math.cos(radians):.3f} {50 + radius * math.sin(radians):.3f}"


def _ring_path(start: float, end: float, outer: float, inner: float) -> str:
    if end - start >= 0.999999:
        # An arc cannot start and end at the same point: draw a full ring as two halves.
        return (
            f"M {_point(0, outer)} A {outer} {outer} 0 1 1 {_point(0.5, outer)} "
            f"A {outer} {outer} 0 1 1 {_point(0, outer)} "
            f"M {_point(0, inner)} A {inner} {inner} 0 1 0 {_point(0.5, inner)} "
            f"A {inner} {inner} 0 1 0 {_point(0, inner)} Z"
        )
    large = 1 if end - start > 0.5 else 0
    return (
        f"M {_point(start, outer)} A {outer} {outer} 0 {large} 1 {_point(end, outer)} "
        f"L {_point(end, inner)} A {inner} {inner} 0 {large} 0 {_point(start, inner)} Z"
    )


def donut_arcs(slices: Iterable[Slice], *, outer: float = 48, inner: float = 30) -> list[DonutArc]:
    """Annular sectors for the slices with a positive weight, clockwise from the top."""
    arcs = []
    start = 0.0
    for piece in slices:
        weight = float(piece.weight or 0)
        if weight <= 0:
            continue
        end = min(1.0, start + weight)
        arcs.append(
            DonutArc(
                piece.code,
                piece.name,
                piece.value,
                piece.weight,
                class_color(piece.code),
                _ring_path(start, end, outer, inner),
            )
        )
        start = end
    return arcs


def chart_scale(largest: float) -> float:
    """A bar chart's full width, as a fraction: ``largest`` rounded up to 10%, at least 10%."""
    return max(0.1, math.ceil(largest * 10 - 1e-9) / 10)


def chart_x(fraction: Decimal | float, scale: float) -> float:
    """Where ``fraction`` falls in a 100-wide viewBox whose width is ``scale`` (clamped)."""
    return round(max(0.0, min(100.0, float(fraction) / scale * 100)), 3)


def bar_segments(slices: Iterable[Slice], *, length: float = 100.0) -> list[BarSegment]:
    """Stacked bar segments left to right; ``length`` is the whole bar in viewBox units."""
    segments = []
    x = 0.0
    for piece in slices:
        weight = float(piece.weight or 0)
        if weight <= 0:
            continue
        width = min(length - x, weight * length)
        segments.append(
            BarSegment(
                piece.code,
                piece.name,
                piece.value,
                piece.weight,
                class_color(piece.code),
                round(x, 3),
                round(width, 3),
            )
        )
        x += width
    return segments

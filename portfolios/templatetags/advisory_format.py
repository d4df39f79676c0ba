"""Numbers as an advisor reads them, and the inline SVG charts of the pages.

Filters (``{% load advisory_format %}``):
- ``money``: ``$1,234,567.89`` (negative ``-$1,234.56``; ``None`` is an em dash)
- ``money_compact``: ``$1.23M``, ``$456.7K``, ``$999`` for dense dashboard columns
- ``signed_money``: ``+$1,234.56`` / ``-$1,234.56``, for gains (pair with ``gain_class``)
- ``percent``: a fraction as a percent, ``0.1234`` -> ``12.3%`` (``percent:2`` for 2 places)
- ``signed_percent``: ``+1.2%`` / ``-0.8%``, for drift
- ``bp``: basis points, ``48.2`` -> ``48 bp``; ``fraction_bp``: ``0.0048`` -> ``48 bp``
- ``quantity``: shares with up to 6 places, trailing zeros dropped: ``1,234.5``
- ``price``: ``$72.00`` or ``$0.123456`` (2 to 6 places; ``price:4`` for at most 4)
- ``gain_class``: ``gain`` / ``loss`` / ``flat``, the CSS class of a signed number
- ``share_of``: ``{{ cash|share_of:total|percent }}``, a fraction (None when the total is 0)
- ``treatment_label``: ``TRADITIONAL`` -> ``Tax-deferred``
- ``class_color``: the asset class's colour (same code, same colour, on every page)

Charts (inclusion tags; drawn here so pages and PDFs show the same picture):
- ``{% allocation_donut slices label="..." %}``: a donut with a ``<title>`` per slice
  and a legend table that doubles as the accessible fallback
- ``{% allocation_bar slices %}``: a one-line stacked bar (dashboard rows)
- ``{% account_bars accounts %}``: one stacked bar per account, lengths by value

A "slice" is anything with ``code``, ``name``, ``value`` and ``weight`` (a
fraction), such as ``portfolios.snapshots.ClassSlice``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

from django import template
from django.utils.text import slugify

from advisory.engine.money import CENT

register = template.Library()

EM_DASH = "—"

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


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _grouped(amount: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{abs(amount).quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def money(value: Any, places: int = 2) -> str:
    amount = _decimal(value)
    if amount is None:
        return EM_DASH
    text = f"${_grouped(amount, int(places))}"
    return f"-{text}" if amount.quantize(CENT) < 0 else text


@register.filter
def money_compact(value: Any) -> str:
    amount = _decimal(value)
    if amount is None:
        return EM_DASH
    size = abs(amount)
    for threshold, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K")):
        if size >= threshold:
            scaled = size / threshold
            places = 2 if suffix != "K" else 1
            text = f"${_grouped(scaled, places)}{suffix}"
            break
    else:
        text = f"${_grouped(size, 0)}"
    return f"-{text}" if amount < 0 else text


@register.filter
def signed_money(value: Any) -> str:
    amount = _decimal(value)
    if amount is None:
        return EM_DASH
    if amount.quantize(CENT) == 0:
        return "$0.00"
    return f"+{money(amount)}" if amount > 0 else money(amount)


def _percent_points(fraction: Decimal, places: int) -> Decimal:
    shown = (fraction * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return abs(shown) if shown == 0 else shown  # never "-0.0%"


@register.filter
def percent(value: Any, places: int = 1) -> str:
    fraction = _decimal(value)
    if fraction is None:
        return EM_DASH
    return f"{_percent_points(fraction, int(places)):,.{int(places)}f}%"


@register.filter
def signed_percent(value: Any, places: int = 1) -> str:
    fraction = _decimal(value)
    if fraction is None:
        return EM_DASH
    text = percent(fraction, places)
    return f"+{text}" if _percent_points(fraction, int(places)) > 0 else text


@register.filter
def bp(value: Any, places: int = 0) -> str:
    points = _decimal(value)
    if points is None:
        return EM_DASH
    shown = points.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return f"{shown:,.{int(places)}f} bp"


@register.filter
def fraction_bp(value: Any, places: int = 0) -> str:
    fraction = _decimal(value)
    return EM_DASH if fraction is None else bp(fraction * 10000, places)


@register.filter
def quantity(value: Any) -> str:
    shares = _decimal(value)
    if shares is None:
        return EM_DASH
    text = f"{shares.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP):,.6f}"
    return text.rstrip("0").rstrip(".")


@register.filter
def price(value: Any, places: int = 6) -> str:
    """A per-share amount with 2 to ``places`` decimals (trailing zeros dropped)."""
    amount = _decimal(value)
    if amount is None:
        return EM_DASH
    places = max(2, int(places))
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:,.{places}f}".partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"${whole}.{fraction}"


@register.filter
def share_of(part: Any, whole: Any) -> Decimal | None:
    """``part / whole`` as a fraction for ``percent``; None when ``whole`` is 0 or missing."""
    numerator, denominator = _decimal(part), _decimal(whole)
    if numerator is None or not denominator:
        return None
    return numerator / denominator


@register.filter
def gain_class(value: Any) -> str:
    amount = _decimal(value)
    if amount is None or amount.quantize(CENT) == 0:
        return "flat"
    return "gain" if amount > 0 else "loss"


TREATMENT_LABELS = {
    "TAXABLE": "Taxable",
    "TRADITIONAL": "Tax-deferred",
    "ROTH": "Tax-free",
    "HSA": "Tax-free for medical use",
}


@register.filter
def treatment_label(treatment: Any) -> str:
    """How an account is taxed, in words: ``TRADITIONAL`` -> ``Tax-deferred``."""
    return TREATMENT_LABELS.get(str(treatment), str(treatment).title())


@register.filter
def class_color(code: str) -> str:
    """The colour of an asset class: by what its code says, else a stable pick."""
    key = (code or "").lower()
    for word, color in CLASS_COLOR_RULES:
        if word in key:
            return color
    return PALETTE[zlib.crc32(key.encode()) % len(PALETTE)]


# --- charts -------------------------------------------------------------------------------


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


def plain_number(value: Decimal) -> str:
    """Every digit that matters, no trailing zeros, no exponent: 99.5000 -> ``99.5``.

    For numbers people type back or machines read: form inputs, order files.
    """
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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


@register.inclusion_tag("_partials/donut.html")
def allocation_donut(
    slices: Sequence[Slice], label: str = "Allocation", center: str = "", caption: str = ""
) -> dict[str, Any]:
    return {
        "chart_id": f"donut-{slugify(label)}",
        "arcs": donut_arcs(slices),
        "slices": slices,
        "label": label,
        "center": center,
        "caption": caption,
    }


@register.inclusion_tag("_partials/allocation_bar.html")
def allocation_bar(slices: Sequence[Slice], label: str = "Allocation") -> dict[str, Any]:
    return {"segments": bar_segments(slices), "label": label}


@dataclass(frozen=True)
class AccountBar:
    account: Any
    value: Decimal
    segments: list[BarSegment]


@register.inclusion_tag("_partials/account_bars.html")
def account_bars(accounts: Sequence[Any], link: bool = True) -> dict[str, Any]:
    """Per-account stacked bars; ``accounts`` have ``account``, ``market_value``, ``allocation``."""
    largest = max((a.market_value for a in accounts), default=Decimal(0))
    bars = [
        AccountBar(
            a.account,
            a.market_value,
            bar_segments(a.allocation, length=float(a.market_value / largest * 100))
            if largest
            else [],
        )
        for a in accounts
    ]
    return {"bars": bars, "link": link}

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

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import template
from django.utils.text import slugify

from advisory.lib import format as fmt
from advisory.lib.charts import BarSegment, Slice, bar_segments, class_color, donut_arcs

register = template.Library()

register.filter("money", fmt.money)
register.filter("money_compact", fmt.money_compact)
register.filter("signed_money", fmt.signed_money)
register.filter("percent", fmt.percent)
register.filter("signed_percent", fmt.signed_percent)
register.filter("bp", fmt.bp)
register.filter("fraction_bp", fmt.fraction_bp)
register.filter("quantity", fmt.quantity)
register.filter("price", fmt.price)
register.filter("share_of", fmt.share_of)
register.filter("gain_class", fmt.gain_class)
register.filter("treatment_label", fmt.treatment_label)
register.filter("points", fmt.points)
register.filter("band_points", fmt.band_points)
register.filter("long_date", fmt.long_date)
register.filter("class_color", class_color)


@register.inclusion_tag("_partials/donut.html")
def allocation_donut(
    slices: Sequence[Slice], label: str = "Allocation", center: str = "", caption: str = ""
) -> dict[str, Any]:
    arcs = donut_arcs(slices)
    return {
        "chart_id": f"donut-{slugify(label)}",
        "description": chart_sentence(
            arcs, total=fmt.money(sum((s.value for s in slices), Decimal(0)))
        ),
        "arcs": arcs,
        "slices": slices,
        "label": label,
        "center": center,
        "caption": caption,
    }


@register.inclusion_tag("_partials/allocation_bar.html")
def allocation_bar(slices: Sequence[Slice], label: str = "Allocation") -> dict[str, Any]:
    return {"segments": bar_segments(slices), "label": label}


def chart_sentence(pieces: Sequence[Any], *, total: str = "") -> str:
    """What a chart shows, as a sentence a screen reader can say: largest share first."""
    ordered = sorted(pieces, key=lambda p: -p.weight)
    parts = [f"{p.name} {fmt.percent(p.weight)} ({fmt.money(p.value)})" for p in ordered]
    if not parts:
        return "Nothing held."
    lead = f"{total} in all: " if total else ""
    return f"{lead}{', '.join(parts)}."


@dataclass(frozen=True)
class AccountBar:
    account: Any
    value: Decimal
    segments: list[BarSegment]

    @property
    def chart_id(self) -> str:
        return f"account-bar-{self.account.pk}"

    @property
    def description(self) -> str:
        return chart_sentence(self.segments, total=fmt.money(self.value))


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

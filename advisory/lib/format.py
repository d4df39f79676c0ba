"""Numbers as an advisor reads them: money, percents, basis points, shares, prices.

Plain functions (no Django), used by the template filters of
``portfolios/templatetags/advisory_format.py``, by PDFs, order files and forms.
``None`` or text that is not a number reads as an em dash.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from advisory.engine.money import CENT

# Re-exported: one spelling of dates and percentage points for templates and the engine's notes.
from advisory.engine.prose import as_decimal
from advisory.engine.prose import band_points as band_points
from advisory.engine.prose import long_date as long_date
from advisory.engine.prose import points as points

EM_DASH = "—"


def _grouped(amount: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{abs(amount).quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def money(value: Any, places: int = 2) -> str:
    amount = as_decimal(value)
    if amount is None:
        return EM_DASH
    text = f"${_grouped(amount, int(places))}"
    return f"-{text}" if amount.quantize(CENT) < 0 else text


def money_compact(value: Any) -> str:
    amount = as_decimal(value)
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


def signed_money(value: Any) -> str:
    amount = as_decimal(value)
    if amount is None:
        return EM_DASH
    if amount.quantize(CENT) == 0:
        return "$0.00"
    return f"+{money(amount)}" if amount > 0 else money(amount)


def _percent_points(fraction: Decimal, places: int) -> Decimal:
    shown = (fraction * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return abs(shown) if shown == 0 else shown  # never "-0.0%"


def percent(value: Any, places: int = 1) -> str:
    fraction = as_decimal(value)
    if fraction is None:
        return EM_DASH
    return f"{_percent_points(fraction, int(places)):,.{int(places)}f}%"


def signed_percent(value: Any, places: int = 1) -> str:
    fraction = as_decimal(value)
    if fraction is None:
        return EM_DASH
    text = percent(fraction, places)
    return f"+{text}" if _percent_points(fraction, int(places)) > 0 else text


def bp(value: Any, places: int = 0) -> str:
    points = as_decimal(value)
    if points is None:
        return EM_DASH
    shown = points.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return f"{shown:,.{int(places)}f} bp"


def fraction_bp(value: Any, places: int = 0) -> str:
    fraction = as_decimal(value)
    return EM_DASH if fraction is None else bp(fraction * 10000, places)


def quantity(value: Any) -> str:
    shares = as_decimal(value)
    if shares is None:
        return EM_DASH
    text = f"{shares.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP):,.6f}"
    return text.rstrip("0").rstrip(".")


def price(value: Any, places: int = 6) -> str:
    """A per-share amount with 2 to ``places`` decimals (trailing zeros dropped)."""
    amount = as_decimal(value)
    if amount is None:
        return EM_DASH
    places = max(2, int(places))
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:,.{places}f}".partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"${whole}.{fraction}"


def share_of(part: Any, whole: Any) -> Decimal | None:
    """``part / whole`` as a fraction for ``percent``; None when ``whole`` is 0 or missing."""
    numerator, denominator = as_decimal(part), as_decimal(whole)
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def gain_class(value: Any) -> str:
    amount = as_decimal(value)
    if amount is None or amount.quantize(CENT) == 0:
        return "flat"
    return "gain" if amount > 0 else "loss"


TREATMENT_LABELS = {
    "TAXABLE": "Taxable",
    "TRADITIONAL": "Tax-deferred",
    "ROTH": "Tax-free",
    "HSA": "Tax-free for medical use",
}


def treatment_label(treatment: Any) -> str:
    """How an account is taxed, in words: ``TRADITIONAL`` -> ``Tax-deferred``."""
    return TREATMENT_LABELS.get(str(treatment), str(treatment).title())


def plain_number(value: Decimal) -> str:
    """Every digit that matters, no trailing zeros, no exponent: 99.5000 -> ``99.5``.

    For numbers people type back or machines read: form inputs, order files.
    """
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

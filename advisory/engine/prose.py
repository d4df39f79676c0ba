"""Numbers and dates inside sentences (notes, reasons, PDFs): one spelling everywhere.

Pure Python so the engine's notes use it; ``advisory.lib.format`` re-exports it for
templates (the ``long_date`` and ``points`` filters).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

EM_DASH = "—"

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: date | str | None) -> str:
    """A date as a sentence reads it: ``30 December 2026`` (never ISO in prose).

    Takes an ISO string too (dates kept in JSON); anything else reads as an em dash.
    """
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day[:10])
        except ValueError:
            return EM_DASH
    if not isinstance(day, date):
        return EM_DASH
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def as_decimal(value: Any) -> Decimal | None:
    """A Decimal from a number or its text; None for blanks and what is not a number."""
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def points(value: Any, places: int = 1, *, signed: bool = True) -> str:
    """A fraction as percentage points: ``0.059`` -> ``+5.9 pp`` (drift, bands)."""
    fraction = as_decimal(value)
    if fraction is None:
        return EM_DASH
    shown = (fraction * 100).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    shown = abs(shown) if shown == 0 else shown  # never "-0.0 pp"
    sign = "+" if signed and shown > 0 else ""
    return f"{sign}{shown:,.{int(places)}f} pp"


def band_points(value: Any, places: int = 2) -> str:
    """A band's half-width: ``0.05`` -> ``± 5.00 pp``."""
    text = points(value, places, signed=False)
    return text if text == EM_DASH else f"± {text}"


def sentence_case(text: str) -> str:
    """Capitalise the first letter only: labels like "US bonds" keep their case."""
    return text[:1].upper() + text[1:]

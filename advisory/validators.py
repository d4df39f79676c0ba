"""The sanity bounds every stored value is checked against, on every path.

Model fields carry these validators, so ModelForms and ModelSerializers apply them
(and the OpenAPI schema states the numeric maxima); CSV imports call the same
functions. The bounds are generous for any real household and exclude the values
that broke pages before (a lot bought on 9999-12-31, 10^15 shares).
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

EARLIEST_DATE = date(1900, 1, 1)
# Shares in one lot or trade; a price per share; an amount of money (dollars).
MAX_SHARES = Decimal("1000000000")  # one billion
MAX_PRICE = Decimal("10000000")  # ten million a share
MAX_MONEY = Decimal("100000000000")  # one hundred billion
# A plan or an IPS may look ahead, but not past this many days from today.
MAX_DAYS_AHEAD = 3660

# Bidi embedding/override/isolate controls: they reorder what a reader sees.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def validate_past_date(value: date) -> None:
    """A date that has happened: not before 1900, not after today (the firm's calendar)."""
    today = timezone.localdate()
    if value < EARLIEST_DATE:
        raise ValidationError("Cannot be before 1900-01-01.", code="date_too_early")
    if value > today:
        raise ValidationError(
            f"Cannot be after today ({today.isoformat()}).", code="date_in_future"
        )


def validate_planning_date(value: date) -> None:
    """A date a plan or policy may name: from 1900 to ten years ahead."""
    latest = timezone.localdate() + timedelta(days=MAX_DAYS_AHEAD)
    if value < EARLIEST_DATE:
        raise ValidationError("Cannot be before 1900-01-01.", code="date_too_early")
    if value > latest:
        raise ValidationError(
            f"Cannot be after {latest.isoformat()} (ten years ahead).", code="date_too_late"
        )


def validate_plain_text(value: str) -> None:
    """No NUL, control characters (tabs and newlines neither) nor bidi overrides."""
    for char in value:
        if char in BIDI_CONTROLS:
            raise ValidationError(
                "Direction-changing characters are not allowed.", code="bidi_control"
            )
        if unicodedata.category(char) == "Cc":
            raise ValidationError("Control characters are not allowed.", code="control_char")


def shares_validators() -> list[object]:
    return [MinValueValidator(Decimal(0)), MaxValueValidator(MAX_SHARES)]


def price_validators() -> list[object]:
    return [MinValueValidator(Decimal(0)), MaxValueValidator(MAX_PRICE)]


def money_validators(*, signed: bool) -> list[object]:
    low = -MAX_MONEY if signed else Decimal(0)
    return [MinValueValidator(low), MaxValueValidator(MAX_MONEY)]

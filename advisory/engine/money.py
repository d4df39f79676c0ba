"""Decimal constants and rounding shared by the engine and the apps.

Money is ``Decimal`` from the request to the database (docs/DOMAIN.md): 2 places
for money, 6 for prices and quantities. Rounding to cents uses the context's
default (banker's rounding, ``ROUND_HALF_EVEN``) unless a rule says otherwise
(the RMD rounds half up, as the IRS worksheets do).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
SIX_PLACES = Decimal("0.000001")


def to_cents(amount: Decimal) -> Decimal:
    """``amount`` rounded to cents with the context's rounding (half even)."""
    return amount.quantize(CENT)


def to_cents_half_up(amount: Decimal) -> Decimal:
    """``amount`` rounded to cents, halves away from zero (IRS worksheet rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)

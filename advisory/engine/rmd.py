"""Required minimum distributions for traditional IRA and traditional 401(k) owners.

RMD for year Y = balance on 31 December of Y-1 / the Uniform Lifetime Table
divisor for the age the owner reaches in Y (``Y - birth year``), rounded to
the cent (half up).

Start age (SECURE 2.0): 73 for those born 1951-1959, 75 for those born 1960
or later. Those born before 1951 started at 72 (70 1/2 if born before
1 July 1949); every year this product handles is past that age for them, so
the history is not modelled and 72 is returned for them.

Out of scope, to say so in the product where it applies:
* the Joint Life and Last Survivor table, used instead of the Uniform table
  when the sole beneficiary is a spouse more than 10 years younger;
* the first RMD's deferral to 1 April of the following year (the amount for
  the first year is the same; only its deadline moves);
* the still-working exception for a current employer's 401(k), and inherited
  accounts (beneficiary RMDs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from advisory.engine.money import CENT, ZERO
from advisory.engine.tax_tables import (
    RMD_START_AGE_BEFORE_1951,
    RMD_START_AGES,
    UNIFORM_TABLE_FIRST_YEAR,
    uniform_lifetime_divisor,
)
from advisory.engine.types import RMD_ACCOUNT_TYPES


def rmd_start_age(birth_date: date) -> int:
    """Age (reached in the calendar year) at which RMDs begin: 73, 75, or 72 before 1951."""
    for first_birth_year, start_age in RMD_START_AGES:
        if birth_date.year >= first_birth_year:
            return start_age
    return RMD_START_AGE_BEFORE_1951


def first_rmd_year(birth_date: date) -> int:
    """The calendar year of the owner's first required distribution."""
    return birth_date.year + rmd_start_age(birth_date)


def required_minimum_distribution(
    prior_year_end_balance: Decimal, birth_date: date, year: int
) -> Decimal | None:
    """The owner's RMD for ``year`` in dollars (2 places), or None when not yet required.

    ``prior_year_end_balance`` is the account's value on 31 December of
    ``year - 1`` (>= 0). Uses the Uniform Lifetime Table (2022 onward); the
    Joint Life table for a much younger sole spouse beneficiary is out of scope.
    """
    if prior_year_end_balance < 0:
        raise ValueError(
            f"the prior year-end balance must not be negative: {prior_year_end_balance}"
        )
    if year < UNIFORM_TABLE_FIRST_YEAR:
        raise ValueError(f"RMDs before {UNIFORM_TABLE_FIRST_YEAR} used an older table; got {year}")
    age = year - birth_date.year
    if age < rmd_start_age(birth_date):
        return None
    divisor = uniform_lifetime_divisor(age)
    return (prior_year_end_balance / divisor).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class AccountRmd:
    """One traditional account's RMD for a year, in dollars.

    ``prior_year_end_value``: the balance on 31 December of ``year - 1``.
    ``distributed``: withdrawals from the account so far in ``year`` (>= 0).
    ``remaining``: what is still to take out, never below 0.
    """

    year: int
    age: int
    divisor: Decimal
    prior_year_end_value: Decimal
    amount: Decimal
    distributed: Decimal
    remaining: Decimal


def account_rmd(
    account_type: str,
    birth_date: date | None,
    prior_year_end_value: Decimal,
    year: int,
    distributed: Decimal = ZERO,
) -> AccountRmd | None:
    """The account's RMD for ``year``, or None when none is required.

    None for accounts without RMDs (taxable, Roth IRA, Roth 401(k) since 2024,
    HSA), for an owner without a birth date, and before the start age.
    ``distributed`` is the year's withdrawals so far as a positive amount.
    """
    if account_type not in RMD_ACCOUNT_TYPES or birth_date is None:
        return None
    if distributed < 0:
        raise ValueError(f"distributed must be a positive amount, got {distributed}")
    amount = required_minimum_distribution(prior_year_end_value, birth_date, year)
    if amount is None:
        return None
    age = year - birth_date.year
    return AccountRmd(
        year=year,
        age=age,
        divisor=uniform_lifetime_divisor(age),
        prior_year_end_value=prior_year_end_value,
        amount=amount,
        distributed=distributed,
        remaining=max(ZERO, amount - distributed),
    )

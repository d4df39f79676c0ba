"""Required minimum distributions (advisory.engine.rmd): hand-checked cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from advisory.engine.rmd import (
    account_rmd,
    first_rmd_year,
    required_minimum_distribution,
    rmd_start_age,
)

D = Decimal


@pytest.mark.parametrize(
    ("birth_date", "start_age"),
    [
        (date(1946, 3, 1), 72),  # before 1951: history not modelled, 72
        (date(1950, 12, 31), 72),
        (date(1951, 1, 1), 73),
        (date(1959, 12, 31), 73),
        (date(1960, 1, 1), 75),
        (date(1975, 7, 4), 75),
    ],
)
def test_rmd_start_age(birth_date: date, start_age: int) -> None:
    assert rmd_start_age(birth_date) == start_age


def test_first_rmd_year() -> None:
    assert first_rmd_year(date(1959, 5, 5)) == 2032  # 1959 + 73
    assert first_rmd_year(date(1960, 5, 5)) == 2035  # 1960 + 75


RMD_CASES = [
    # balance on 31 Dec of the prior year, birth date, year, RMD
    # docs/DOMAIN.md: 100,000 at 75 -> 100,000 / 24.6 = 4,065.0406... -> 4,065.04
    ("100000", date(1951, 6, 1), 2026, "4065.04"),
    # docs/DOMAIN.md: 500,000 at 80 -> 500,000 / 20.2 = 24,752.4752... -> 24,752.48
    ("500000", date(1946, 9, 9), 2026, "24752.48"),
    # first year at 73: 250,000 / 26.5 = 9,433.9622... -> 9,433.96
    ("250000", date(1953, 12, 31), 2026, "9433.96"),
    # born 1960, first year at 75: 100,000 / 24.6 -> 4,065.04
    ("100000", date(1960, 1, 1), 2035, "4065.04"),
    # half a cent rounds up: 100.24 / 16.0 (age 85) = 6.265 -> 6.27
    ("100.24", date(1941, 2, 2), 2026, "6.27"),
    # age 101: 60,000 / 6.0 = 10,000
    ("60000", date(1925, 1, 1), 2026, "10000.00"),
    ("0", date(1950, 1, 1), 2026, "0.00"),
]


@pytest.mark.parametrize(("balance", "birth_date", "year", "expected"), RMD_CASES)
def test_required_minimum_distribution(
    balance: str, birth_date: date, year: int, expected: str
) -> None:
    amount = required_minimum_distribution(D(balance), birth_date, year)
    assert amount == D(expected)
    assert amount is not None
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("birth_date", "year"),
    [
        (date(1953, 1, 1), 2025),  # age 72, starts at 73
        (date(1960, 1, 1), 2034),  # age 74, starts at 75
        (date(1980, 1, 1), 2026),
    ],
)
def test_no_rmd_before_the_start_age(birth_date: date, year: int) -> None:
    assert required_minimum_distribution(D("100000"), birth_date, year) is None


def test_bad_inputs_are_errors() -> None:
    with pytest.raises(ValueError, match="negative"):
        required_minimum_distribution(D("-1"), date(1950, 1, 1), 2026)
    with pytest.raises(ValueError, match="2021"):
        required_minimum_distribution(D("1000"), date(1940, 1, 1), 2021)


def test_account_rmd_with_distributions_so_far() -> None:
    # 100,000 at 75 -> 4,065.04; 1,000 taken so far leaves 3,065.04
    rmd = account_rmd("traditional_ira", date(1951, 6, 1), D("100000"), 2026, D("1000"))
    assert rmd is not None
    assert (rmd.age, rmd.divisor, rmd.amount) == (75, D("24.6"), D("4065.04"))
    assert (rmd.distributed, rmd.remaining) == (D("1000"), D("3065.04"))
    # taking more than the RMD leaves nothing (never a negative remainder)
    more = account_rmd("traditional_401k", date(1946, 9, 9), D("500000"), 2026, D("30000"))
    assert more is not None
    assert (more.amount, more.remaining) == (D("24752.48"), D("0"))


@pytest.mark.parametrize("account_type", ["roth_ira", "roth_401k", "taxable", "hsa"])
def test_no_rmd_for_roth_taxable_or_hsa(account_type: str) -> None:
    assert account_rmd(account_type, date(1940, 1, 1), D("100000"), 2026) is None


def test_no_rmd_before_the_start_age_or_without_a_birth_date() -> None:
    assert account_rmd("traditional_ira", date(1960, 1, 1), D("100000"), 2034) is None  # 74
    assert account_rmd("traditional_ira", None, D("100000"), 2026) is None

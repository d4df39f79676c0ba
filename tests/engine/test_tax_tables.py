"""Yearly tax figures (advisory.engine.tax_tables) against docs/DOMAIN.md's table."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest

from advisory.engine.tax_tables import (
    contribution_limit,
    contribution_limit_parts,
    contribution_room,
    ltcg_rate_bracket,
    niit_threshold,
    uniform_lifetime_divisor,
)

D = Decimal

LIMIT_CASES = [
    # account type, year, age, HSA coverage, limit
    # a 52-year-old in 2026: 50+ catch-ups, too young for the HSA catch-up
    ("traditional_401k", 2026, 52, "self", "32500"),  # 24,500 + 8,000
    ("roth_401k", 2026, 52, "self", "32500"),
    ("traditional_ira", 2026, 52, "self", "8600"),  # 7,500 + 1,100
    ("roth_ira", 2026, 52, "self", "8600"),
    ("hsa", 2026, 52, "self", "4400"),
    ("hsa", 2026, 52, "family", "8750"),
    # a 61-year-old in 2026: the 60-63 catch-up replaces the 50+ one; HSA 55+ catch-up
    ("traditional_401k", 2026, 61, "self", "35750"),  # 24,500 + 11,250
    ("traditional_ira", 2026, 61, "self", "8600"),  # 7,500 + 1,100
    ("hsa", 2026, 61, "self", "5400"),  # 4,400 + 1,000
    ("hsa", 2026, 61, "family", "9750"),  # 8,750 + 1,000
    # edges of the catch-up ages
    ("traditional_401k", 2026, 49, "self", "24500"),
    ("traditional_401k", 2026, 50, "self", "32500"),
    ("traditional_401k", 2026, 59, "self", "32500"),
    ("traditional_401k", 2026, 60, "self", "35750"),
    ("traditional_401k", 2026, 63, "self", "35750"),
    ("traditional_401k", 2026, 64, "self", "32500"),  # back to 24,500 + 8,000
    ("roth_ira", 2026, 49, "self", "7500"),
    ("hsa", 2026, 54, "self", "4400"),
    ("hsa", 2026, 55, "self", "5400"),
    # 2025
    ("traditional_401k", 2025, 45, "self", "23500"),
    ("traditional_401k", 2025, 52, "self", "31000"),  # 23,500 + 7,500
    ("roth_401k", 2025, 61, "self", "34750"),  # 23,500 + 11,250
    ("traditional_ira", 2025, 52, "self", "8000"),  # 7,000 + 1,000
    ("hsa", 2025, 40, "family", "8550"),
    ("hsa", 2025, 58, "self", "5300"),  # 4,300 + 1,000
]


@pytest.mark.parametrize(("account_type", "year", "age", "coverage", "expected"), LIMIT_CASES)
def test_contribution_limits(
    account_type: str, year: int, age: int, coverage: str, expected: str
) -> None:
    assert contribution_limit(account_type, year, age, hsa_coverage=coverage) == D(expected)


def test_a_taxable_account_has_no_limit() -> None:
    assert contribution_limit("taxable", 2026, 40) is None


def test_an_unknown_year_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="2027"):
        contribution_limit("roth_ira", 2027, 40)
    with pytest.raises(ValueError, match="2019"):
        ltcg_rate_bracket("single", 2019, D("10000"))


@pytest.mark.parametrize(
    ("account_type", "coverage", "age", "message"),
    [
        ("brokerage", "self", 40, "brokerage"),
        ("hsa", "couple", 40, "couple"),
        ("roth_ira", "self", -1, "negative"),
    ],
)
def test_bad_contribution_questions_are_errors(
    account_type: str, coverage: str, age: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        contribution_limit(account_type, 2026, age, hsa_coverage=coverage)


LTCG_CASES = [
    # filing status, year, taxable income, federal rate on a long-term gain at that income
    ("single", 2026, "49450", "0"),  # 0% up to and including 49,450
    ("single", 2026, "49451", "0.15"),
    ("single", 2026, "545500", "0.15"),
    ("single", 2026, "545501", "0.20"),  # 20% above 545,500
    ("married_joint", 2025, "96700", "0"),
    ("married_joint", 2025, "600050", "0.15"),
    ("married_joint", 2025, "600051", "0.20"),
    ("married_joint", 2026, "98901", "0.15"),
    ("married_joint", 2026, "613701", "0.20"),
    ("head_of_household", 2025, "64750", "0"),
    ("head_of_household", 2025, "566701", "0.20"),
    ("head_of_household", 2026, "66200", "0"),
    ("head_of_household", 2026, "579600", "0.15"),
    ("married_separate", 2025, "48351", "0.15"),
    ("married_separate", 2025, "300001", "0.20"),
    ("married_separate", 2026, "306850", "0.15"),
    ("married_separate", 2026, "306851", "0.20"),
    ("qualifying_surviving_spouse", 2026, "98900", "0"),  # uses the joint figures
]


@pytest.mark.parametrize(("status", "year", "income", "rate"), LTCG_CASES)
def test_ltcg_rate_bracket(status: str, year: int, income: str, rate: str) -> None:
    assert ltcg_rate_bracket(status, year, D(income)) == D(rate)


@pytest.mark.parametrize(
    ("status", "threshold"),
    [
        ("single", "200000"),
        ("head_of_household", "200000"),
        ("married_joint", "250000"),
        ("married_separate", "125000"),
    ],
)
def test_niit_thresholds(status: str, threshold: str) -> None:
    assert niit_threshold(status) == D(threshold)


def test_unknown_filing_status_is_an_error() -> None:
    with pytest.raises(ValueError, match="married"):
        niit_threshold("married")


# docs/DOMAIN.md's Uniform Lifetime Table, typed in again from the IRS table.
DOMAIN_UNIFORM_TABLE = {
    73: "26.5", 74: "25.5", 75: "24.6", 76: "23.7", 77: "22.9", 78: "22.0", 79: "21.1",
    80: "20.2", 81: "19.4", 82: "18.5", 83: "17.7", 84: "16.8", 85: "16.0", 86: "15.2",
    87: "14.4", 88: "13.7", 89: "12.9", 90: "12.2", 91: "11.5", 92: "10.8", 93: "10.1",
    94: "9.5", 95: "8.9", 96: "8.4", 97: "7.8", 98: "7.3", 99: "6.8", 100: "6.4",
}  # fmt: skip


@pytest.mark.parametrize(("age", "divisor"), DOMAIN_UNIFORM_TABLE.items())
def test_uniform_lifetime_divisor(age: int, divisor: str) -> None:
    assert uniform_lifetime_divisor(age) == D(divisor)


@pytest.mark.parametrize(
    ("age", "divisor"), [(72, "27.4"), (101, "6.0"), (110, "3.5"), (120, "2.0"), (125, "2.0")]
)
def test_uniform_lifetime_divisor_beyond_domain_table(age: int, divisor: str) -> None:
    assert uniform_lifetime_divisor(age) == D(divisor)


def test_uniform_table_shrinks_with_age_and_starts_at_72() -> None:
    divisors = [uniform_lifetime_divisor(age) for age in range(72, 121)]
    assert all(older < younger for younger, older in pairwise(divisors))
    with pytest.raises(ValueError, match="71"):
        uniform_lifetime_divisor(71)


PARTS_CASES = [
    # group, year, age, coverage, base, catch-up: every catch-up by age, 2025 and 2026
    ("401k", 2025, 49, "self", "23500", "0"),
    ("401k", 2025, 50, "self", "23500", "7500"),
    ("401k", 2025, 60, "self", "23500", "11250"),
    ("401k", 2025, 63, "self", "23500", "11250"),
    ("401k", 2025, 64, "self", "23500", "7500"),
    ("401k", 2026, 50, "self", "24500", "8000"),
    ("401k", 2026, 62, "self", "24500", "11250"),
    ("ira", 2025, 49, "self", "7000", "0"),
    ("ira", 2025, 50, "self", "7000", "1000"),
    ("ira", 2026, 50, "self", "7500", "1100"),
    ("hsa", 2025, 54, "self", "4300", "0"),
    ("hsa", 2025, 55, "family", "8550", "1000"),
    ("hsa", 2026, 55, "self", "4400", "1000"),
    ("hsa", 2026, 70, "family", "8750", "1000"),
]


@pytest.mark.parametrize(("group", "year", "age", "coverage", "base", "catch_up"), PARTS_CASES)
def test_contribution_limit_parts(
    group: str, year: int, age: int, coverage: str, base: str, catch_up: str
) -> None:
    limit = contribution_limit_parts(group, year, age, coverage)
    assert (limit.base, limit.catch_up) == (D(base), D(catch_up))


def test_contribution_room() -> None:
    # 2026 IRA at 52: 7,500 + 1,100 = 8,600; 3,000 deposited leaves 5,600
    room = contribution_room("ira", 2026, 52, D("3000"))
    assert (room.remaining, room.over) == (D("5600"), D("0"))
    # 2025 HSA self at 40: 4,300; 5,000 deposited is 700 over, nothing left
    over = contribution_room("hsa", 2025, 40, D("5000"))
    assert (over.remaining, over.over) == (D("0"), D("700"))


def test_contribution_room_for_a_year_not_in_the_table_names_it() -> None:
    with pytest.raises(ValueError, match="no tax figures for 2024"):
        contribution_room("401k", 2024, 40, D("0"))

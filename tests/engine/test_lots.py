"""Holding period, gains per lot, relief and the US netting of gains (IRS cases by hand)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from advisory.engine.lots import (
    Term,
    baseline_gains,
    days_to_long_term,
    holding_term,
    is_long_term,
    long_term_date,
    lot_gain,
    netted_tax,
    relieve_fifo,
    relieve_specific,
    tax_before_and_after,
    unrealized_by_term,
)
from advisory.engine.types import (
    AccountInfo,
    HouseholdSnapshot,
    LotInfo,
    SecurityInfo,
    TaxProfile,
)

D = Decimal


@pytest.mark.parametrize(
    ("acquired", "sold", "long_term"),
    [
        # docs/DOMAIN.md / Pub. 544: counting starts the day after acquisition.
        (date(2023, 6, 15), date(2024, 6, 15), False),
        (date(2023, 6, 15), date(2024, 6, 16), True),
        # 2024-06-15 is 366 days after 2023-06-15 (leap year): days would say long-term.
        (date(2023, 6, 15), date(2024, 6, 14), False),
        # Bought on 29 Feb 2024: counting starts 1 Mar 2024, long-term from 1 Mar 2025.
        (date(2024, 2, 29), date(2025, 2, 28), False),
        (date(2024, 2, 29), date(2025, 3, 1), True),
        # Bought 28 Feb 2024: counting starts 29 Feb 2024, which rolls to 1 Mar 2025.
        (date(2024, 2, 28), date(2025, 2, 28), False),
        (date(2024, 2, 28), date(2025, 3, 1), True),
        # Bought 28 Feb 2023: counting starts 1 Mar 2023; 29 Feb 2024 is still short.
        (date(2023, 2, 28), date(2024, 2, 29), False),
        (date(2023, 2, 28), date(2024, 3, 1), True),
        # Year end: bought 31 Dec 2023, starts 1 Jan 2024, long-term from 1 Jan 2025.
        (date(2023, 12, 31), date(2024, 12, 31), False),
        (date(2023, 12, 31), date(2025, 1, 1), True),
    ],
)
def test_holding_period_boundaries(acquired: date, sold: date, long_term: bool) -> None:
    assert is_long_term(acquired, sold) is long_term
    assert holding_term(acquired, sold) is (Term.LONG if long_term else Term.SHORT)


def test_long_term_date_is_the_day_after_one_calendar_year() -> None:
    assert long_term_date(date(2023, 6, 15)) == date(2024, 6, 16)
    assert long_term_date(date(2024, 2, 29)) == date(2025, 3, 1)


def test_days_to_long_term_counts_down_and_stops_at_zero() -> None:
    # Long-term from 2024-06-16: on 2024-06-06 that is 10 days away.
    assert days_to_long_term(date(2023, 6, 15), date(2024, 6, 6)) == 10
    assert days_to_long_term(date(2023, 6, 15), date(2024, 7, 1)) == 0


LOT = LotInfo(
    id=1,
    account_id=1,
    security_id=1,
    quantity=D("100"),
    cost_basis=D("1000"),
    acquired_on=date(2024, 1, 10),
)


@pytest.mark.parametrize(
    ("quantity", "price", "gain"),
    [
        (D("100"), D("7.50"), D("-250.00")),  # Pub. 550: 100 sh bought for $1,000, sold for $750
        (D("100"), D("12"), D("200.00")),  # 1,200 - 1,000
        (D("30"), D("12"), D("60.00")),  # 30 * (12 - 10)
        (D("0.5"), D("10.015"), D("0.01")),  # 0.5 * 0.015 = 0.0075 -> 0.01
    ],
)
def test_lot_gain(quantity: Decimal, price: Decimal, gain: Decimal) -> None:
    assert lot_gain(LOT, quantity, price) == gain


def test_lot_gain_refuses_to_oversell() -> None:
    with pytest.raises(ValueError, match="selling 101"):
        lot_gain(LOT, D("101"), D("10"))


def test_relieve_specific_names_term_and_gain_per_lot() -> None:
    old = LotInfo(1, 1, 1, D("10"), D("500"), date(2020, 1, 2))  # 50/sh, long-term
    new = LotInfo(2, 1, 1, D("10"), D("900"), date(2025, 1, 2))  # 90/sh, short-term
    reliefs = relieve_specific([old, new], {2: D("4")}, D("80"), date(2025, 6, 30))
    # only lot 2: 4 * (80 - 90) = -40, short-term
    assert [(r.lot_id, r.quantity, r.gain, r.term) for r in reliefs] == [
        (2, D("4"), D("-40.00"), Term.SHORT)
    ]


def test_relieve_fifo_takes_oldest_first_and_skips_what_cannot_be_sold() -> None:
    oldest = LotInfo(3, 1, 1, D("5"), D("100"), date(2019, 1, 2))
    middle = LotInfo(1, 1, 1, D("5"), D("200"), date(2020, 1, 2))
    newest = LotInfo(2, 1, 1, D("5"), D("300"), date(2021, 1, 2))
    reliefs = relieve_fifo(
        [newest, middle, oldest],
        D("7"),
        D("50"),
        date(2025, 6, 30),
        can_sell=lambda lot: lot.id != 3,
    )
    # lot 3 is skipped: 5 from lot 1 (5*50-200 = 50), then 2 from lot 2 (2*50 - 120 = -20)
    assert [(r.lot_id, r.quantity, r.gain) for r in reliefs] == [
        (1, D("5"), D("50.00")),
        (2, D("2"), D("-20.00")),
    ]


@pytest.mark.parametrize(
    ("short", "long", "tax"),
    [
        (D("10000"), D("20000"), D("7700.00")),  # .37*10,000 + .20*20,000
        (D("10000"), D("-4000"), D("2220.00")),  # LT loss offsets ST at 37%: .37*6,000
        (D("10000"), D("-15000"), D("0.00")),  # net loss: nothing owed
        (D("-3000"), D("20000"), D("3400.00")),  # ST loss offsets LT: .20*17,000
        (D("-3000"), D("-1000"), D("0.00")),
        # the DOMAIN example: S = 6,000 - 200x, L = 200,000 - 300(100-x) at x = 30:
        (D("0"), D("179000"), D("35800.00")),  # .20 * 179,000
        (D("6000"), D("170000"), D("36220.00")),  # x = 0 (FIFO): 2,220 + 34,000
        (D("-14000"), D("200000"), D("37200.00")),  # x = 100 (linear): .20 * 186,000
    ],
)
def test_netted_tax(short: Decimal, long: Decimal, tax: Decimal) -> None:
    assert netted_tax(short, long, D("0.37"), D("0.20")) == tax


def test_baseline_and_incremental_tax_use_carryforwards() -> None:
    profile = TaxProfile(
        t_ord=D("0.37"),
        t_ltcg=D("0.20"),
        realized_st_ytd=D("5000"),
        realized_lt_ytd=D("10000"),
        carryforward_st=D("1000"),
        carryforward_lt=D("12000"),
    )
    # S0 = 5,000 - 1,000 = 4,000; L0 = 10,000 - 12,000 = -2,000
    assert baseline_gains(profile) == (D("4000"), D("-2000"))
    # before: .37 * (4,000 - 2,000) = 740; after a 3,000 LT gain: L = 1,000 -> .37*4,000 + .2*1,000
    assert tax_before_and_after(profile, D("0"), D("3000")) == (D("740.00"), D("1680.00"))


def test_unrealized_by_term_counts_taxable_accounts_only() -> None:
    as_of = date(2025, 6, 30)
    snapshot = HouseholdSnapshot(
        household_id=1,
        as_of=as_of,
        accounts=(
            AccountInfo(1, "Joint", "taxable", D("0")),
            AccountInfo(2, "IRA", "traditional_ira", D("0")),
        ),
        securities={1: SecurityInfo(1, "VTI", "us_equity", "us-total", D("100"))},
        lots=(
            LotInfo(1, 1, 1, D("10"), D("800"), date(2020, 1, 2)),  # LT +200
            LotInfo(2, 1, 1, D("10"), D("1100"), date(2020, 1, 2)),  # LT -100
            LotInfo(3, 1, 1, D("10"), D("1300"), date(2025, 1, 2)),  # ST -300
            LotInfo(4, 2, 1, D("10"), D("100"), date(2025, 1, 2)),  # IRA: ignored
        ),
    )
    unrealized = unrealized_by_term(snapshot)
    assert unrealized.long_term_gain == D("200.00")
    assert unrealized.long_term_loss == D("-100.00")
    assert unrealized.short_term_gain == D("0")
    assert unrealized.net_short_term == D("-300.00")
    assert unrealized.net_long_term == D("100.00")

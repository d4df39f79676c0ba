"""Implementation plans: equal monthly tranches that add up exactly, month-end safe dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from advisory.engine.lots import LotRelief, Term
from advisory.engine.rebalance import plan_rebalance
from advisory.engine.rebalance.tranches import add_months, plan_tranches
from advisory.engine.rebalance.types import Side, Trade
from tests.engine.households import EQ, FIFTY_FIFTY, household, ira, lot, taxable

D = Decimal


def sale(quantity: str, reliefs: tuple[LotRelief, ...] = ()) -> Trade:
    amount = (D(quantity) * 100).quantize(D("0.01"))
    return Trade(1, 1, "VOO", Side.SELL, D(quantity), D("100"), amount, True, reliefs)


def test_whole_shares_split_with_the_extra_shares_first() -> None:
    tranches = plan_tranches([sale("10")], 3, date(2025, 7, 1))
    assert [t.trades[0].quantity for t in tranches] == [D(4), D(3), D(3)]
    assert [t.trades[0].amount for t in tranches] == [D("400.00"), D("300.00"), D("300.00")]


def test_fractional_quantities_put_the_remainder_last() -> None:
    # 10.000001 / 3 = 3.333333 (rounded down) twice, then 10.000001 - 6.666666 = 3.333335.
    tranches = plan_tranches([sale("10.000001")], 3, date(2025, 7, 1))
    quantities = [t.trades[0].quantity for t in tranches]
    assert quantities == [D("3.333333"), D("3.333333"), D("3.333335")]
    # Amounts: 333.33, 333.33 and the rest of 1,000.00 (10.000001 * 100 = 1,000.0001).
    assert [t.trades[0].amount for t in tranches] == [D("333.33"), D("333.33"), D("333.34")]


def test_lot_reliefs_are_handed_out_in_order_and_gains_add_up() -> None:
    # 100 shares: 70 of lot 1 (-21,000) then 30 of lot 2 (-6,000), over 4 months of 25.
    reliefs = (
        LotRelief(1, D(70), D("-21000.00"), Term.LONG),
        LotRelief(2, D(30), D("-6000.00"), Term.SHORT),
    )
    tranches = plan_tranches([sale("100", reliefs)], 4, date(2025, 7, 1))
    pieces = [[(r.lot_id, r.quantity, r.gain) for r in t.trades[0].lots] for t in tranches]
    assert pieces == [
        [(1, D(25), D("-7500.00"))],  # 25/70 of -21,000
        [(1, D(25), D("-7500.00"))],
        [(1, D(20), D("-6000.00")), (2, D(5), D("-1000.00"))],  # lot 1's rest; 5/30 of -6,000
        [(2, D(25), D("-5000.00"))],  # the rest of lot 2
    ]


def test_due_dates_are_monthly_and_month_end_safe() -> None:
    tranches = plan_tranches([sale("6")], 6, date(2025, 1, 31))
    assert [t.due_on for t in tranches] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
        date(2025, 6, 30),
    ]
    assert [t.number for t in tranches] == [1, 2, 3, 4, 5, 6]
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)


@pytest.mark.parametrize("months", [2, 7])
def test_only_three_to_six_months(months: int) -> None:
    with pytest.raises(ValueError, match="3 to 6 months"):
        plan_tranches([sale("10")], months, date(2025, 7, 1))


def test_a_plan_splits_into_tranches_that_add_up_to_it() -> None:
    snapshot = household(
        [taxable(1), ira(2)], [lot(1, 1, EQ, "100", "5000"), lot(2, 2, EQ, "37", "2000")]
    )
    plan = plan_rebalance(snapshot, FIFTY_FIFTY)
    tranches = plan_tranches(plan, 5, date(2025, 7, 15))
    for trade in plan.trades:
        parts = [
            t
            for tranche in tranches
            for t in tranche.trades
            if (t.account_id, t.security_id, t.side)
            == (trade.account_id, trade.security_id, trade.side)
        ]
        assert sum(p.quantity for p in parts) == trade.quantity
        assert sum(p.amount for p in parts) == trade.amount
        gains = [r.gain for p in parts for r in p.lots]
        assert sum(gains, D(0)) == sum((r.gain for r in trade.lots), D(0))

"""The $3,000 ordinary-income offset of a net capital loss ($1,500 married filing
separately) in the cost T, the proposals' tax and the harvest notes (docs/DOMAIN.md)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from advisory.engine.lots import (
    loss_carried_forward,
    netted_tax,
    ordinary_offset_limit,
    tax_before_and_after,
)
from advisory.engine.rebalance import harvest_losses, plan_rebalance
from advisory.engine.rebalance.types import RebalanceOptions
from advisory.engine.types import TaxProfile
from tests.engine.households import (
    BND,
    EQ,
    EQ_SUB,
    FIFTY_FIFTY,
    household,
    lot,
    reliefs,
    taxable,
    trade_list,
)

D = Decimal
AT_35 = TaxProfile(t_ord=D("0.35"), t_ltcg=D("0.15"))


def test_a_10000_loss_with_no_gains_is_worth_1050_and_carries_7000() -> None:
    # 3,000 x 35% this year; the other 7,000 carries forward.
    assert netted_tax(D("0"), D("-10000"), D("0.35"), D("0.15"), D("3000")) == D("-1050.00")
    assert loss_carried_forward(D("0"), D("-10000"), D("3000")) == D("7000")
    before, after = tax_before_and_after(AT_35, D("0"), D("-10000"))
    assert before - after == D("1050.00")


def test_with_2000_of_net_loss_realised_a_further_5000_is_worth_350() -> None:
    # Only 1,000 of room is left under the 3,000: 1,000 x 35% = 350.
    profile = replace(AT_35, realized_lt_ytd=D("-2000"))
    before, after = tax_before_and_after(profile, D("-5000"), D("0"))
    assert (before, after) == (D("-700.00"), D("-1050.00"))
    assert before - after == D("350.00")


def test_married_filing_separately_offsets_1500() -> None:
    assert ordinary_offset_limit("married_separate") == D("1500")
    assert ordinary_offset_limit("single") == D("3000")
    profile = replace(AT_35, filing_status="married_separate")
    before, after = tax_before_and_after(profile, D("0"), D("-10000"))
    assert before - after == D("525.00")  # 1,500 x 35%
    assert loss_carried_forward(D("0"), D("-10000"), D("1500")) == D("8500")


@pytest.mark.parametrize(
    ("short", "long", "tax"),
    [
        (D("6000"), D("-10000"), D("-1050.00")),  # net -4,000: 3,000 offset
        (D("-1000"), D("-500"), D("-525.00")),  # net -1,500, all of it offset
        (D("2000"), D("-2000"), D("0.00")),  # nets to zero: nothing to offset
        (D("-4000"), D("5000"), D("150.00")),  # net long-term gain 1,000 at 15%
    ],
)
def test_the_offset_follows_the_net_of_both_buckets(short: D, long: D, tax: D) -> None:
    assert netted_tax(short, long, D("0.35"), D("0.15"), D("3000")) == tax


def test_the_netting_example_still_costs_35800() -> None:
    # docs/DOMAIN.md's example: the year ends at net gains, so the offset plays no part.
    assert netted_tax(
        D("6000") - D("6000"), D("200000") - D("21000"), D("0.37"), D("0.20"), D("3000")
    ) == D("35800.00")


def test_the_optimum_harvests_a_loss_lot_only_the_offset_makes_worth_selling() -> None:
    # given: a household exactly at 50/50, VOO down $1,000 in the brokerage, VTI (another
    # group of the same class) to buy; no gains this year
    snapshot = household(
        [taxable(1)],
        [lot(1, 1, EQ, "50", "6000.00"), lot(2, 1, BND, "100", "5000.00")],
        tax=TaxProfile(t_ord=D("0.37"), t_ltcg=D("0.20")),
    )
    # when / then: the rebalance swaps VOO for VTI: the $1,000 loss offsets ordinary income
    plan = plan_rebalance(snapshot, FIFTY_FIFTY)
    assert reliefs(plan) == {1: D("50")}
    assert (1, "buy", EQ_SUB.symbol, D("50")) in trade_list(plan)
    assert plan.estimated_tax == D("-370.00")  # 1,000 x 37%
    assert any("$1,000.00 of it offsets ordinary income" in note for note in plan.notes)
    # and: without an ordinary rate the loss is worth nothing this year, so nothing trades
    flat = replace(snapshot, tax=TaxProfile(t_ord=D("0"), t_ltcg=D("0.20")))
    assert plan_rebalance(flat, FIFTY_FIFTY).trades == ()


def test_a_harvest_with_no_gains_shows_its_value_this_year_and_the_carry_forward() -> None:
    # 200 VOO bought for $29,651, now $20,000: a $9,651 loss, no gains this year.
    snapshot = household(
        [taxable(1)],
        [lot(1, 1, EQ, "200", "29651.00"), lot(2, 1, BND, "400", "20000.00")],
        tax=TaxProfile(t_ord=D("0.35"), t_ltcg=D("0.15")),
    )
    plan = harvest_losses(snapshot, FIFTY_FIFTY)
    assert plan.losses_realized == D("9651.00")
    assert plan.tax_value == D("1050.00")  # 3,000 x 35%, not $0.00
    assert any("$6,651.00 carries forward" in note for note in plan.notes)


def test_without_the_offset_option_the_offset_only_harvest_is_not_made() -> None:
    # The household above: the $1,000 VOO loss is worth 1,000 x 37% only through the offset.
    snapshot = household(
        [taxable(1)],
        [lot(1, 1, EQ, "50", "6000.00"), lot(2, 1, BND, "100", "5000.00")],
        tax=TaxProfile(t_ord=D("0.37"), t_ltcg=D("0.20")),
    )
    with_offset = plan_rebalance(snapshot, FIFTY_FIFTY)
    without = plan_rebalance(snapshot, FIFTY_FIFTY, options=RebalanceOptions(ordinary_offset=False))
    assert reliefs(with_offset) == {1: D("50")}
    # at the targets already, a plan blind to the offset has nothing to gain by trading
    assert without.trades == ()
    assert without.estimated_tax == D("0.00")

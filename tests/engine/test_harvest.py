"""Tax-loss harvesting: thresholds, substitutes, wash sales household-wide, tax value."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from advisory.engine.rebalance.harvest import harvest_losses, harvestable_losses
from advisory.engine.rebalance.types import HarvestOptions
from advisory.engine.types import SecurityInfo, TransactionInfo
from tests.engine.households import (
    AS_OF,
    BND,
    EQ,
    EQ_SUB,
    FIFTY_FIFTY,
    RATES,
    SECURITIES,
    check_invariants,
    household,
    ira,
    lot,
    taxable,
    trade_list,
)

D = Decimal
SCHB = SecurityInfo(6, "SCHB", "us_equity", "schwab-broad", D("25"))
WITH_SCHB = {**SECURITIES, SCHB.id: SCHB}
THRESHOLDS = HarvestOptions(min_loss_dollars=D("1000"), min_loss_percent=D("0.10"))
REALISED = replace(RATES, realized_lt_ytd=D("20000"))  # T0 = .20 * 20,000 = 4,000


def test_harvests_lots_past_both_thresholds_into_a_substitute() -> None:
    # Lot 1: 100 VOO for $15,000 -> -5,000 (33%): harvested.
    # Lot 2: 100 VOO for $10,500 -> -500 (4.8%): below both thresholds.
    # Lot 3: 10 VOO for $2,000 -> -1,000 (50%): exactly at the dollar floor, harvested.
    # Lot 4: 200 BND at a gain: never.
    snapshot = household(
        [taxable(1)],
        [
            lot(1, 1, EQ, "100", "15000"),
            lot(2, 1, EQ, "100", "10500"),
            lot(3, 1, EQ, "10", "2000"),
            lot(4, 1, BND, "200", "5000"),
        ],
        tax=REALISED,
    )
    plan = harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS)
    # Sold: lots 1 and 3 (110 VOO, $11,000) -> 110 VTI (sp500's IVV is the same group).
    assert trade_list(plan) == [(1, "sell", "VOO", D("110")), (1, "buy", "VTI", D("110"))]
    assert plan.losses_realized == D("6000.00")
    # After: L = 20,000 - 6,000 = 14,000 -> 2,800; value 4,000 - 2,800 = 1,200.
    assert plan.tax_before == D("4000.00")
    assert plan.tax_value == D("1200.00")
    assert plan.drift_after.row("us_equity").current == plan.drift_before.row("us_equity").current
    assert any("do not buy it" in note and "31 July 2025" in note for note in plan.notes)
    check_invariants(snapshot, plan)


def test_percent_threshold_alone_can_exclude_a_big_dollar_loss() -> None:
    # 1,000 VOO for $105,000: -5,000 is only 4.8% of basis.
    snapshot = household([taxable(1)], [lot(1, 1, EQ, "1000", "105000")])
    assert harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS).trades == ()
    assert harvestable_losses(snapshot, HarvestOptions(min_loss_percent=D("0.04"))) == {
        "sp500": D("5000")
    }


def test_lots_in_iras_are_never_harvested() -> None:
    snapshot = household([ira(2)], [lot(1, 2, EQ, "100", "15000")])
    assert harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS).trades == ()


def test_a_reinvestment_in_the_roth_blocks_harvesting_the_group() -> None:
    reinvest = TransactionInfo(3, EQ.id, "reinvest", AS_OF - timedelta(days=20), D("0.4"))
    snapshot = household([taxable(1)], [lot(1, 1, EQ, "100", "15000")], recent=[reinvest])
    plan = harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS)
    assert plan.trades == ()
    assert [b.substitute_group for b in plan.wash_sale_blocks] == ["sp500"]


def test_a_substitute_sold_at_a_loss_recently_is_skipped_for_the_next() -> None:
    # VTI (total-us) was sold at a loss 10 days ago, so VOO's loss is harvested into SCHB:
    # $10,000 at $25 -> 400 SCHB.
    sale = TransactionInfo(
        1, EQ_SUB.id, "sell", AS_OF - timedelta(days=10), D("5"), realized_gain=D("-50")
    )
    snapshot = household(
        [taxable(1)], [lot(1, 1, EQ, "100", "15000")], recent=[sale], securities=WITH_SCHB
    )
    plan = harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS)
    assert trade_list(plan) == [(1, "sell", "VOO", D("100")), (1, "buy", "SCHB", D("400"))]
    check_invariants(snapshot, plan)


def test_no_clean_substitute_leaves_the_group_alone() -> None:
    sale = TransactionInfo(
        1, EQ_SUB.id, "sell", AS_OF - timedelta(days=10), D("5"), realized_gain=D("-50")
    )
    snapshot = household([taxable(1)], [lot(1, 1, EQ, "100", "15000")], recent=[sale])
    plan = harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS)
    assert plan.trades == ()
    assert any(
        "VOO" in note and "not harvested: no substitute" in note and "sp500" not in note
        for note in plan.notes
    )


def test_two_groups_of_one_class_never_swap_into_each_other() -> None:
    # VOO lot -5,000 and VTI lot -2,000, both past the thresholds. Each may go to SCHB,
    # never to the other's group (rule 3): both are harvested into SCHB.
    snapshot = household(
        [taxable(1)],
        [lot(1, 1, EQ, "100", "15000"), lot(2, 1, EQ_SUB, "50", "7000")],
        securities=WITH_SCHB,
    )
    plan = harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS)
    # $10,000 + $5,000 of proceeds at $25: 600 SCHB.
    assert trade_list(plan) == [
        (1, "sell", "VOO", D("100")),
        (1, "sell", "VTI", D("50")),
        (1, "buy", "SCHB", D("600")),
    ]
    assert plan.losses_realized == D("7000.00")
    check_invariants(snapshot, plan)


def test_without_a_third_group_only_the_bigger_loss_waits() -> None:
    # Same lots, no SCHB: VOO (bigger loss) has no substitute outside the two groups being
    # sold; VTI then goes into VOO (sp500 is no longer sold): 50 VTI -> 50 VOO.
    snapshot = household(
        [taxable(1)], [lot(1, 1, EQ, "100", "15000"), lot(2, 1, EQ_SUB, "50", "7000")]
    )
    plan = harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS)
    assert trade_list(plan) == [(1, "sell", "VTI", D("50")), (1, "buy", "VOO", D("50"))]
    assert any("VOO" in note and "not harvested" in note for note in plan.notes)
    check_invariants(snapshot, plan)


def test_tax_value_is_zero_when_the_year_is_already_a_net_loss() -> None:
    snapshot = household(
        [taxable(1)],
        [lot(1, 1, EQ, "100", "15000")],
        tax=replace(RATES, carryforward_lt=D("50000")),
    )
    plan = harvest_losses(snapshot, FIFTY_FIFTY, THRESHOLDS)
    assert plan.losses_realized == D("5000.00")
    assert plan.tax_value == 0


def test_whole_shares_buy_what_the_proceeds_afford() -> None:
    # $10,000 of proceeds into SCHB at $30: 333 shares ($9,990), $10 stays in cash.
    schb = replace(SCHB, price=D("30"))
    snapshot = household(
        [taxable(1)], [lot(1, 1, EQ, "100", "15000")], securities={**SECURITIES, schb.id: schb}
    )
    options = replace(THRESHOLDS, whole_shares=True, do_not_buy=frozenset({EQ_SUB.id}))
    plan = harvest_losses(snapshot, FIFTY_FIFTY, options)
    assert trade_list(plan) == [(1, "sell", "VOO", D("100")), (1, "buy", "SCHB", D("333"))]
    assert plan.cash_after[1] == D("10.00")

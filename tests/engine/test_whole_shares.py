"""Whole shares by relaxation and repair (advisory/engine/rebalance/whole.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisory.engine.rebalance import plan_rebalance, whole
from advisory.engine.rebalance.model import build_model
from advisory.engine.rebalance.problem import prepare_problem
from advisory.engine.rebalance.solve import least_tax
from advisory.engine.rebalance.types import RebalanceOptions, RebalancePlan, Side
from advisory.engine.types import HouseholdSnapshot, PolicyTargets, SecurityInfo
from tests.engine.households import check_invariants, household, lot, meets_mode, taxable
from tests.engine.test_rebalance_properties import SETTINGS, households

D = Decimal

# The hand-built household: 100 shares of A ($30, basis $10 a share, long-term) and no
# cash; targets 40.5% A and 59.5% B ($81). With whole shares each class may miss its
# target by one share of its dearest security (A $30, B $81), cash by both ($111).
A = SecurityInfo(11, "AAA", "us_equity", "aaa", D("30"))
B = SecurityInfo(12, "BBB", "us_bonds", "bbb", D("81"))
TARGETS = PolicyTargets(targets={"us_equity": D("0.405"), "us_bonds": D("0.595")})


def _lumpy_household() -> HouseholdSnapshot:
    return household([taxable(1)], [lot(1, 1, A, "100", "1000")], securities={11: A, 12: B})


def test_the_repair_keeps_the_cash_that_rounding_the_fractional_optimum_breaks() -> None:
    # given: the fractional optimum (same rules, shares continuous) sells the fewest A
    # shares the A range allows, 100 - s <= (1215 + 30) / 30, so s = 58.5, and buys B
    # with all the proceeds, 58.5 * 30 / 81 = 21.67 shares. Rounded to the nearest share
    # (58 or 59 sold, 22 bought) the buy costs 22 * 81 = $1,782, more than the $1,770
    # that 59 shares raise, and 58 leaves A above its range. With B at least
    # 1785 - 81 = $1,704, 22 shares of B are needed (21 make $1,701), so 60 of A.
    snapshot = _lumpy_household()
    # when
    plan = plan_rebalance(snapshot, TARGETS, options=RebalanceOptions(whole_shares=True))
    # then: sell 60 A ($1,800), buy 22 B ($1,782), $18 left in cash
    trades = [(t.side, t.symbol, t.quantity) for t in plan.trades]
    assert trades == [(Side.SELL, "AAA", D(60)), (Side.BUY, "BBB", D(22))]
    assert plan.cash_after == {1: D("18.00")}
    assert plan.feasible
    # 60 shares at a $20 long-term gain, 20%: $240; the fractional optimum 58.5 shares: $234
    assert plan.tax_after == D("240.00")
    gap = plan.whole_share_gap
    assert gap is not None
    assert gap.fractional_tax_after == D("234.00")
    assert gap.tax_gap == D("6.00")
    assert gap.repair_width == whole.WIDTHS[1]  # floor or ceiling alone has no plan
    # the notes state the gap: 6 / 234 = 2.56%
    assert "Whole shares cost $6.00 more than the fractional optimum (2.56%)" in plan.notes


def test_without_a_repair_the_full_whole_share_program_is_solved_and_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(whole, "WIDTHS", (0,))  # only rounding down or up: no plan (above)
    plan = plan_rebalance(_lumpy_household(), TARGETS, options=RebalanceOptions(whole_shares=True))
    trades = [(t.side, t.symbol, t.quantity) for t in plan.trades]
    assert trades == [(Side.SELL, "AAA", D(60)), (Side.BUY, "BBB", D(22))]
    assert plan.whole_share_gap is not None
    assert plan.whole_share_gap.repair_width is None
    assert any("the full whole-share program was solved" in note for note in plan.notes)


def test_fractional_shares_have_no_whole_share_gap() -> None:
    plan = plan_rebalance(_lumpy_household(), TARGETS, options=RebalanceOptions())
    assert plan.whole_share_gap is None
    assert not any(note.startswith("Whole shares") for note in plan.notes)


def _check_rules(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    plan: RebalancePlan,
    options: RebalanceOptions,
) -> None:
    """Whole shares, restrictions, short-term gains, minimum trade, mode: from the trades."""
    for trade in plan.trades:
        assert trade.quantity == trade.quantity.to_integral_value(), "a fractional share"
        assert trade.amount >= options.min_trade
        assert trade.security_id not in options.do_not_trade_securities
        if trade.side is Side.BUY:
            assert trade.security_id not in options.do_not_buy
        if trade.side is Side.SELL and trade.taxable and not options.allow_short_term:
            assert all(r.gain <= 0 for r in trade.lots if r.term.value == "short")
    if plan.feasible:
        # each class within a share of its dearest security plus a minimum trade, cash
        # within all of those: a tolerance of all of them together is generous
        dearest: dict[str, Decimal] = {}
        for security in snapshot.securities.values():
            code = security.asset_class
            dearest[code] = max(dearest.get(code, D(0)), security.price)
        room = sum(dearest.values(), D(0)) + len(dearest) * options.min_trade
        assert meets_mode(snapshot, policy, plan, options.mode, room + D("0.05"))


@SETTINGS
@given(
    households(),
    st.sampled_from(("target", "band")),
    st.booleans(),
    st.sampled_from((0, 0, 40)),
    st.sets(st.integers(1, 7), max_size=2),
)
def test_repaired_plans_are_whole_keep_every_rule_and_report_their_gap(
    case: tuple[HouseholdSnapshot, PolicyTargets, dict[int, Decimal]],
    mode: str,
    allow_short_term: bool,
    min_trade: int,
    do_not_buy: set[int],
) -> None:
    snapshot, policy, flows = case
    options = RebalanceOptions(
        mode=mode,
        whole_shares=True,
        allow_short_term=allow_short_term,
        min_trade=D(min_trade),
        do_not_buy=frozenset(do_not_buy),
    )
    plan = plan_rebalance(snapshot, policy, flows, options)
    check_invariants(snapshot, plan, flows)  # lots, cash and reserves, wash sales, sums
    _check_rules(snapshot, policy, plan, options)
    gap = plan.whole_share_gap
    if gap is None or gap.tax_gap is None:
        return  # nothing was solved, or the plan misses the mode further than fractional
    assert gap.fractional_tax_after is not None
    assert plan.tax_after >= gap.fractional_tax_after
    assert gap.tax_gap == plan.tax_after - gap.fractional_tax_after
    note = f"Whole shares cost ${gap.tax_gap:,.2f} more than the fractional optimum"
    assert any(n.startswith(note) for n in plan.notes)
    # the bound is a true one: no whole-share plan, the full program's optimum included,
    # costs less (that program solved on its own, without the repair)
    problem = prepare_problem(snapshot, policy, flows, options)
    optimum = least_tax(build_model(problem), hold=False)
    if plan.feasible and optimum is not None:
        assert float(gap.fractional_tax_after) <= optimum + 0.01
        assert float(plan.tax_after) >= optimum - 0.01


def test_whole_share_plans_print_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    options = RebalanceOptions(whole_shares=True)
    plan_rebalance(_lumpy_household(), TARGETS, options=options)
    plan_rebalance(_lumpy_household(), TARGETS, options=replace(options, min_trade=D(100)))
    out, _ = capfd.readouterr()
    assert out == ""

"""Asset location (advisory.engine.location): hand-checked households and LP invariants.

Expected figures are worked out by hand from docs/DOMAIN.md's formulas (the
arithmetic is in the comments, 1.07^20 = 3.869684462 and so on) and the
property tests compare the engine with an independent dense linear program
and an exact Hall-condition check written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from itertools import combinations
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from advisory.engine.location import (
    LocationBasis,
    LocationOptions,
    LocationPlan,
    household_location_inputs,
    plan_asset_location,
    plan_asset_location_for,
    taxable_drag,
)
from advisory.engine.location.rounding import largest_remainder, round_matrix_to_cents
from advisory.engine.types import (
    ACCOUNT_TAX_TREATMENT,
    AccountInfo,
    AssetClassAssumptions,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    SecurityInfo,
    TaxProfile,
    TaxTreatment,
)

D = Decimal
TAX = TaxProfile(t_ord=D("0.35"), t_ltcg=D("0.15"), t_ret=D("0.25"))
H20 = LocationOptions(horizon_years=20)


def cma(
    code: str, mu: str, income: str, qualified: str, turnover: str = "0"
) -> AssetClassAssumptions:
    return AssetClassAssumptions(code, D(mu), D("0.1"), D(income), D(qualified), D(turnover))


STOCKS = cma("stocks", "0.07", "0.02", "1")  # 2% yield, all qualified
BONDS = cma("bonds", "0.04", "0.04", "0")  # all income, all ordinary
ASSUMPTIONS = {"stocks": STOCKS, "bonds": BONDS}
SIXTY_FORTY = {"stocks": D("0.6"), "bonds": D("0.4")}


def account(id_: int, name: str, kind: str, *menu: str) -> AccountInfo:
    return AccountInfo(id_, name, kind, D("0"), allowed_classes=frozenset(menu))


# --- hand-checked households -------------------------------------------------------------

# Taxable $60k + traditional IRA $40k, 60/40, t_ord 35%, t_ltcg 15%, t_ret 25%, H = 20.
#   d_stocks = 0.02 * 0.15 = 0.003;  d_bonds = 0.04 * 0.35 = 0.014
#   F[taxable, stocks] = 1.067^20 = 3.658376414    F[taxable, bonds] = 1.026^20 = 1.670887521
#   F[IRA, stocks] = 1.07^20 * 0.75 = 2.902263347  F[IRA, bonds] = 1.04^20 * 0.75 = 1.643342357
#   Bonds lose 0.027545 per dollar by leaving taxable, stocks 0.756113: bonds go to the IRA.
#   objective = 60,000 * 3.658376414 + 40,000 * 1.643342357 = 285,236.28
#   baseline  = 36,000 * 3.658376414 + 24,000 * 1.670887521      (taxable, 60/40 of $60k)
#             + 24,000 * 2.902263347 + 16,000 * 1.643342357      (IRA, 60/40 of $40k)
#             = 267,750.65
#   uplift    = 17,485.63 dollars; (285,236.28 / 267,750.65)^(1/20) - 1 = 0.0031681 -> 31.68 bp
HAND_ACCOUNTS = (
    account(1, "Joint taxable", "taxable"),
    account(2, "Jane's IRA", "traditional_ira"),
)


def hand_plan() -> LocationPlan:
    values = {1: D("60000"), 2: D("40000")}
    return plan_asset_location(HAND_ACCOUNTS, values, SIXTY_FORTY, ASSUMPTIONS, TAX, H20)


def test_bonds_go_to_the_ira_and_stocks_stay_taxable() -> None:
    plan = hand_plan()
    assert plan.feasible
    assert {(p.account_id, p.asset_class): p.amount for p in plan.placements} == {
        (1, "stocks"): D("60000.00"),
        (2, "bonds"): D("40000.00"),
    }
    assert plan.account_weights == {1: {"stocks": D("1")}, 2: {"bonds": D("1")}}
    assert plan.objective == D("285236.28")
    assert plan.baseline_objective == D("267750.65")
    assert plan.uplift_dollars == D("17485.63")
    assert plan.uplift_bp == D("31.68")
    assert plan.binding == ()


def test_the_explanation_names_the_drag_and_the_reason() -> None:
    plan = hand_plan()
    by_class = {e.asset_class: e for e in plan.explanations}
    assert by_class["bonds"].taxable_drag == D("0.014")  # 0.04 * 0.35
    assert by_class["stocks"].taxable_drag == D("0.003")  # 0.02 * 0.15
    assert by_class["bonds"].placed_in == ("Jane's IRA",)
    assert "ordinary income at 35%" in by_class["bonds"].reason
    assert "Jane's IRA" in by_class["bonds"].reason
    assert "1.4% a year" in by_class["bonds"].reason
    assert "qualified dividends" in by_class["stocks"].reason
    assert "$17,485.63" in plan.summary
    assert "31.68 basis points a year" in plan.summary


def test_tax_exempt_bonds_in_the_ira_are_explained_by_their_slow_growth() -> None:
    # Munis (3% return, all of it tax-exempt income) lose nothing in taxable, yet
    # leaving taxable costs them less than it costs stocks, so they take the IRA:
    #   F[taxable, munis] = 1.03^20 = 1.806111235   F[IRA, munis] = 1.806111235 * 0.75
    #   munis lose 0.451528 per dollar by leaving taxable; stocks lose 0.756113 (above).
    munis = AssetClassAssumptions("munis", D("0.03"), D("0.05"), D("0.03"), D("0"), D("0"), True)
    plan = plan_asset_location(
        HAND_ACCOUNTS,
        {1: D("60000"), 2: D("40000")},
        {"stocks": D("0.6"), "munis": D("0.4")},
        {"stocks": STOCKS, "munis": munis},
        TAX,
        H20,
    )
    by_class = {e.asset_class: e for e in plan.explanations}
    assert by_class["munis"].taxable_drag == D("0")
    assert by_class["munis"].placed_in == ("Jane's IRA",)
    assert "free of federal tax" in by_class["munis"].reason
    assert "Withdrawals from Jane's IRA are taxed as income" in by_class["munis"].reason
    assert "costs least on what grows least" in by_class["munis"].reason


DRAG_CASES = [
    # mu, yield, qualified, turnover, exempt, drag at t_ord 35% / t_ltcg 15%
    ("0.07", "0.02", "1", "0", False, "0.003"),  # 0.02 * 0.15
    ("0.04", "0.04", "0", "0", False, "0.014"),  # 0.04 * 0.35
    ("0.03", "0.03", "0", "0", True, "0"),  # municipal: income untaxed, no price gain
    ("0.08", "0.02", "0.5", "0.1", False, "0.0059"),  # 0.02*(0.5*0.15+0.5*0.35) + 0.1*0.06*0.15
    ("0.02", "0.03", "1", "0.5", False, "0.0045"),  # 0.03*0.15; yield above mu: no gain to realise
]


@pytest.mark.parametrize(("mu", "income", "qualified", "turnover", "exempt", "drag"), DRAG_CASES)
def test_taxable_drag(
    mu: str, income: str, qualified: str, turnover: str, exempt: bool, drag: str
) -> None:
    assumptions = AssetClassAssumptions(
        "x", D(mu), D("0.1"), D(income), D(qualified), D(turnover), exempt
    )
    assert taxable_drag(assumptions, TAX) == D(drag)


# Reichenstein: a $500k 401(k) of stocks and a $375k Roth of bonds at t_ret 25%.
#   After tax the 401(k) is worth 500,000 * 0.75 = 375,000: 375k stocks + 375k bonds = 50/50.
#   Pre-tax it reads 500 / 875 = 57.14% stocks, 375 / 875 = 42.86% bonds.
REICHENSTEIN_VALUES = {1: D("500000"), 2: D("375000")}
FIFTY_FIFTY = {"stocks": D("0.5"), "bonds": D("0.5")}


def test_reichenstein_after_tax_basis_is_fifty_fifty() -> None:
    accounts = (account(1, "401(k)", "traditional_401k", "stocks"), account(2, "Roth", "roth_ira"))
    plan = plan_asset_location(
        accounts,
        REICHENSTEIN_VALUES,
        FIFTY_FIFTY,
        ASSUMPTIONS,
        TAX,
        LocationOptions(horizon_years=20, basis=LocationBasis.AFTER_TAX),
    )
    assert plan.feasible
    assert plan.amount(1, "stocks") == D("500000.00")
    assert plan.amount(2, "bonds") == D("375000.00")
    assert plan.after_tax_weights == {"stocks": D("0.5"), "bonds": D("0.5")}
    assert plan.pre_tax_weights == {"stocks": D("0.571429"), "bonds": D("0.428571")}


def test_reichenstein_pre_tax_fifty_fifty_does_not_fit_that_menu() -> None:
    # Pre-tax 50/50 of $875k needs $437,500 of bonds; only the $375k Roth offers them.
    accounts = (account(1, "401(k)", "traditional_401k", "stocks"), account(2, "Roth", "roth_ira"))
    plan = plan_asset_location(accounts, REICHENSTEIN_VALUES, FIFTY_FIFTY, ASSUMPTIONS, TAX, H20)
    assert not plan.feasible
    assert plan.placements == ()
    assert [b.message for b in plan.binding] == [
        "Bonds need $437,500.00 but only $375,000.00 of accounts offer them:"
        " $62,500.00 of room missing."
    ]
    assert plan.binding[0].amount == D("62500.00")
    assert plan.binding[0].asset_class == "bonds"


def test_reichenstein_after_tax_with_a_churn_penalty_keeps_what_is_already_50_50() -> None:
    # After tax a traditional dollar is (1 - t_ret) of a Roth dollar and both grow untaxed,
    # so every placement is worth the same; the churn penalty then keeps the current one.
    accounts = (account(1, "401(k)", "traditional_401k"), account(2, "Roth", "roth_ira"))
    current = {(1, "stocks"): D("500000"), (2, "bonds"): D("375000")}
    plan = plan_asset_location(
        accounts,
        REICHENSTEIN_VALUES,
        FIFTY_FIFTY,
        ASSUMPTIONS,
        TAX,
        LocationOptions(horizon_years=20, basis=LocationBasis.AFTER_TAX),
        current,
    )
    assert plan.dollars_moved == D("0.00")
    assert plan.amount(1, "stocks") == D("500000.00")
    assert plan.amount(2, "bonds") == D("375000.00")


# A menu that binds: taxable $50k + a $50k 401(k) offering stocks only, 60/40.
#   The 401(k) must hold $50k stocks; taxable holds $10k stocks and all $40k of bonds.
#   objective = 50,000 * 2.902263347 + 10,000 * 3.658376414 + 40,000 * 1.670887521 = 248,532.43
#   baseline  = 30,000 * 3.658376414 + 20,000 * 1.670887521 + 30,000 * 2.902263347
#             + 20,000 * 1.643342357 = 263,103.79  (the pro-rata mix the menu does not allow)
#   Opening bonds in the 401(k) would swap a dollar of stocks out for a dollar of bonds:
#   (1.643342357 - 1.670887521) - (2.902263347 - 3.658376414) = 0.728568 per dollar.
def test_a_binding_menu_is_reported_with_its_price() -> None:
    accounts = (
        account(1, "Taxable", "taxable"),
        account(2, "Acme 401(k)", "traditional_401k", "stocks"),
    )
    plan = plan_asset_location(
        accounts, {1: D("50000"), 2: D("50000")}, SIXTY_FORTY, ASSUMPTIONS, TAX, H20
    )
    assert plan.feasible
    assert plan.amount(2, "stocks") == D("50000.00")
    assert plan.amount(1, "stocks") == D("10000.00")
    assert plan.amount(1, "bonds") == D("40000.00")
    assert plan.objective == D("248532.43")
    assert plan.baseline_objective == D("263103.79")
    assert plan.uplift_bp < 0  # -28.45: the menus, not the plan, cost the household
    [menu] = plan.binding
    assert (menu.kind, menu.account_id, menu.asset_class) == ("menu", 2, "bonds")
    assert menu.amount == D("0.728568")
    assert "$728.57" in menu.message  # per $1,000 placed
    bonds = next(e for e in plan.explanations if e.asset_class == "bonds")
    assert "Acme 401(k) does not offer it" in bonds.reason


def test_a_menu_the_plan_would_not_use_anyway_does_not_bind() -> None:
    # The 401(k) offers bonds only: bonds are where the plan wants them, so nothing binds,
    # although this plan is degenerate (two holdings for three independent totals).
    accounts = (account(1, "Taxable", "taxable"), account(2, "401(k)", "traditional_401k", "bonds"))
    plan = plan_asset_location(
        accounts, {1: D("60000"), 2: D("40000")}, SIXTY_FORTY, ASSUMPTIONS, TAX, H20
    )
    assert plan.objective == D("285236.28")  # the same as the hand-checked IRA household
    assert plan.binding == ()


# --- infeasible menus: the reason, never an exception -------------------------------------


def test_a_class_without_room() -> None:
    # International bonds: 20% of $100k = $20,000; only the $10k taxable account offers them.
    accounts = (
        account(1, "Taxable", "taxable"),
        account(2, "401(k)", "traditional_401k", "stocks", "bonds"),
    )
    assumptions = {**ASSUMPTIONS, "intl_bonds": cma("intl_bonds", "0.04", "0.04", "0")}
    targets = {"stocks": D("0.5"), "bonds": D("0.3"), "intl_bonds": D("0.2")}
    plan = plan_asset_location(
        accounts,
        {1: D("10000"), 2: D("90000")},
        targets,
        assumptions,
        TAX,
        LocationOptions(horizon_years=20, class_names={"intl_bonds": "international bonds"}),
    )
    assert not plan.feasible
    assert plan.binding[0].message == (
        "International bonds need $20,000.00 but only $10,000.00 of accounts offer them:"
        " $10,000.00 of room missing."
    )
    assert plan.summary.startswith("No placement fits: International bonds need")


def test_an_account_whose_menu_cannot_absorb_it() -> None:
    # The 401(k) holds $70k but offers only stocks, whose target is 60% of $100k = $60k.
    # Each bond class (20% = $20k) fits in the $30k taxable account, so no single class is short.
    accounts = (
        account(1, "Taxable", "taxable"),
        account(2, "401(k)", "traditional_401k", "stocks"),
    )
    assumptions = {**ASSUMPTIONS, "munis": cma("munis", "0.03", "0.03", "0")}
    targets = {"stocks": D("0.6"), "bonds": D("0.2"), "munis": D("0.2")}
    plan = plan_asset_location(
        accounts, {1: D("30000"), 2: D("70000")}, targets, assumptions, TAX, H20
    )
    assert not plan.feasible
    [reason] = plan.binding
    assert (reason.kind, reason.account_id, reason.amount) == ("account_room", 2, D("10000"))
    assert reason.message == (
        "401(k) holds $70,000.00 but offers only stocks, which need $60,000.00:"
        " $10,000.00 has nowhere to go."
    )


def test_a_group_of_classes_without_room() -> None:
    # Each bond class (20% of $100k = $20k) fits in the $30k taxable account, each stocks-only
    # 401(k) ($35k) fits in the $60k of stocks, but both bond classes together need $40k.
    accounts = (
        account(1, "Taxable", "taxable"),
        account(2, "His 401(k)", "traditional_401k", "stocks"),
        account(3, "Her 401(k)", "traditional_401k", "stocks"),
    )
    assumptions = {**ASSUMPTIONS, "munis": cma("munis", "0.03", "0.03", "0")}
    targets = {"stocks": D("0.6"), "bonds": D("0.2"), "munis": D("0.2")}
    values = {1: D("30000"), 2: D("35000"), 3: D("35000")}
    plan = plan_asset_location(accounts, values, targets, assumptions, TAX, H20)
    assert not plan.feasible
    assert [b.message for b in plan.binding] == [
        "Bonds and munis together need $40,000.00 but only $30,000.00 of accounts offer them:"
        " $10,000.00 of room missing."
    ]


def test_a_call_no_household_could_make_raises() -> None:
    accounts = (account(1, "Taxable", "taxable"),)
    with pytest.raises(ValueError, match="sum to 1"):
        plan_asset_location(accounts, {1: D("1")}, {"stocks": D("0.9")}, ASSUMPTIONS, TAX)
    with pytest.raises(ValueError, match="no assumptions for class gold"):
        plan_asset_location(accounts, {1: D("1")}, {"gold": D("1")}, ASSUMPTIONS, TAX)


# --- edges ---------------------------------------------------------------------------------


def test_a_zero_value_account_gets_nothing() -> None:
    accounts = (*HAND_ACCOUNTS, account(3, "Empty HSA", "hsa"))
    plan = plan_asset_location(
        accounts, {1: D("60000"), 2: D("40000"), 3: D("0")}, SIXTY_FORTY, ASSUMPTIONS, TAX, H20
    )
    assert [p for p in plan.placements if p.account_id == 3] == []
    assert plan.account_weights[3] == {}
    assert plan.objective == D("285236.28")  # as if the HSA were not there


def test_a_single_account_holds_the_targets() -> None:
    # One account: the plan is the pro-rata mix, so objective = baseline and no uplift.
    plan = plan_asset_location(
        (account(1, "Taxable", "taxable"),), {1: D("1000")}, SIXTY_FORTY, ASSUMPTIONS, TAX, H20
    )
    assert plan.amount(1, "stocks") == D("600.00")
    assert plan.amount(1, "bonds") == D("400.00")
    assert plan.objective == plan.baseline_objective
    assert plan.uplift_bp == D("0")
    assert "does not change its tax" in plan.explanations[0].reason


def test_a_class_with_a_zero_target_is_not_held() -> None:
    assumptions = {**ASSUMPTIONS, "gold": cma("gold", "0.03", "0", "0")}
    plan = plan_asset_location(
        HAND_ACCOUNTS,
        {1: D("60000"), 2: D("40000")},
        {**SIXTY_FORTY, "gold": D("0")},
        assumptions,
        TAX,
        H20,
    )
    assert plan.objective == D("285236.28")
    assert plan.class_totals["gold"] == D("0")
    gold = next(e for e in plan.explanations if e.asset_class == "gold")
    assert gold.placed_in == ()
    assert "target is 0%" in gold.reason


def test_nothing_to_place() -> None:
    plan = plan_asset_location(
        HAND_ACCOUNTS, {1: D("0"), 2: D("0")}, SIXTY_FORTY, ASSUMPTIONS, TAX, H20
    )
    assert plan.feasible
    assert plan.placements == ()
    assert plan.objective == plan.baseline_objective == D("0")


def test_cents_add_up_when_thirds_do_not() -> None:
    # $100.00 in three accounts at 1/3 each cannot be split into equal cents; totals still hold.
    accounts = tuple(
        account(i, f"A{i}", kind) for i, kind in enumerate(["taxable", "roth_ira", "hsa"])
    )
    thirds = {"stocks": D("0.3333"), "bonds": D("0.6667")}
    plan = plan_asset_location(
        accounts, {0: D("33.33"), 1: D("33.33"), 2: D("33.34")}, thirds, ASSUMPTIONS, TAX, H20
    )
    assert _account_totals(plan) == {0: D("33.33"), 1: D("33.33"), 2: D("33.34")}
    # 0.3333 * 100 = 33.33 and 0.6667 * 100 = 66.67, whole cents already
    assert plan.class_totals == {"stocks": D("33.33"), "bonds": D("66.67")}


# --- churn ---------------------------------------------------------------------------------

# Two near-identical equity funds, taxable $50k + IRA $50k, 50/50, held the "wrong" way round
# (the higher-yield fund in taxable). Same mu, so the IRA is indifferent; in taxable:
#   d_us = 0.015 * 0.15 = 0.00225       F = 1.06775^20  = 3.710151142
#   d_intl = 0.0151 * 0.15 = 0.002265   F = 1.067735^20 = 3.709108859
#   swapping a dollar gains 0.001042 at the horizon and moves two dollars (one each way).
#   baseline = 25,000 * (3.710151142 + 3.709108859) + 50,000 * 2.902263347 = 330,594.67,
#   so an average dollar ends as 3.305947; at 5 bp a dollar moved costs 0.001653,
#   two cost 0.003306 > 0.001042 (stay); at 1 bp two cost 0.000661 < 0.001042 (move).
CHURN_ASSUMPTIONS = {
    "us_equity": cma("us_equity", "0.07", "0.015", "1"),
    "intl_equity": cma("intl_equity", "0.07", "0.0151", "1"),
}
CHURN_CURRENT = {(1, "intl_equity"): D("50000"), (2, "us_equity"): D("50000")}


def churn_plan(penalty_bp: str) -> LocationPlan:
    return plan_asset_location(
        HAND_ACCOUNTS,
        {1: D("50000"), 2: D("50000")},
        {"us_equity": D("0.5"), "intl_equity": D("0.5")},
        CHURN_ASSUMPTIONS,
        TAX,
        LocationOptions(horizon_years=20, churn_penalty_bp=D(penalty_bp)),
        CHURN_CURRENT,
    )


def test_a_small_gain_is_not_worth_moving_money_for() -> None:
    plan = churn_plan("5")
    assert plan.dollars_moved == D("0")
    assert plan.amount(1, "intl_equity") == D("50000.00")
    assert [b.kind for b in plan.binding] == ["churn"]
    # 50,000 * 3.709108859 + 50,000 * 2.902263347 = 330,568.61
    assert plan.objective == D("330568.61")


@pytest.mark.parametrize("penalty_bp", ["1", "0"])
def test_a_gain_above_the_penalty_moves_the_money(penalty_bp: str) -> None:
    plan = churn_plan(penalty_bp)
    assert plan.amount(1, "us_equity") == D("50000.00")
    assert plan.dollars_moved == D("100000.00")  # $50k sold in each account
    assert plan.objective == D("330620.72")  # 50,000 * 3.710151142 + 50,000 * 2.902263347
    assert plan.binding == ()


def test_the_hand_checked_gain_beats_the_default_penalty() -> None:
    current = {(1, "stocks"): D("36000"), (1, "bonds"): D("24000")}
    current |= {(2, "stocks"): D("24000"), (2, "bonds"): D("16000")}
    plan = plan_asset_location(
        HAND_ACCOUNTS, {1: D("60000"), 2: D("40000")}, SIXTY_FORTY, ASSUMPTIONS, TAX, H20, current
    )
    assert plan.amount(2, "bonds") == D("40000.00")
    assert plan.dollars_moved == D(
        "48000.00"
    )  # $24k bonds out of taxable, $24k stocks out of the IRA


# --- from a snapshot -----------------------------------------------------------------------


def test_the_snapshot_call_values_lots_by_class_and_uses_the_ips_horizon() -> None:
    accounts = (
        AccountInfo(1, "Joint taxable", "taxable", cash=D("1000"), cash_reserve=D("500")),
        AccountInfo(2, "Jane's IRA", "traditional_ira", cash=D("0")),
    )
    securities = {
        10: SecurityInfo(10, "VTI", "stocks", "us_total", D("250")),
        20: SecurityInfo(20, "BND", "bonds", "us_aggregate", D("72.5")),
    }
    lots = (
        LotInfo(1, 1, 10, D("238"), D("40000"), date(2020, 1, 2)),  # 238 * 250 = 59,500
        LotInfo(2, 2, 20, D("400"), D("28000"), date(2021, 1, 4)),  # 400 * 72.5 = 29,000
        LotInfo(3, 2, 10, D("44"), D("9000"), date(2022, 1, 3)),  # 44 * 250 = 11,000
    )
    snapshot = HouseholdSnapshot(
        1, date(2026, 1, 15), accounts, securities, lots, ASSUMPTIONS, tax=TAX
    )
    values, current = household_location_inputs(snapshot)
    # taxable: 59,500 + (1,000 - 500 reserve) = 60,000; IRA: 29,000 + 11,000 = 40,000
    assert values == {1: D("60000.00"), 2: D("40000.00")}
    assert current == {
        (1, "stocks"): D("59500.00"),
        (1, "cash"): D("500.00"),
        (2, "bonds"): D("29000.00"),
        (2, "stocks"): D("11000.00"),
    }
    policy = PolicyTargets(targets=SIXTY_FORTY, horizon_years=20)
    plan = plan_asset_location_for(snapshot, policy)
    assert plan.horizon_years == 20
    assert plan.objective == D("285236.28")  # the hand-checked household again
    # sold: the $500 of free cash (not a target class) and the IRA's $11,000 of stocks
    assert plan.dollars_moved == D("11500.00")
    short = plan_asset_location_for(snapshot, PolicyTargets(targets=SIXTY_FORTY, horizon_years=5))
    assert short.horizon_years == 5


# --- properties ----------------------------------------------------------------------------

TYPES = sorted(ACCOUNT_TAX_TREATMENT)
ZERO = D(0)


def factor(kind: str, assumptions: AssetClassAssumptions, tax: TaxProfile, horizon: int) -> float:
    """docs/DOMAIN.md's terminal factor, written out again for the tests."""
    mu, y, q = (
        float(v)
        for v in (
            assumptions.expected_return,
            assumptions.income_yield,
            assumptions.qualified_ratio,
        )
    )
    t_ord, t_ltcg, t_ret = float(tax.t_ord), float(tax.t_ltcg), float(tax.t_ret)
    drag = y * (q * t_ltcg + (1 - q) * t_ord) * (0 if assumptions.tax_exempt else 1)
    drag += float(assumptions.turnover) * max(0.0, mu - y) * t_ltcg
    treatment = ACCOUNT_TAX_TREATMENT[kind]
    if treatment is TaxTreatment.TAXABLE:
        return float((1 + mu - drag) ** horizon)
    if treatment is TaxTreatment.TRADITIONAL:
        return float((1 + mu) ** horizon * (1 - t_ret))
    return float((1 + mu) ** horizon)


@dataclass(frozen=True)
class Household:
    accounts: tuple[AccountInfo, ...]
    values: Mapping[int, Decimal]
    targets: Mapping[str, Decimal]
    assumptions: Mapping[str, AssetClassAssumptions]
    tax: TaxProfile
    horizon: int
    current: Mapping[tuple[int, str], Decimal] | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.values.values(), D(0))


@st.composite
def households(draw: st.DrawFn, *, menus: bool = False) -> Household:
    classes = [f"c{k}" for k in range(draw(st.integers(1, 4)))]
    assumptions = {}
    for code in classes:
        mu = draw(st.integers(0, 1000))  # basis points
        assumptions[code] = AssetClassAssumptions(
            code,
            D(mu).scaleb(-4),
            D("0.1"),
            D(draw(st.integers(0, mu))).scaleb(-4),
            D(draw(st.integers(0, 100))).scaleb(-2),
            D(draw(st.integers(0, 50))).scaleb(-2),
            draw(st.booleans()),
        )
    raw = [draw(st.integers(0, 100)) for _ in classes]
    raw[0] += 1
    basis_points = [r * 10_000 // sum(raw) for r in raw]
    basis_points[0] += 10_000 - sum(basis_points)
    accounts = []
    for i in range(draw(st.integers(1, 4))):
        menu = frozenset(draw(st.sets(st.sampled_from(classes)))) if menus else frozenset()
        accounts.append(
            AccountInfo(i, f"A{i}", draw(st.sampled_from(TYPES)), D(0), allowed_classes=menu)
        )
    rates = [D(draw(st.integers(0, 50))).scaleb(-2) for _ in range(3)]
    return Household(
        accounts=tuple(accounts),
        # Whole hundreds of dollars: every target w_k * V is then a whole number of cents.
        values={a.id: D(draw(st.integers(0, 10_000)) * 100) for a in accounts},
        targets={code: D(bp).scaleb(-4) for code, bp in zip(classes, basis_points, strict=True)},
        assumptions=assumptions,
        tax=TaxProfile(t_ord=rates[0], t_ltcg=rates[1], t_ret=rates[2]),
        horizon=draw(st.integers(1, 40)),
    )


def solve(
    household: Household,
    basis: LocationBasis = LocationBasis.PRE_TAX,
    churn_penalty_bp: Decimal = ZERO,
) -> LocationPlan:
    return plan_asset_location(
        household.accounts,
        household.values,
        household.targets,
        household.assumptions,
        household.tax,
        LocationOptions(
            horizon_years=household.horizon, basis=basis, churn_penalty_bp=churn_penalty_bp
        ),
        household.current,
    )


def matrices(household: Household, plan: LocationPlan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Terminal factors, menus and the plan's dollars as accounts-by-classes arrays."""
    classes = list(household.targets)
    factors = np.array(
        [
            [
                factor(a.account_type, household.assumptions[k], household.tax, household.horizon)
                for k in classes
            ]
            for a in household.accounts
        ]
    )
    allowed = np.array([[a.allows(k) for k in classes] for a in household.accounts])
    placed = np.array([[float(plan.amount(a.id, k)) for k in classes] for a in household.accounts])
    return factors, allowed, placed


def _account_totals(plan: LocationPlan) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for p in plan.placements:
        totals[p.account_id] = totals.get(p.account_id, D(0)) + p.amount
    return totals


def hall_shortfalls(household: Household) -> list[tuple[frozenset[str], Decimal]]:
    """Every group of classes that needs more than the accounts offering any of it hold."""
    accounts, values, targets, total = (
        household.accounts,
        household.values,
        household.targets,
        household.total,
    )
    short = []
    for size in range(1, len(targets) + 1):
        for group in combinations(targets, size):
            need = sum((targets[k] * total for k in group), D(0))
            room = sum((values[a.id] for a in accounts if any(a.allows(k) for k in group)), D(0))
            if need > room:
                short.append((frozenset(group), need - room))
    return short


def independent_optimum(factors: np.ndarray, allowed: np.ndarray, household: Household) -> float:
    """The same transportation problem, written densely and solved on its own."""
    accounts, values, targets = household.accounts, household.values, household.targets
    rows, columns = factors.shape
    supply = [float(values[a.id]) for a in accounts]
    demand = [float(w) * sum(supply) for w in targets.values()]
    a_eq = np.zeros((rows + columns, rows * columns))
    for r in range(rows):
        for c in range(columns):
            a_eq[r, r * columns + c] = 1
            a_eq[rows + c, r * columns + c] = 1
    bounds = [(0, None if allowed[r, c] else 0) for r in range(rows) for c in range(columns)]
    result = linprog(
        -factors.ravel(), A_eq=a_eq, b_eq=supply + demand, bounds=bounds, method="highs"
    )
    assert result.status == 0
    assert result.fun is not None
    return -float(result.fun)


def assert_no_improving_swap(factors: np.ndarray, allowed: np.ndarray, placed: np.ndarray) -> None:
    """No two accounts can trade a dollar of two classes and end better off."""
    held = placed > 0.10  # ignore cents moved only to make totals add up
    rows, columns = factors.shape
    for a, b in combinations(range(rows), 2):
        for k in range(columns):
            for m in range(columns):
                if k != m and held[a, k] and held[b, m] and allowed[a, m] and allowed[b, k]:
                    gain = factors[a, m] - factors[a, k] + factors[b, k] - factors[b, m]
                    assert gain <= 1e-6, (a, b, k, m, gain)


@settings(max_examples=30, deadline=None)
@given(households())
def test_totals_hold_and_the_plan_is_optimal(household: Household) -> None:
    plan = solve(household)
    assert plan.feasible
    assert _account_totals(plan) == {i: v for i, v in household.values.items() if v}
    # whole cents, exactly (values are whole hundreds of dollars, weights whole basis points)
    assert plan.class_totals == {k: w * household.total for k, w in household.targets.items()}
    factors, allowed, placed = matrices(household, plan)
    tolerance = 0.01 * factors.size * max(1.0, factors.max())  # rounding to cents
    assert float(plan.objective) >= float(plan.baseline_objective) - tolerance
    optimum = independent_optimum(factors, allowed, household)
    assert abs(float(plan.objective) - optimum) <= tolerance
    assert_no_improving_swap(factors, allowed, placed)


@settings(max_examples=30, deadline=None)
@given(households(menus=True))
def test_menus_are_respected_or_the_shortfall_is_named(household: Household) -> None:
    plan = solve(household)
    shortfalls = dict(hall_shortfalls(household))
    assert plan.feasible == (not shortfalls)
    factors, allowed, placed = matrices(household, plan)
    if not plan.feasible:
        assert plan.placements == ()
        assert plan.binding
        for reason in plan.binding:
            if reason.asset_class is not None:
                assert shortfalls[frozenset([reason.asset_class])] == reason.amount
        return
    assert not placed[~allowed].any()
    assert _account_totals(plan) == {i: v for i, v in household.values.items() if v}
    tolerance = 0.01 * factors.size * max(1.0, factors.max())
    optimum = independent_optimum(factors, allowed, household)
    assert abs(float(plan.objective) - optimum) <= tolerance
    assert_no_improving_swap(factors, allowed, placed)
    assert all(b.amount > 0 for b in plan.binding if b.kind == "menu")


@settings(max_examples=20, deadline=None)
@given(households())
def test_after_tax_basis_keeps_after_tax_targets(household: Household) -> None:
    plan = solve(household, basis=LocationBasis.AFTER_TAX)
    traditional = TaxTreatment.TRADITIONAL
    keep = {
        a.id: 1 - household.tax.t_ret if a.tax_treatment is traditional else D(1)
        for a in household.accounts
    }
    assert _account_totals(plan) == {i: v for i, v in household.values.items() if v}
    after_tax_total = sum((v * keep[i] for i, v in household.values.items()), D(0))
    for code, weight in household.targets.items():
        held = sum(
            (p.amount * keep[p.account_id] for p in plan.placements if p.asset_class == code), D(0)
        )
        assert abs(held - weight * after_tax_total) <= D("0.01") * len(household.accounts)
    factors, allowed, placed = matrices(household, plan)
    scale = np.array([float(keep[a.id]) for a in household.accounts])
    # Per after-tax dollar: no swap between two accounts may pay.
    assert_no_improving_swap(factors / scale[:, None], allowed, placed)


@settings(max_examples=20, deadline=None)
@given(households(), st.integers(1, 50), st.randoms(use_true_random=False))
def test_a_churn_penalty_only_ever_moves_less(
    household: Household, penalty_bp: int, random: Random
) -> None:
    classes = list(household.targets)
    current = {}
    for account_id, value in household.values.items():
        # the account's value spread over the classes in random whole hundreds
        left = value
        for code in classes[:-1]:
            part = D(random.randint(0, int(left) // 100) * 100)
            current[(account_id, code)] = part
            left -= part
        current[(account_id, classes[-1])] = left
    household = replace(household, current=current)
    free = solve(household, churn_penalty_bp=D(0))
    held_back = solve(household, churn_penalty_bp=D(penalty_bp))
    assert held_back.dollars_moved is not None
    assert free.dollars_moved is not None
    # cents of rounding, and the solver's tolerance divided by a small penalty
    slack = D(1) + household.total * D("0.000001")
    assert held_back.dollars_moved <= free.dollars_moved + slack
    factors = matrices(household, free)[0]
    assert held_back.objective <= free.objective + D(0.01 * factors.size * max(1.0, factors.max()))


@st.composite
def fractional_placements(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int], list[int]]:
    """A whole-cent placement blurred along random cycles: the totals stay whole, cells do not."""
    rows, columns = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    allowed = np.array(
        [[draw(st.booleans()) or c == r % columns for c in range(columns)] for r in range(rows)]
    )
    whole = np.where(
        allowed,
        np.array(
            draw(st.lists(st.integers(0, 50), min_size=rows * columns, max_size=rows * columns))
        ).reshape(rows, columns),
        0,
    )
    blurred = whole.astype(float)
    for _ in range(draw(st.integers(0, 6))):
        a, b = draw(st.integers(0, rows - 1)), draw(st.integers(0, rows - 1))
        k, m = draw(st.integers(0, columns - 1)), draw(st.integers(0, columns - 1))
        if a == b or k == m or not (allowed[a, m] and allowed[b, k]):
            continue
        shift = min(blurred[a, k], blurred[b, m]) * draw(st.floats(0, 1))
        blurred[a, k] -= shift
        blurred[b, m] -= shift
        blurred[a, m] += shift
        blurred[b, k] += shift
    return (
        blurred,
        allowed,
        [int(v) for v in whole.sum(axis=1)],
        [int(v) for v in whole.sum(axis=0)],
    )


@settings(max_examples=60, deadline=None)
@given(fractional_placements())
def test_rounding_to_cents_keeps_every_total(
    case: tuple[np.ndarray, np.ndarray, list[int], list[int]],
) -> None:
    blurred, allowed, row_totals, column_totals = case
    rounded = round_matrix_to_cents(blurred, allowed, row_totals, column_totals)
    assert rounded is not None
    assert rounded.sum(axis=1).tolist() == row_totals
    assert rounded.sum(axis=0).tolist() == column_totals
    assert (rounded >= 0).all()
    assert not rounded[~allowed].any()
    assert np.abs(rounded - blurred).max() < 2


def test_rounding_reports_totals_no_placement_can_meet() -> None:
    # One account offering one class cannot hold 2 cents of another.
    allowed = np.array([[True, False]])
    assert round_matrix_to_cents(np.array([[1.0, 0.0]]), allowed, [3], [1, 2]) is None


def test_largest_remainder_hands_out_the_missing_cents_by_size() -> None:
    # 33.3 + 33.3 + 33.4 cents = 100: floors 33 + 33 + 33 = 99, the extra cent to the 0.4.
    assert largest_remainder([D("33.3"), D("33.3"), D("33.4")], 100) == [33, 33, 34]
    # Ties go to the earlier amount: 50.5 and 50.5 with 101 to share.
    assert largest_remainder([D("50.5"), D("50.5")], 101) == [51, 50]


def test_rounding_follows_a_path_when_largest_remainders_get_stuck() -> None:
    # Floors leave rows short by [2, 1, 1, 2] cents and columns by [3, 2, 0, 0, 1]. Rounding
    # up by largest remainder (0.936, 0.885, 0.763, 0.69, 0.662; the rest are blocked) leaves
    # row 2 a cent short and only column 5 wanting one, which row 2 does not offer. The cent
    # goes in at (row 2, column 1), out at (row 1, column 1) and in at (row 1, column 5).
    allowed = np.array(
        [[1, 1, 1, 0, 1], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0, 1, 1]], dtype=bool
    )
    blurred = np.array(
        [
            [19.662, 22.763, 46, 0, 20.575],
            [0.517, 6.483, 0, 0, 0],
            [14.936, 13.064, 2, 16, 18],
            [38.885, 28.69, 0, 5, 17.425],
        ]
    )
    rounded = round_matrix_to_cents(blurred, allowed, [109, 7, 64, 90], [74, 71, 48, 21, 56])
    assert rounded is not None
    assert rounded.tolist() == [
        [19, 23, 46, 0, 21],
        [1, 6, 0, 0, 0],
        [15, 13, 2, 16, 18],
        [39, 29, 0, 5, 17],
    ]

"""Household asset location: which account should hold each asset class.

docs/DOMAIN.md "Asset location". With the household allocation held at the IPS
targets, choose dollars ``x[a, k] >= 0`` of class k in account a to maximise
the after-tax value at the horizon H:

    d_k               = y_k*(q_k*t_ltcg + (1 - q_k)*t_ord)*(1 - tax_exempt_k)
                        + rho_k*max(0, mu_k - y_k)*t_ltcg      (yearly drag, taxable)
    F[TAXABLE, k]     = (1 + mu_k - d_k)^H
    F[TRADITIONAL, k] = (1 + mu_k)^H * (1 - t_ret)
    F[ROTH, k] = F[HSA, k] = (1 + mu_k)^H

    maximise sum F*x  subject to  sum_k x[a, k] = V_a,  sum_a x[a, k] = w_k*V,
                                  x[a, k] = 0 where a's menu does not offer k.

It is a transportation problem, solved exactly by HiGHS (``scipy.optimize``).
The pro-rata baseline holds the same mix everywhere, ``x0[a, k] = w_k*V_a``,
whether or not a menu offers the class (docs/DOMAIN.md's definition; with menus the
baseline may be unattainable and the uplift negative). The uplift is
``10000*((sum F*x / sum F*x0)^(1/H) - 1)`` basis points a year.

Options beyond docs/DOMAIN.md:
- ``basis="after_tax"`` (Reichenstein): a traditional dollar counts as
  ``1 - t_ret`` dollars when the household allocation is measured, so a $500k
  401(k) of stocks and a $375k Roth of bonds at t_ret = 25% is 50/50. The
  program is solved in after-tax dollars (supplies ``(1 - t_ret)*V_a``, class
  targets ``w_k`` times their sum) and placements are reported in each
  account's own (pre-tax) dollars. The terminal value is the same either way.
- a churn penalty: given the current placement, each dollar moved costs
  ``churn_penalty_bp`` basis points of the terminal value of an average
  household dollar (baseline objective / V), so money is not moved for a tiny
  gain. It enters the program as ``penalty/2 * |x - current|`` (a dollar moved
  leaves one cell and enters another), written with split variables so the
  program stays a network flow. The reported objective never includes it.

Money is rounded to cents so that every account total and (on the pre-tax
basis) every class total holds exactly; on the after-tax basis the class
targets are after-tax amounts, met to within a cent per account.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from advisory.engine.location.program import (
    WEIGHT_PLACES,
    LinearProgram,
    LocationBasis,
    LocationOptions,
    LocationProblem,
    baseline_value,
    build_program,
    prepare_problem,
    round_placement,
)
from advisory.engine.location.report import (
    BindingConstraint,
    ClassExplanation,
    churn_left_gain,
    explain_classes,
    explain_shortfall,
    find_binding_menus,
    money,
)
from advisory.engine.money import CENT
from advisory.engine.solver_output import solver_output_captured
from advisory.engine.types import (
    CASH_CLASS,
    AccountInfo,
    AssetClassAssumptions,
    HouseholdSnapshot,
    PolicyTargets,
    TaxProfile,
    TaxTreatment,
)

# A menu that costs less than a cent per $1,000 at the horizon is not worth a line.
_SMALLEST_MENU_GAIN = Decimal("0.00001")


@dataclass(frozen=True)
class Placement:
    account_id: int
    asset_class: str
    amount: Decimal  # dollars, in the account's own (pre-tax) dollars


@dataclass(frozen=True)
class LocationPlan:
    """The asset-location plan, or why none fits (``feasible`` False, ``binding`` says why).

    Objectives are after-tax dollars at the horizon; ``uplift_bp`` is basis
    points a year over the pro-rata baseline. ``dollars_moved`` is what must be
    sold from the current placement (None when no current placement was given).
    """

    feasible: bool
    basis: LocationBasis
    horizon_years: int
    placements: tuple[Placement, ...]
    account_weights: Mapping[int, Mapping[str, Decimal]]
    class_totals: Mapping[str, Decimal]
    pre_tax_weights: Mapping[str, Decimal]
    after_tax_weights: Mapping[str, Decimal]
    objective: Decimal
    baseline_objective: Decimal
    uplift_dollars: Decimal
    uplift_bp: Decimal
    dollars_moved: Decimal | None
    binding: tuple[BindingConstraint, ...]
    explanations: tuple[ClassExplanation, ...]
    summary: str

    def amount(self, account_id: int, asset_class: str) -> Decimal:
        """Dollars of ``asset_class`` the plan puts in the account (0 when none)."""
        for placement in self.placements:
            if placement.account_id == account_id and placement.asset_class == asset_class:
                return placement.amount
        return Decimal("0.00")


def household_location_inputs(
    snapshot: HouseholdSnapshot,
) -> tuple[dict[int, Decimal], dict[tuple[int, str], Decimal]]:
    """Each account's value to place and its current placement by class, in dollars.

    The value is lots at their prices plus cash less the cash reserve (never
    below zero); free cash is held in the cash class.
    """
    held: dict[tuple[int, str], Decimal] = {}
    invested: dict[int, Decimal] = {}
    for lot in snapshot.lots:
        security = snapshot.securities[lot.security_id]
        value = lot.quantity * security.price
        key = (lot.account_id, security.asset_class)
        held[key] = held.get(key, Decimal(0)) + value
        invested[lot.account_id] = invested.get(lot.account_id, Decimal(0)) + value
    values: dict[int, Decimal] = {}
    for account in snapshot.accounts:
        free_cash = account.cash - account.cash_reserve
        if free_cash > 0:
            key = (account.id, CASH_CLASS)
            held[key] = held.get(key, Decimal(0)) + free_cash
        total = invested.get(account.id, Decimal(0)) + free_cash
        values[account.id] = max(Decimal(0), total).quantize(CENT)
    return values, {key: amount.quantize(CENT) for key, amount in held.items()}


def plan_asset_location_for(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    options: LocationOptions | None = None,
    *,
    timings: MutableMapping[str, float] | None = None,
) -> LocationPlan:
    """Plan asset location for a household snapshot under its active IPS.

    The horizon defaults to the IPS's; the current placement (lots by class,
    free cash as cash) feeds the churn penalty. See ``plan_asset_location``.
    """
    options = options or LocationOptions()
    if options.horizon_years is None:
        options = replace(options, horizon_years=policy.horizon_years)
    values, current = household_location_inputs(snapshot)
    return plan_asset_location(
        snapshot.accounts,
        values,
        policy.targets,
        snapshot.asset_classes,
        snapshot.tax,
        options,
        current,
        timings=timings,
    )


def plan_asset_location(
    accounts: Sequence[AccountInfo],
    account_values: Mapping[int, Decimal],
    targets: Mapping[str, Decimal],
    assumptions: Mapping[str, AssetClassAssumptions],
    tax: TaxProfile,
    options: LocationOptions | None = None,
    current: Mapping[tuple[int, str], Decimal] | None = None,
    *,
    timings: MutableMapping[str, float] | None = None,
) -> LocationPlan:
    """Place the household's classes in its accounts to maximise after-tax value at the horizon.

    ``account_values``: dollars to place per account id (value incl. cash, less
    the cash reserve). ``targets``: IPS weights by class code, summing to 1.
    ``current``: dollars held now by (account id, class), for the churn penalty.
    Rates are the household's t_ord, t_ltcg, t_ret (fractions); classes grow
    and are taxed as in docs/DOMAIN.md. An infeasible household (menus leave a class
    without room) gives ``feasible=False`` and the reason, never an exception;
    ValueError means the call itself is wrong (weights not summing to 1, a class
    without assumptions, a negative value). ``timings["solve"]`` receives the
    seconds spent in the solver.
    """
    household = prepare_problem(
        accounts, account_values, targets, assumptions, tax, options or LocationOptions(), current
    )
    if sum(household.values) == 0:
        return _plan_without_money(household)
    program = build_program(household)
    started = time.perf_counter()
    # scipy-stubs leave out the sparse constraints and array bounds linprog accepts.
    with solver_output_captured():  # with disp off, HiGHS's lines never reach stdout
        result = linprog(  # type: ignore[call-overload]
            program.objective,
            A_eq=program.constraints,
            b_eq=program.totals,
            bounds=program.bounds,
            method="highs",
            options={"disp": False},
        )
    if timings is not None:
        timings["solve"] = time.perf_counter() - started
    if result.status != 0 or result.x is None:
        return _infeasible_plan(household, solver_failed=result.status != 2)
    placed = program.placed_shares(np.asarray(result.x, dtype=np.float64))
    cents = round_placement(household, program, placed)
    if cents is None:
        return _infeasible_plan(household, solver_failed=False)
    return _feasible_plan(household, program, placed, cents)


# --- the answer ----------------------------------------------------------------------------


def _feasible_plan(
    household: LocationProblem,
    program: LinearProgram,
    placed: NDArray[np.float64],
    cents: NDArray[np.int64],
) -> LocationPlan:
    objective = _dollars(float(np.sum(household.factors * cents)) / 100)
    baseline = _dollars(baseline_value(household))
    binding, menu_limited = _binding(household, program, placed)
    uplift_bp = _uplift_bp(objective, baseline, household.horizon)
    class_totals, pre_tax_weights, after_tax_weights = _class_figures(household, cents)
    return LocationPlan(
        feasible=True,
        basis=household.options.basis,
        horizon_years=household.horizon,
        placements=_placements(household, cents),
        account_weights=_account_weights(household, cents),
        class_totals=class_totals,
        pre_tax_weights=pre_tax_weights,
        after_tax_weights=after_tax_weights,
        objective=objective,
        baseline_objective=baseline,
        uplift_dollars=objective - baseline,
        uplift_bp=uplift_bp,
        dollars_moved=_dollars_moved(household, cents),
        binding=binding,
        explanations=explain_classes(
            household.accounts,
            household.classes,
            cents,
            household.assumptions,
            household.drags,
            household.tax,
            household.labels,
            menu_limited,
            after_tax_basis=household.options.basis is LocationBasis.AFTER_TAX,
        ),
        summary=_summary(objective - baseline, uplift_bp, household.horizon),
    )


def _dollars(amount: float) -> Decimal:
    return Decimal(repr(amount)).quantize(CENT)


def _uplift_bp(objective: Decimal, baseline: Decimal, horizon: int) -> Decimal:
    if baseline <= 0 or objective <= 0:
        return Decimal("0.00")
    yearly = (float(objective) / float(baseline)) ** (1 / horizon) - 1
    return Decimal(repr(10_000 * yearly)).quantize(CENT)


def _placements(household: LocationProblem, cents: NDArray[np.int64]) -> tuple[Placement, ...]:
    return tuple(
        Placement(
            account_id=household.accounts[row].id,
            asset_class=household.classes[column],
            amount=Decimal(int(cents[row, column])).scaleb(-2),
        )
        for row, column in zip(*np.nonzero(cents), strict=True)
    )


def _account_weights(
    household: LocationProblem, cents: NDArray[np.int64]
) -> dict[int, dict[str, Decimal]]:
    weights: dict[int, dict[str, Decimal]] = {}
    for row, account in enumerate(household.accounts):
        total = int(cents[row].sum())
        weights[account.id] = {
            household.classes[column]: (Decimal(int(cents[row, column])) / total).quantize(
                WEIGHT_PLACES
            )
            for column in np.flatnonzero(cents[row])
        }
    return weights


def _class_figures(
    household: LocationProblem, cents: NDArray[np.int64]
) -> tuple[dict[str, Decimal], dict[str, Decimal], dict[str, Decimal]]:
    """Class totals in dollars, and the household weights on both bases."""
    traditional = np.array(
        [a.tax_treatment is TaxTreatment.TRADITIONAL for a in household.accounts], dtype=np.bool_
    )
    kept_share = 1 - household.tax.t_ret  # what a traditional dollar is worth after tax
    pre_tax_cents = cents.sum(axis=0)
    traditional_cents = cents[traditional].sum(axis=0)
    after_tax_amounts = [
        (Decimal(int(total - deferred)) + Decimal(int(deferred)) * kept_share).scaleb(-2)
        for total, deferred in zip(pre_tax_cents, traditional_cents, strict=True)
    ]
    pre_tax_total = sum(household.values, Decimal(0))
    after_tax_total = sum(after_tax_amounts, Decimal(0))
    totals: dict[str, Decimal] = {}
    pre_tax: dict[str, Decimal] = {}
    after_tax: dict[str, Decimal] = {}
    for column, code in enumerate(household.classes):
        totals[code] = Decimal(int(pre_tax_cents[column])).scaleb(-2)
        pre_tax[code] = (totals[code] / pre_tax_total).quantize(WEIGHT_PLACES)
        after_tax[code] = (
            (after_tax_amounts[column] / after_tax_total).quantize(WEIGHT_PLACES)
            if after_tax_total
            else Decimal(0)
        )
    return totals, pre_tax, after_tax


def _dollars_moved(household: LocationProblem, cents: NDArray[np.int64]) -> Decimal | None:
    """Dollars sold to go from the current placement to the plan."""
    if household.current is None:
        return None
    rows = {account.id: row for row, account in enumerate(household.accounts)}
    columns = {code: column for column, code in enumerate(household.classes)}
    sold = Decimal("0.00")
    for (account_id, code), amount in household.current.items():
        planned = Decimal(0)
        if account_id in rows and code in columns:
            planned = Decimal(int(cents[rows[account_id], columns[code]])).scaleb(-2)
        sold += max(Decimal(0), amount - planned)
    return sold.quantize(CENT)


def _binding(
    household: LocationProblem, program: LinearProgram, placed: NDArray[np.float64]
) -> tuple[tuple[BindingConstraint, ...], frozenset[tuple[int, int]]]:
    """Menus that cost money, and whether the churn penalty held back a gain."""
    values = np.array([v > 0 for v in household.values])
    weights = np.array([w > 0 for w in household.weights])
    candidates = ~household.allowed & values[:, None] & weights[None, :]
    menus = find_binding_menus(
        program.gain, household.allowed, placed, program.current, program.penalty, candidates
    )
    binding = []
    menu_limited = set()
    for row, column, gain in menus:
        account = household.accounts[row]
        per_dollar = Decimal(repr(gain * float(household.basis_scale[row]))).quantize(WEIGHT_PLACES)
        if per_dollar < _SMALLEST_MENU_GAIN:
            continue
        binding.append(
            BindingConstraint(
                kind="menu",
                message=(
                    f"{account.name} does not offer {household.labels[household.classes[column]]}:"
                    f" offering it would add about {money(per_dollar * 1000)} after tax by year"
                    f" {household.horizon} for each $1,000 placed there."
                ),
                amount=per_dollar,
                account_id=account.id,
                asset_class=household.classes[column],
            )
        )
        menu_limited.add((row, column))
    if program.penalty.any() and churn_left_gain(program.gain, household.allowed, placed):
        bp = household.options.churn_penalty_bp
        binding.append(
            BindingConstraint(
                kind="churn",
                message=(
                    f"Some money stays where it is: moving it would gain less than the churn"
                    f" penalty of {bp} basis points of terminal value per dollar moved."
                ),
                amount=bp,
            )
        )
    return tuple(binding), frozenset(menu_limited)


def _summary(uplift: Decimal, uplift_bp: Decimal, horizon: int) -> str:
    if uplift == 0:
        return "This placement is worth the same after tax as the same mix in every account."
    if uplift > 0:
        return (
            f"This placement leaves the household {money(uplift)} better off after tax in"
            f" {horizon} years than the same mix in every account: {uplift_bp} basis points a year."
        )
    return (
        f"The account menus keep this placement {money(-uplift)} behind the same mix in every"
        f" account after {horizon} years ({uplift_bp} basis points a year), a mix the menus do"
        " not allow."
    )


def _plan_without_money(household: LocationProblem) -> LocationPlan:
    return _empty_plan(household, feasible=True, binding=(), summary="There is nothing to place.")


def _infeasible_plan(household: LocationProblem, *, solver_failed: bool) -> LocationPlan:
    if solver_failed:
        binding: tuple[BindingConstraint, ...] = (
            BindingConstraint(
                kind="solver", message="The optimiser could not solve this household."
            ),
        )
    else:
        supply = household.basis_values
        total = sum(supply, Decimal(0))
        binding = explain_shortfall(
            household.accounts,
            household.classes,
            supply,
            [w * total for w in household.weights],
            household.allowed,
            household.labels,
            " after tax" if household.options.basis is LocationBasis.AFTER_TAX else "",
        )
    return _empty_plan(
        household,
        feasible=False,
        binding=binding,
        summary="No placement fits: " + binding[0].message,
    )


def _empty_plan(
    household: LocationProblem,
    *,
    feasible: bool,
    binding: tuple[BindingConstraint, ...],
    summary: str,
) -> LocationPlan:
    zero = Decimal("0.00")
    baseline = _dollars(baseline_value(household)) if sum(household.values) else zero
    return LocationPlan(
        feasible=feasible,
        basis=household.options.basis,
        horizon_years=household.horizon,
        placements=(),
        account_weights={},
        class_totals=dict.fromkeys(household.classes, zero) if feasible else {},
        pre_tax_weights={},
        after_tax_weights={},
        objective=zero,
        baseline_objective=baseline,
        uplift_dollars=zero,
        uplift_bp=zero,
        dollars_moved=_dollars_moved(household, np.zeros(household.allowed.shape, np.int64))
        if feasible
        else None,
        binding=binding,
        explanations=explain_classes(
            household.accounts,
            household.classes,
            None,
            household.assumptions,
            household.drags,
            household.tax,
            household.labels,
        ),
        summary=summary,
    )

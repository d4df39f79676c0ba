"""The asset-location linear program: checked inputs, terminal factors, the program, rounding.

See ``advisory.engine.location`` for the model (docs/DOMAIN.md "Asset location")
and the options; this module turns the inputs into arrays, the arrays into a
HiGHS program, and the solver's floats back into whole cents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from advisory.engine.location.report import class_label
from advisory.engine.location.rounding import (
    largest_remainder,
    round_matrix_to_cents,
    round_rows_to_cents,
)
from advisory.engine.money import CENT
from advisory.engine.types import (
    ACCOUNT_TAX_TREATMENT,
    AccountInfo,
    AssetClassAssumptions,
    TaxProfile,
    TaxTreatment,
)

DEFAULT_HORIZON_YEARS = 20
# Small on purpose: enough to keep the current placement when moving it gains
# next to nothing, far below the tens of basis points location typically adds.
DEFAULT_CHURN_PENALTY_BP = Decimal("5")
WEIGHT_PLACES = Decimal("0.000001")
_TARGET_SUM_TOLERANCE = Decimal("0.000001")


class LocationBasis(StrEnum):
    PRE_TAX = "pre_tax"
    AFTER_TAX = "after_tax"


@dataclass(frozen=True)
class LocationOptions:
    """How to plan: horizon (None: the IPS's, 20 when unset), basis, churn penalty, class names."""

    horizon_years: int | None = None
    basis: LocationBasis = LocationBasis.PRE_TAX
    churn_penalty_bp: Decimal = DEFAULT_CHURN_PENALTY_BP  # per dollar moved; needs ``current``
    class_names: Mapping[str, str] = field(default_factory=dict)  # code -> name for sentences


def taxable_drag(cma: AssetClassAssumptions, tax: TaxProfile) -> Decimal:
    """Yearly fraction of value a class loses to tax in a taxable account (docs/DOMAIN.md d_k)."""
    income_rate = cma.qualified_ratio * tax.t_ltcg + (1 - cma.qualified_ratio) * tax.t_ord
    income_tax = Decimal(0) if cma.tax_exempt else cma.income_yield * income_rate
    realised = cma.turnover * max(Decimal(0), cma.expected_return - cma.income_yield)
    return income_tax + realised * tax.t_ltcg


def terminal_factor(
    treatment: TaxTreatment, cma: AssetClassAssumptions, tax: TaxProfile, horizon_years: int
) -> float:
    """After-tax dollars at the horizon per dollar of the class held in such an account."""
    mu = float(cma.expected_return)
    if treatment is TaxTreatment.TAXABLE:
        return float((1 + mu - float(taxable_drag(cma, tax))) ** horizon_years)
    growth = float((1 + mu) ** horizon_years)
    if treatment is TaxTreatment.TRADITIONAL:
        return growth * (1 - float(tax.t_ret))
    return growth


# --- inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationProblem:
    """One household's checked inputs, with the terminal factors and menus as arrays."""

    accounts: tuple[AccountInfo, ...]
    classes: tuple[str, ...]
    values: tuple[Decimal, ...]  # V_a, dollars to place
    weights: tuple[Decimal, ...]  # w_k
    basis_scale: tuple[Decimal, ...]  # after-tax: 1 - t_ret for traditional accounts, else 1
    factors: NDArray[np.float64]  # F[a, k]
    allowed: NDArray[np.bool_]
    current: Mapping[tuple[int, str], Decimal] | None
    assumptions: Mapping[str, AssetClassAssumptions]
    tax: TaxProfile
    options: LocationOptions
    horizon: int
    labels: Mapping[str, str]
    drags: Mapping[str, Decimal]

    @property
    def basis_values(self) -> list[Decimal]:
        return [value * scale for value, scale in zip(self.values, self.basis_scale, strict=True)]

    def after_tax_scale(self, account: AccountInfo) -> Decimal:
        traditional = account.tax_treatment is TaxTreatment.TRADITIONAL
        return 1 - self.tax.t_ret if traditional else Decimal(1)


def prepare_problem(
    accounts: Sequence[AccountInfo],
    account_values: Mapping[int, Decimal],
    targets: Mapping[str, Decimal],
    assumptions: Mapping[str, AssetClassAssumptions],
    tax: TaxProfile,
    options: LocationOptions,
    current: Mapping[tuple[int, str], Decimal] | None,
) -> LocationProblem:
    _check_inputs(accounts, account_values, targets, assumptions, tax, options)
    horizon = options.horizon_years or DEFAULT_HORIZON_YEARS
    classes = tuple(targets)
    treatments = [account.tax_treatment for account in accounts]
    by_treatment = {
        treatment: [terminal_factor(treatment, assumptions[k], tax, horizon) for k in classes]
        for treatment in set(treatments)
    }
    after_tax = options.basis is LocationBasis.AFTER_TAX
    scale = [
        1 - tax.t_ret if after_tax and treatment is TaxTreatment.TRADITIONAL else Decimal(1)
        for treatment in treatments
    ]
    return LocationProblem(
        accounts=tuple(accounts),
        classes=classes,
        values=tuple(account_values[a.id].quantize(CENT) for a in accounts),
        weights=tuple(targets[k] for k in classes),
        basis_scale=tuple(scale),
        factors=np.array([by_treatment[t] for t in treatments], dtype=np.float64).reshape(
            len(accounts), len(classes)
        ),
        allowed=np.array(
            [[a.allows(k) for k in classes] for a in accounts], dtype=np.bool_
        ).reshape(len(accounts), len(classes)),
        current=current,
        assumptions=assumptions,
        tax=tax,
        options=options,
        horizon=horizon,
        labels={k: class_label(k, options.class_names) for k in classes},
        drags={k: taxable_drag(assumptions[k], tax).quantize(WEIGHT_PLACES) for k in classes},
    )


def _check_inputs(
    accounts: Sequence[AccountInfo],
    account_values: Mapping[int, Decimal],
    targets: Mapping[str, Decimal],
    assumptions: Mapping[str, AssetClassAssumptions],
    tax: TaxProfile,
    options: LocationOptions,
) -> None:
    """Raise ValueError for a call no household could cause (the caller's mistake)."""
    problems = []
    if not targets or abs(sum(targets.values(), Decimal(0)) - 1) > _TARGET_SUM_TOLERANCE:
        problems.append("target weights must sum to 1")
    problems += [f"negative target for {k}" for k, w in targets.items() if w < 0]
    problems += [f"no assumptions for class {k}" for k in targets if k not in assumptions]
    if len({a.id for a in accounts}) != len(accounts):
        problems.append("account ids repeat")
    for account in accounts:
        if account.id not in account_values or account_values[account.id] < 0:
            problems.append(f"account {account.id} needs a value of at least 0")
        if account.account_type not in ACCOUNT_TAX_TREATMENT:
            problems.append(f"unknown account type {account.account_type}")
    for name in ("t_ord", "t_ltcg", "t_ret"):
        if not Decimal(0) <= getattr(tax, name) < 1:
            problems.append(f"{name} must be at least 0 and below 1")
    if options.horizon_years is not None and options.horizon_years < 1:
        problems.append("horizon_years must be at least 1")
    if options.churn_penalty_bp < 0:
        problems.append("churn_penalty_bp must not be negative")
    if problems:
        raise ValueError("; ".join(problems))


# --- the linear program --------------------------------------------------------------------


@dataclass(frozen=True)
class LinearProgram:
    """The program in shares of the household's basis value (HiGHS minimises: gains negated)."""

    rows: NDArray[np.intp]  # account of each placement variable
    columns: NDArray[np.intp]  # class of each placement variable
    kept: NDArray[np.intp]  # variables that keep current money in place (index into rows/columns)
    objective: NDArray[np.float64]
    constraints: sparse.csr_array
    totals: NDArray[np.float64]
    bounds: NDArray[np.float64]
    gain: NDArray[np.float64]  # terminal dollars per basis dollar, F[a, k] / scale_a
    penalty: NDArray[np.float64]  # per account, terminal dollars per basis dollar of |x - current|
    current: NDArray[np.float64]  # current placement, shares of the basis value
    basis_total: float
    scale: NDArray[np.float64]

    def placed_shares(self, solution: NDArray[np.float64]) -> NDArray[np.float64]:
        placed = np.zeros(self.gain.shape)
        count = len(self.rows)
        np.add.at(placed, (self.rows, self.columns), solution[:count])
        kept = solution[count:]
        np.add.at(placed, (self.rows[self.kept], self.columns[self.kept]), kept)
        return placed


def build_program(household: LocationProblem) -> LinearProgram:
    accounts_count, classes_count = household.factors.shape
    scale = np.array([float(s) for s in household.basis_scale])
    basis_values = np.array([float(v) for v in household.basis_values])
    basis_total = float(basis_values.sum())
    weights = np.array([float(w) for w in household.weights])
    gain = household.factors / scale[:, None]
    current = _current_shares(household, scale, basis_total)
    penalty = _penalty(household, scale)
    rows, columns = np.nonzero(household.allowed)
    kept = np.flatnonzero(current[rows, columns] > 0) if penalty.any() else np.zeros(0, np.intp)
    variable_rows = np.concatenate([rows, rows[kept]])
    variable_columns = np.concatenate([columns, columns[kept]])
    coefficients = np.concatenate(
        [
            gain[rows, columns] - penalty[rows],
            gain[rows[kept], columns[kept]] + penalty[rows[kept]],
        ]
    )
    count = len(variable_rows)
    constraints = sparse.csr_array(
        (
            np.ones(2 * count),
            (
                np.concatenate([variable_rows, accounts_count + variable_columns]),
                np.concatenate([np.arange(count), np.arange(count)]),
            ),
        ),
        shape=(accounts_count + classes_count, count),
    )
    upper = np.concatenate([np.full(len(rows), np.inf), current[rows[kept], columns[kept]]])
    return LinearProgram(
        rows=rows,
        columns=columns,
        kept=kept,
        objective=-coefficients,
        constraints=constraints,
        totals=np.concatenate([basis_values / basis_total, weights / weights.sum()]),
        bounds=np.column_stack([np.zeros(count), upper]),
        gain=gain,
        penalty=penalty,
        current=current,
        basis_total=basis_total,
        scale=scale,
    )


def _current_shares(
    household: LocationProblem, scale: NDArray[np.float64], basis_total: float
) -> NDArray[np.float64]:
    current = np.zeros(household.factors.shape)
    if household.current is None:
        return current
    rows = {account.id: row for row, account in enumerate(household.accounts)}
    columns = {code: column for column, code in enumerate(household.classes)}
    for (account_id, code), amount in household.current.items():
        if account_id in rows and code in columns and amount > 0:
            row = rows[account_id]
            current[row, columns[code]] = float(amount) * scale[row] / basis_total
    return current


def _penalty(household: LocationProblem, scale: NDArray[np.float64]) -> NDArray[np.float64]:
    """Churn cost per basis dollar of |x - current|, per account (zeros without ``current``)."""
    if household.current is None or household.options.churn_penalty_bp == 0:
        return np.zeros(len(household.accounts))
    per_dollar_moved = (
        float(household.options.churn_penalty_bp) / 10_000 * _average_factor(household)
    )
    return per_dollar_moved / 2 / scale


def _average_factor(household: LocationProblem) -> float:
    """Terminal after-tax dollars per dollar under the pro-rata baseline."""
    return baseline_value(household) / float(sum(household.values))


def baseline_value(household: LocationProblem) -> float:
    values = np.array([float(v) for v in household.values])
    weights = np.array([float(w) for w in household.weights])
    return float(values @ household.factors @ weights)


def round_placement(
    household: LocationProblem, program: LinearProgram, placed: NDArray[np.float64]
) -> NDArray[np.int64] | None:
    """Whole cents per account and class that keep the account (and class) totals exact.

    None on the pre-tax basis means the targets cannot be met to the cent. On
    the after-tax basis the class totals are themselves rounded solver output,
    so if they cannot all be met, only the account totals are kept exact.
    """
    cents = placed * program.basis_total / program.scale[:, None] * 100
    total_cents = int(sum(household.values) * 100)
    account_cents = [int(v * 100) for v in household.values]
    if household.options.basis is LocationBasis.PRE_TAX:
        class_amounts = [w * total_cents for w in household.weights]
    else:
        class_amounts = [Decimal(float(c)) for c in cents.sum(axis=0)]
    class_cents = largest_remainder(class_amounts, total_cents)
    rounded = round_matrix_to_cents(cents, household.allowed, account_cents, class_cents)
    if rounded is None and household.options.basis is LocationBasis.AFTER_TAX:
        rounded = round_rows_to_cents(cents, household.allowed, account_cents)
    return rounded

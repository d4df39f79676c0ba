"""How long asset location takes, and how much of it is the solver.

``run`` builds random households (10 accounts x 15 classes and 50 x 30, some
401(k) menus, a current placement so the churn penalty is active) and times the
whole call (snapshot -> inputs -> program -> solve -> rounded, explained plan)
against the bare solver call recorded inside it. The aim is a whole call within
3x the solver.
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from decimal import Decimal

import numpy as np

from advisory.engine.location import plan_asset_location_for
from advisory.engine.types import (
    AccountInfo,
    AssetClassAssumptions,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    SecurityInfo,
    TaxProfile,
)

SIZES = ((10, 15), (50, 30))
AIM_RATIO = 3.0
_ACCOUNT_TYPES = ("taxable", "traditional_ira", "roth_ira", "traditional_401k", "roth_401k", "hsa")


def run(
    output: dict[str, object] | None = None, *, repeats: int = 9, seed: int = 2025
) -> dict[str, object]:
    """Time each size ``repeats`` times; medians (milliseconds) and ratios, added to ``output``."""
    output = {} if output is None else output
    rng = np.random.default_rng(seed)
    for accounts, classes in SIZES:
        snapshot, policy = random_household(rng, accounts, classes)
        plan_asset_location_for(snapshot, policy)  # warm imports and caches
        solver_seconds, whole_seconds = [], []
        feasible = True
        for _ in range(repeats):
            timings: dict[str, float] = {}
            started = time.perf_counter()
            plan = plan_asset_location_for(snapshot, policy, timings=timings)
            whole_seconds.append(time.perf_counter() - started)
            solver_seconds.append(timings["solve"])
            feasible = feasible and plan.feasible
        solver = statistics.median(solver_seconds)
        whole = statistics.median(whole_seconds)
        output[f"location_{accounts}x{classes}"] = {
            "solver_ms": round(solver * 1000, 3),
            "whole_ms": round(whole * 1000, 3),
            "ratio": round(whole / solver, 2),
            "within_aim": whole <= AIM_RATIO * solver,
            "feasible": feasible,
        }
    return output


def random_household(
    rng: np.random.Generator, accounts_count: int, classes_count: int
) -> tuple[HouseholdSnapshot, PolicyTargets]:
    """A household of random accounts, lots and menus that still admits a plan."""
    classes = [f"class_{k}" for k in range(classes_count)]
    assumptions = {code: _random_assumptions(rng, code) for code in classes}
    securities = {
        k: SecurityInfo(k, f"SEC{k}", code, f"group_{k}", Decimal("100"))
        for k, code in enumerate(classes)
    }
    accounts = []
    lots: list[LotInfo] = []
    for row in range(accounts_count):
        account_type = _ACCOUNT_TYPES[row % len(_ACCOUNT_TYPES)]
        menu: frozenset[str] = frozenset()
        if account_type.endswith("401k"):
            # A menu offers most classes; every other account type offers all of them.
            menu = frozenset(code for code in classes if rng.random() < 0.7)
        accounts.append(
            AccountInfo(
                row,
                f"Account {row}",
                account_type,
                Decimal(int(rng.integers(0, 5000))),
                allowed_classes=menu,
            )
        )
        for k in rng.choice(classes_count, size=min(5, classes_count), replace=False):
            quantity = Decimal(int(rng.integers(10, 5000)))
            lots.append(LotInfo(len(lots), row, int(k), quantity, quantity * 90, date(2020, 1, 2)))
    raw = rng.random(classes_count) + 0.1
    basis_points = np.floor(raw / raw.sum() * 10_000).astype(int)
    basis_points[0] += 10_000 - int(basis_points.sum())
    targets = {
        code: Decimal(int(bp)).scaleb(-4) for code, bp in zip(classes, basis_points, strict=True)
    }
    snapshot = HouseholdSnapshot(
        household_id=1,
        as_of=date(2025, 6, 30),
        accounts=tuple(accounts),
        securities=securities,
        lots=tuple(lots),
        asset_classes=assumptions,
        tax=TaxProfile(t_ord=Decimal("0.37"), t_ltcg=Decimal("0.188"), t_ret=Decimal("0.24")),
    )
    return snapshot, PolicyTargets(targets=targets, horizon_years=20)


def _random_assumptions(rng: np.random.Generator, code: str) -> AssetClassAssumptions:
    def fraction(low: float, high: float) -> Decimal:
        return Decimal(str(round(float(rng.uniform(low, high)), 4)))

    expected_return = fraction(0.01, 0.09)
    return AssetClassAssumptions(
        code=code,
        expected_return=expected_return,
        volatility=fraction(0.01, 0.25),
        income_yield=min(expected_return, fraction(0.0, 0.05)),
        qualified_ratio=fraction(0.0, 1.0),
        turnover=fraction(0.0, 0.3),
        tax_exempt=bool(rng.random() < 0.1),
    )


if __name__ == "__main__":
    print(run())

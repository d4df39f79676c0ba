"""Whole shares, fast: the fractional optimum repaired to whole shares, with its gap proven.

Solved as one program, whole shares make every stage (tax, closeness, turnover,
net gain) branch over thousands of integer lots and buys: seconds to minutes, and
time limits hit, with no relation to the household's size. Instead:

1. The relaxation: the whole-share model exactly (caps in whole shares, the room
   whole shares give the targets, the rule-3 binaries, minimum-trade floors) with
   share quantities continuous, solved stage by stage (solve). Any whole-share plan
   is one of its plans, so its least tax is a lower bound on theirs.
2. The repair: every share quantity the relaxation left whole is fixed there; each
   fractional one (an optimal vertex has few: at most one per constraint row)
   becomes an integer within ``WIDTHS[0]`` shares of its floor or ceiling (rounding
   alone often costs tax a nearby plan does not), and the same stages are solved
   on this small integer program under every row of the model: cash and reserves,
   the mode, wash sales, gain budget, restrictions, minimum trades.
3. If the repair has no plan, the fractional trades may move further (``WIDTHS``);
   if none of those neighbourhoods has a plan either, the full
   whole-share program is solved with its time limits (the notes say so).

``share_gap`` then states the proven gap: the repaired plan's tax less the
relaxation's (WholeShareGap). For ``explain``, ``least_tax`` and
``least_shortfall`` answer a whole-share model the same way, with the repair's
value (a plan that exists, so a restriction is named only when lifting it surely
helps) and no fallback (None: not named).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from advisory.engine.money import CENT, ONE, ZERO
from advisory.engine.rebalance import solve as stages
from advisory.engine.rebalance.model import TIME_LIMIT_SECONDS, Model, Vector, slack, solve
from advisory.engine.rebalance.solve import HALF_CENT, Outcome, optimise, solve_problem, tax_stage
from advisory.engine.rebalance.types import RebalanceMode, WholeShareGap

# Shares beyond its floor and ceiling a fractional trade may move, tried in turn: the
# tax-optimal fractional plan leaves many classes at the edge of the room whole shares
# give them, so rounding sometimes needs several trades to move together.
WIDTHS = (0, 2, 10, 50)
INTEGRAL = 1e-6  # a relaxed quantity this close to a whole number is whole
# Dollars of gap (tax, or outside the mode) that are worth one wider repair.
WORTH_WIDENING = 1.0


@dataclass(frozen=True)
class WholeShares:
    outcome: Outcome  # the whole-share plan's
    fractional: Outcome  # the relaxation's: a lower bound at every stage
    width: int | None  # the repair's neighbourhood (WIDTHS); None: the full program


def is_whole(model: Model) -> bool:
    return model.problem.options.whole_shares


def _share_columns(model: Model) -> NDArray[np.int_]:
    """Shares sold per lot and bought per option (the model lays them out side by side)."""
    return np.arange(model.sells.start, model.buys.stop)


def relaxation(model: Model) -> Model:
    """The model with share quantities continuous (minimum-trade floors and binaries kept)."""
    integrality = model.integrality.copy()
    shares = np.r_[model.sells, model.buys, model.positions]
    kinds = integrality[shares]
    integrality[shares] = np.where(kinds == 3, 2, np.where(kinds == 1, 0, kinds))
    return replace(model, integrality=integrality, active=set(model.active), solver_errors=0)


def neighbourhood(model: Model, x: Vector, width: int, active: set[int]) -> Model:
    """The repair: shares fixed where ``x`` is whole, integers near it where it is not."""
    columns = _share_columns(model)
    values = x[columns]
    nearest = np.round(values)
    whole = np.abs(values - nearest) <= INTEGRAL
    cap = model.high[columns]
    low = np.clip(np.where(whole, nearest, np.floor(values) - width), 0.0, cap)
    high = np.clip(np.where(whole, nearest, np.ceil(values) + width), 0.0, cap)
    semi = model.integrality[columns] >= 2  # a minimum trade: 0, or from its floor up
    new_high, new_low, floor = model.high.copy(), model.low.copy(), np.zeros(model.n)
    integrality = model.integrality.copy()
    new_high[columns] = high
    new_low[columns[semi]] = np.maximum(model.low[columns[semi]], low[semi])
    floor[columns[~semi]] = low[~semi]
    integrality[columns[whole & ~semi]] = 0  # fixed: nothing to branch on
    return replace(
        model,
        high=new_high,
        low=new_low,
        floor=floor,
        integrality=integrality,
        active=set(active),
        solver_errors=0,
    )


def _close(outcome: Outcome, fractional: Outcome) -> bool:
    """Within WORTH_WIDENING of the fractional optimum, outside the mode and in tax."""
    further = outcome.violation - fractional.violation
    return further <= WORTH_WIDENING and outcome.tax - fractional.tax <= WORTH_WIDENING


def _repair(model: Model, fractional: Outcome, active: set[int]) -> tuple[Outcome, int] | None:
    """The first neighbourhood with a plan; if that is rounding alone and costs a dollar or
    more, the next one too (it holds the first one's plans, so its plan is no worse)."""
    hold = bool(model.held.size) and not fractional.released_holds
    meets = fractional.violation < HALF_CENT
    found: list[tuple[Outcome, int]] = []
    for width in WIDTHS:
        repair = neighbourhood(model, fractional.solution.x, width, active)
        outcome = optimise(repair, hold=hold, allow_shortfall=not meets)
        model.solver_errors += repair.solver_errors
        if outcome is not None:
            found.append((outcome, width))
            if found[0][1] != WIDTHS[0] or len(found) == 2 or _close(outcome, fractional):
                break
    return min(found, key=lambda f: (round(f[0].violation, 2), f[0].tax), default=None)


def solve_whole_shares(model: Model) -> WholeShares | None:
    """The whole-share plan by relaxation and repair (module notes); None when there is none."""
    relaxed = relaxation(model)
    fractional = solve_problem(relaxed)
    model.solver_errors += relaxed.solver_errors
    if fractional is None:
        return None
    repaired = _repair(model, fractional, relaxed.active)
    if repaired is not None:
        outcome, width = repaired
        outcome = replace(outcome, released_holds=fractional.released_holds)
        return WholeShares(outcome, fractional, width)
    full = solve_problem(model)
    return None if full is None else WholeShares(full, fractional, None)


def _repaired(
    model: Model, x: Vector, active: set[int], least: Callable[[Model], float | None]
) -> float | None:
    for width in WIDTHS:
        found = least(neighbourhood(model, x, width, active))
        if found is not None:
            return found
    return None


def least_tax(model: Model, *, hold: bool) -> float | None:
    """solve.least_tax; for whole shares the repaired least tax (None: no repair found)."""
    if not is_whole(model):
        return stages.least_tax(model, hold=hold)
    relaxed = relaxation(model)
    regions = tax_stage(relaxed, [], relaxed=False, hold=hold)
    if not regions:
        return None
    best = min(regions, key=lambda region: region.solution.objective)
    return _repaired(
        model, best.solution.x, relaxed.active, lambda m: stages.least_tax(m, hold=hold)
    )


def least_shortfall(model: Model, *, hold: bool) -> float | None:
    """solve.least_shortfall; for whole shares the repaired one (None: no repair found)."""
    if not is_whole(model):
        return stages.least_shortfall(model, hold=hold)
    relaxed = relaxation(model)
    closest = solve(relaxed, relaxed.violation, relaxed=True, hold=hold)
    if closest is None:
        return None
    return _repaired(
        model, closest.x, relaxed.active, lambda m: stages.least_shortfall(m, hold=hold)
    )


def _cents(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT)


def share_gap(whole: WholeShares, tax_after: Decimal) -> WholeShareGap:
    """The proven gap of the whole-share plan (``tax_after``: its year's tax) to the fractional."""
    fractional, outcome = whole.fractional, whole.outcome
    further = max(0.0, outcome.violation - fractional.violation)
    shortfall = Decimal(f"{further:.2f}")
    if further > HALF_CENT + slack(fractional.violation):
        return WholeShareGap(None, None, None, shortfall, whole.width)
    # To the cent, as the plan's tax; a bound above the plan means the plan reaches it.
    bound = min(_cents(fractional.tax), tax_after)
    gap = tax_after - bound
    relative = gap / max(abs(bound), ONE)
    return WholeShareGap(bound, gap, relative, ZERO, whole.width)


def gap_notes(gap: WholeShareGap, mode: RebalanceMode) -> list[str]:
    """The gap in the advisor's words, and how the whole-share plan was found."""
    notes = []
    if gap.tax_gap is not None and gap.relative_gap is not None:
        percent = 100 * gap.relative_gap
        notes.append(
            f"Whole shares cost ${gap.tax_gap:,.2f} more than the fractional optimum "
            f"({percent:.2f}%)"
        )
    else:
        goal = "targets" if mode is RebalanceMode.TARGET else "half-bands"
        notes.append(
            f"Whole shares end ${gap.shortfall_gap:,.2f} further outside the {goal} "
            "than the fractional optimum"
        )
    if gap.repair_width is None:
        notes.append(
            "Whole shares: no plan near the fractional optimum (each trade within "
            f"{WIDTHS[-1]} shares of it) keeps every rule, so the full whole-share program "
            f"was solved (up to {TIME_LIMIT_SECONDS:.0f} s a solve)"
        )
    elif gap.repair_width > WIDTHS[0]:
        notes.append(
            "Whole shares: some trades of the fractional optimum move up to "
            f"{gap.repair_width} shares beyond rounding them down or up, to keep every rule "
            "or to cost less"
        )
    return notes

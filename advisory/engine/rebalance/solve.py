"""The lexicographic stages of a rebalance: shortfall, tax, turnover, net gain.

See rebalance.py's module notes for what each stage minimises and why.

Regions
    The tax stage looks for the least tax region by region (rebalance/tax.py).
    The plans that end the year at a net capital loss, ``S + L <= 0``, form a
    convex region where the tax is ``max(t_ord N, -t_ord D)`` (the ordinary-income
    offset); it is tried first. With both rates positive any net gain owes more,
    so a feasible net-loss region settles the stage (and, when the offset is worth
    nothing, is searched for the least turnover directly). Otherwise the three
    net-gain sign cases are solved, the cheapest first by their LP bounds when
    there are integers (whole shares, a minimum trade), a case being skipped once
    its bound cannot beat the best tax found. Tied regions all go on to the
    turnover stage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from advisory.engine.rebalance.model import (
    RANK_PREFERENCE,
    Model,
    Row,
    Solution,
    Vector,
    has_integers,
    lower_bound,
    slack,
    solve,
)
from advisory.engine.rebalance.tax import (
    SignCase,
    case_possible,
    case_rows,
    net_loss_rows,
    tax_vector,
)

# Turnover and net gain only break ties of an optimal tax: with integers (whole
# shares, a minimum trade) they may stop within 0.01% of their bound or at 1.5 s
# (HiGHS may overrun it a little).
TIE_BREAK_SECONDS = 1.5
TIE_BREAK_GAP = 1e-4
HALF_CENT = 0.005  # dollars outside the mode that still count as meeting it


@dataclass(frozen=True)
class Region:
    rows: tuple[Row, ...]  # the region's own rows (a sign case, or S + L <= 0)
    solution: Solution
    least_turnover: bool = False  # the solution already minimises turnover in the region


@dataclass(frozen=True)
class Outcome:
    solution: Solution
    violation: float  # dollars outside the cells' ranges (0 when the mode is met)
    tax: float  # T(S, L) after the proposal, as the solver saw it
    released_holds: bool = False
    tax_gap: float = 0.0  # how much the tax might still be above the least, when not proven


def _case_order(
    model: Model, extra: list[Row], cases: list[SignCase], *, relaxed: bool, hold: bool
) -> list[tuple[float, SignCase]]:
    if not has_integers(model):
        return [(0.0, case) for case in cases]
    ordered = []
    for case in cases:
        rows = [*extra, *case_rows(model, case)]
        bound = lower_bound(model, tax_vector(model), rows, relaxed=relaxed, hold=hold)
        if bound is not None:
            ordered.append((bound, case))
    return sorted(ordered, key=lambda pair: pair[0])


def tax_stage(model: Model, extra: list[Row], *, relaxed: bool, hold: bool) -> list[Region]:
    """The regions that reach the least tax (more than one only when tied)."""
    problem = model.problem
    loss_rows = net_loss_rows(model)
    untaxed = problem.t_ord <= 0 and problem.t_ltcg <= 0
    # Without the offset's worth (no ordinary rate or no limit) a net loss owes exactly 0.
    flat = untaxed or problem.t_ord * problem.offset_limit <= 0
    # LP with a flat tax: least turnover at once. Otherwise feasibility or the least tax
    # first; the later stages follow.
    lp = flat and not has_integers(model) and not model.room.any()
    objective = model.turnover if lp else model.vector() if flat else tax_vector(model)
    regions: list[Region] = []
    best = np.inf
    found = solve(model, objective, [*extra, *loss_rows], relaxed=relaxed, hold=hold)
    if found is not None:
        tax = 0.0 if flat else found.objective
        regions.append(Region(tuple(loss_rows), replace(found, objective=tax), least_turnover=lp))
        best = tax
        # With both rates positive every net gain owes more than any net loss.
        if untaxed or tax < -slack(0.0) or (problem.t_ord > 0 and problem.t_ltcg > 0):
            return regions
    cases: list[SignCase] = [
        c for c in SignCase if c is not SignCase.LOSS_LOSS and case_possible(model, c)
    ]
    for bound, case in _case_order(model, extra, cases, relaxed=relaxed, hold=hold):
        if bound > best + slack(best):
            continue
        rows = case_rows(model, case)
        found = solve(model, tax_vector(model), [*extra, *rows], relaxed=relaxed, hold=hold)
        if found is not None:
            regions.append(Region(tuple(rows), found))
            best = min(best, found.objective)
    return [r for r in regions if r.solution.objective <= best + slack(best)]


def _tie_breaks(model: Model) -> list[Vector]:
    """What to minimise after the tax: turnover, then net gain, with closeness when there is room.

    Room (the targets may be missed by a share or a minimum trade) brings a
    closeness stage: the dollars off the exact targets plus twice the dollars
    of any substitute bought (a dollar off counts twice, in its class and in
    cash, so a substitute is never bought for a one-share rounding gain).
    With whole shares alone it comes before turnover, so the rounding lands as
    close as whole shares allow instead of leaving cash idle; with a minimum
    trade it comes after, since the minimum exists to avoid small trades.
    """
    net_gain = model.short_term + model.long_term + RANK_PREFERENCE * model.preference
    if not model.room.any():
        return [model.turnover, net_gain]
    closeness = model.violation + 2 * model.preference
    if model.problem.options.min_trade > 0:
        return [model.turnover, closeness, net_gain]
    return [closeness, model.turnover, net_gain]


def _better(tighter: Solution | None, found: Solution, objective: Vector, *, last: bool) -> bool:
    """Whether a tie-break's answer replaces the one before it.

    None (round-off made the capped problem infeasible) never does. A search cut
    short by the time limit does if it improves, except in the last stage: a
    half-searched net-gain stage tends to scatter small trades for nothing.
    """
    if tighter is None:
        return False
    if tighter.proven:
        return True
    return not last and float(objective @ tighter.x) < float(objective @ found.x)


def _break_ties(
    model: Model, extra: list[Row], regions: list[Region], *, relaxed: bool, hold: bool
) -> Solution:
    """The tax stage's best, tightened objective by objective (each kept within slack)."""
    tax = min(r.solution.objective for r in regions)
    cap = Row(tax_vector(model), -np.inf, tax + slack(tax))
    candidates = [
        ([*extra, *r.rows] + ([] if r.least_turnover else [cap]), r.solution, r.least_turnover)
        for r in regions
    ]
    objectives = _tie_breaks(model)
    for objective in objectives:
        best: tuple[list[Row], Solution, float] | None = None
        for rows, found, done in candidates:
            if not (done and objective is model.turnover):
                tighter = solve(
                    model,
                    objective,
                    rows,
                    relaxed=relaxed,
                    hold=hold,
                    time_limit=TIE_BREAK_SECONDS,
                    rel_gap=TIE_BREAK_GAP,
                )
                if _better(tighter, found, objective, last=objective is objectives[-1]):
                    found = tighter  # type: ignore[assignment]
            value = float(objective @ found.x)
            if best is None or value < best[2]:
                best = rows, found, value
        assert best is not None  # noqa: S101 - regions is never empty here
        rows, found, value = best
        candidates = [([*rows, Row(objective, -np.inf, value + slack(value))], found, False)]
    return candidates[0][1]


def optimise(model: Model, *, hold: bool, allow_shortfall: bool) -> Outcome | None:
    """Every stage once, holding the near-long-term lots or not; None when nothing qualifies.

    Without ``allow_shortfall`` a model that cannot meet the mode has no answer.
    """
    extra: list[Row] = []
    violation = 0.0
    regions = tax_stage(model, extra, relaxed=False, hold=hold)
    if not regions:
        if not allow_shortfall:
            return None
        closest = solve(model, model.violation, relaxed=True, hold=hold)
        if closest is None:
            return None
        violation = closest.objective
        extra = [Row(model.violation, -np.inf, violation + slack(violation))]
        regions = tax_stage(model, extra, relaxed=True, hold=hold)
        if not regions:
            return Outcome(closest, violation, float(closest.x[model.tau]))
    tax = min(r.solution.objective for r in regions)
    gap = max(r.solution.gap for r in regions)
    proven = all(r.solution.proven for r in regions)
    final = _break_ties(model, extra, regions, relaxed=bool(extra), hold=hold)
    return Outcome(replace(final, proven=proven, gap=gap), violation, tax, tax_gap=gap)


def solve_problem(model: Model) -> Outcome | None:
    """The lexicographic optimum, holding near-long-term lots when the mode allows it."""
    if model.held.size:
        outcome = optimise(model, hold=True, allow_shortfall=False)
        if outcome is not None:
            return outcome
        released = optimise(model, hold=False, allow_shortfall=True)
        return None if released is None else replace(released, released_holds=True)
    return optimise(model, hold=False, allow_shortfall=True)


def least_tax(model: Model, *, hold: bool) -> float | None:
    """The least tax T(S, L) meeting the mode exactly, or None when it cannot be met."""
    regions = tax_stage(model, [], relaxed=False, hold=hold)
    return min((r.solution.objective for r in regions), default=None)


def least_shortfall(model: Model, *, hold: bool) -> float | None:
    """The fewest dollars outside the mode's ranges, or None when the cash flows cannot be met."""
    closest = solve(model, model.violation, relaxed=True, hold=hold)
    return None if closest is None else closest.objective

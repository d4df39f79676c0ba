"""Why a rebalance came out as it did: what bound, in the advisor's words.

Each restriction the advisor set or the household imposes (gain budget, no
short-term gains, wash-sale blocks, account menus, do-not-trade and
do-not-buy lists, and, when the mode cannot be met, whole shares and the
minimum trade) is lifted in turn and the problem solved again at the level
the plan reached: the shortfall when the mode was missed, the tax when it
was met. A restriction is named when lifting it helps by a dollar or more;
that is what "binding" means here (for a MILP there are no shadow prices).
A class that needs buying but has nothing buyable is always named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from advisory.engine.drift import class_label
from advisory.engine.prose import points
from advisory.engine.rebalance.model import build_model, slack
from advisory.engine.rebalance.problem import Problem, prepare_problem
from advisory.engine.rebalance.solve import Outcome
from advisory.engine.rebalance.types import Location, RebalanceMode, RebalancePlan
from advisory.engine.rebalance.whole import least_shortfall, least_tax
from advisory.engine.types import CASH_CLASS

MATERIAL = 1.0  # dollars: smaller differences are solver noise, not a binding restriction


def _relaxations(problem: Problem, *, tax_level: bool) -> list[tuple[str, Callable[[], Problem]]]:
    """(restriction in words, the problem without it) for every restriction in force."""
    snapshot, policy, flows, options = (
        problem.snapshot,
        problem.policy,
        problem.cash_flows,
        problem.options,
    )

    def without(**changes: object) -> Callable[[], Problem]:
        return lambda: prepare_problem(snapshot, policy, flows, replace(options, **changes))  # type: ignore[arg-type]

    found: list[tuple[str, Callable[[], Problem]]] = []
    if options.gain_budget is not None:
        found.append((f"the gain budget of ${options.gain_budget:,.2f}", without(gain_budget=None)))
    if not options.allow_short_term:
        found.append(("no short-term gains", without(allow_short_term=True)))
    if problem.blocks:
        found.append(
            (
                "wash-sale blocks",
                lambda: prepare_problem(snapshot, policy, flows, options, apply_wash_sales=False),
            )
        )
    if any(account.allowed_classes for account in problem.accounts):
        found.append(
            (
                "account menus",
                lambda: prepare_problem(snapshot, policy, flows, options, apply_menus=False),
            )
        )
    if options.do_not_trade_securities or options.do_not_trade_accounts:
        found.append(
            (
                "the do-not-trade lists",
                without(do_not_trade_securities=frozenset(), do_not_trade_accounts=frozenset()),
            )
        )
    if options.do_not_buy:
        found.append(("the do-not-buy list", without(do_not_buy=frozenset())))
    if not tax_level and options.whole_shares:
        found.append(("whole shares", without(whole_shares=False)))
    if not tax_level and options.min_trade > 0:
        found.append(
            (f"the minimum trade of ${options.min_trade:,.2f}", without(min_trade=Decimal(0)))
        )
    return found


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _unfundable(problem: Problem) -> tuple[str, ...]:
    helps = [
        label
        for label, relaxed in _relaxations(problem, tax_level=False)
        if least_shortfall(build_model(relaxed()), hold=False) is not None
    ]
    text = "The cash flows cannot be met while keeping every account's cash reserve"
    if helps:
        text += f"; lifting {', or '.join(helps)} would allow it"
    return (text,)


def _needed_classes(problem: Problem) -> list[str]:
    """Restricted classes whose cells start below their range (they needed buying)."""
    needed = []
    for code, reason in problem.restricted_classes.items():
        cells = [
            c for c in problem.cells if (c.key if isinstance(c.key, str) else c.key[1]) == code
        ]
        if any(c.base < c.low - MATERIAL for c in cells):
            needed.append(reason[0].upper() + reason[1:])
    return needed


def _outside(plan: RebalancePlan, problem: Problem) -> str:
    half = RebalanceMode(problem.options.mode) is RebalanceMode.BAND
    parts = []
    for row in plan.drift_after.rows:
        room = row.band / 2 if half else Decimal(0)
        beyond = abs(row.drift) - room
        if beyond * 1000 >= 1 and row.asset_class != CASH_CLASS:
            side = "above" if row.drift > 0 else "below"
            parts.append(f"{class_label(row.asset_class)} {points(beyond, signed=False)} {side}")
    return "; ".join(parts)


def _shortfall(problem: Problem, outcome: Outcome, plan: RebalancePlan) -> list[str]:
    mode = RebalanceMode(problem.options.mode)
    goal = "targets" if mode is RebalanceMode.TARGET else "half-bands"
    if Location(problem.options.location) is Location.PLAN:
        goal = f"account plan {goal}"
    share = 100 * outcome.violation / problem.household_value if problem.household_value else 0
    text = (
        f"The {goal} cannot be reached: the closest plan leaves {_money(outcome.violation)} "
        f"outside them, summed over classes ({share:.2f}% of the household)"
    )
    outside = _outside(plan, problem)
    reasons = [text + (f" ({outside})" if outside else "")]
    hold = bool(problem_held(problem)) and not outcome.released_holds
    for label, relaxed in _relaxations(problem, tax_level=False):
        closest = least_shortfall(build_model(relaxed()), hold=hold)
        if closest is not None and closest < outcome.violation - MATERIAL:
            after = "reach them" if closest < MATERIAL else f"end {_money(closest)} away"
            reasons.append(f"Binding: {label} (without it the plan would {after})")
    if len(reasons) == 1 and _nothing_to_trade(problem):
        reasons.append("There is no cash to invest and nothing may be sold")
    return reasons


def problem_held(problem: Problem) -> list[int]:
    return [lot.lot.id for lot in problem.lots if lot.held]


def _nothing_to_trade(problem: Problem) -> bool:
    free_cash = sum(
        -floor for floor, ok in zip(problem.cash_floor, problem.tradable, strict=True) if ok
    )
    return not problem.lots and free_cash < MATERIAL


def _tax_costs(problem: Problem, outcome: Outcome, plan: RebalancePlan) -> list[str]:
    reasons = []
    budget = problem.options.gain_budget
    net = plan.short_term_gain + plan.long_term_gain
    if budget is not None and net >= budget - 1:
        reasons.append(f"The gain budget of ${budget:,.2f} is used up (net gain ${net:,.2f})")
    if outcome.tax <= slack(0.0):
        return reasons  # no tax to save: nothing costs tax
    hold = bool(problem_held(problem)) and not outcome.released_holds
    for label, relaxed in _relaxations(problem, tax_level=True):
        if label.startswith("the gain budget") and reasons:
            continue
        tax = least_tax(build_model(relaxed()), hold=hold)
        if tax is not None and tax < outcome.tax - MATERIAL:
            reasons.append(f"Binding: {label} (costs {_money(outcome.tax - tax)} of tax)")
    return reasons


def explain(
    problem: Problem, outcome: Outcome | None, plan: RebalancePlan | None = None
) -> tuple[str, ...]:
    """Readable reasons for what bound the plan; ``outcome`` None when nothing was feasible."""
    if outcome is None or plan is None:
        return _unfundable(problem)
    reasons = _needed_classes(problem)
    if outcome.violation > MATERIAL:
        reasons += _shortfall(problem, outcome, plan)
    else:
        reasons += _tax_costs(problem, outcome, plan)
    return tuple(reasons)

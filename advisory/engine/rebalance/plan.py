"""Tax-aware rebalancing of a household, lot by lot, at the least tax (docs/DOMAIN.md).

``plan_rebalance`` chooses per lot the shares to sell and per account and
security the shares to buy so that every account keeps its cash reserve, the
end state meets the mode (target or half-band, household or plan), no
wash-sale rule is broken, the restrictions hold, and the proposal's
incremental tax with US netting ``T(S0 + dS, L0 + dL) - T(S0, L0)`` is minimal.
It is not a heuristic: the problem is a mixed-integer linear program
(model) solved exactly by HiGHS through ``scipy.optimize.milp``.

Lexicographic stages (solve)
    0. only when the mode cannot be met: least dollars outside the classes'
       ranges (kept, within solver slack, by the later stages);
    1. least tax. The two sign binaries of docs/DOMAIN.md are branched on
       completely: with both rates positive the zero-tax region ``S + L <= 0``
       is tried first, else each sign case of (S, L), where T is convex;
    2. among plans within slack of that tax: closeness to the exact targets
       (whole shares: before turnover), least turnover (trade less), closeness
       (minimum trade: after turnover);
    3. among those: least net realised gain (realise more loss, it carries
       forward), a millionth per dollar preferring each class's primary.
    Slack is $0.000001 plus 1e-9 of the value, so the tax is optimal to the
    cent. Cash flows, tax-advantaged accounts, and in taxable accounts losses,
    then zero-gain lots, then long-term, then short-term gains come first by
    themselves: nothing orders them by hand.

Fractional shares (the default) make every stage a linear program, solved
exactly in a fraction of a second for 3,000 lots. A minimum trade adds
integers; the tax stage is still solved to optimality (``optimal`` turns
false, with the possible gap in the notes, only if HiGHS hits its time limit),
the tie-breaks stop within 0.01% or at a short time limit. Whole shares are
the fractional optimum repaired to whole shares by a small integer program
over its fractional trades (whole), with the proven gap to the fractional
optimum in the notes and in ``whole_share_gap``.

Cash: an account whose cash after the flows is below its reserve sells the
difference (all it can, if that falls short: the notes say so); a withdrawal
its cash and sellable lots cannot pay makes the plan infeasible ("no cash and
nothing to sell"). Lots turning long-term within ``hold_near_long_term_days``
are held when the mode can be met without them; otherwise every such lot is
released and the tax stage decides. A plan that cannot meet the mode gets as
close as it can and ``binding`` says why: each restriction (gain budget,
short-term gains, wash sales, menus, do-not-trade and do-not-buy lists, whole
shares, minimum trade) is lifted in turn and named when lifting it helps.
When the mode is met, the same test on the tax names the restrictions that
cost tax (explain).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import numpy as np

from advisory.engine.drift import class_label
from advisory.engine.money import ZERO
from advisory.engine.prose import long_date
from advisory.engine.rebalance.explain import explain
from advisory.engine.rebalance.model import Model, build_model
from advisory.engine.rebalance.problem import (
    Problem,
    cash_after_flow,
    prepare_problem,
    why_not_buyable,
)
from advisory.engine.rebalance.result import Verdict, assemble_plan
from advisory.engine.rebalance.solve import HALF_CENT, Outcome, solve_problem
from advisory.engine.rebalance.types import (
    RebalanceMode,
    RebalanceOptions,
    RebalancePlan,
    Side,
)
from advisory.engine.rebalance.whole import (
    WholeShares,
    gap_notes,
    share_gap,
    solve_whole_shares,
)
from advisory.engine.types import HouseholdSnapshot, PolicyTargets, SecurityInfo
from advisory.engine.wash_sales import WASH_SALE_WINDOW_DAYS, blocked_groups_to_buy, group_label

SNAP = 1e-5  # shares: solver round-off below this is snapped to a whole share or the whole lot


def _decimal(value: float, whole: bool, cap: Decimal | None = None) -> Decimal:
    """A solver quantity as shares: whole, the whole lot, or 6 places."""
    if cap is not None and abs(value - float(cap)) < SNAP:
        return cap
    if whole or abs(value - round(value)) < SNAP:
        return Decimal(max(0, round(value)))
    return Decimal(f"{max(0.0, value):.6f}")


def _quantities(
    model: Model, x: np.ndarray
) -> tuple[dict[int, Decimal], dict[tuple[int, int], Decimal]]:
    problem, whole = model.problem, model.problem.options.whole_shares
    sells = {}
    for i, sellable in enumerate(problem.lots):
        value = float(x[model.sells.start + i])
        quantity = min(_decimal(value, whole, sellable.lot.quantity), sellable.lot.quantity)
        if quantity > 0:
            sells[sellable.lot.id] = quantity
    buys: dict[tuple[int, int], Decimal] = {}
    for i, option in enumerate(problem.buys):
        quantity = _decimal(float(x[model.buys.start + i]), whole)
        if quantity > 0:
            key = (problem.accounts[option.account].id, option.security.id)
            buys[key] = buys.get(key, ZERO) + quantity
    return sells, buys


def _drop_rule3_dust(
    problem: Problem, sells: dict[int, Decimal], buys: dict[tuple[int, int], Decimal]
) -> list[str]:
    """Keep rule 3 exactly: a group with both loss sales and buys loses the smaller side.

    Only solver round-off (a binary at 1e-6) can leave both; the note says so
    if the dropped side was worth a dollar or more.
    """
    notes = []
    losses: dict[str, list[int]] = {}
    for sellable in problem.lots:
        if sellable.lot.id in sells and sellable.taxable and sellable.gain_per_share < 0:
            losses.setdefault(sellable.group, []).append(sellable.lot.id)
    securities = problem.snapshot.securities
    price = {s.lot.id: securities[s.lot.security_id].price for s in problem.lots}
    for group, lot_ids in losses.items():
        bought = [k for k in buys if securities[k[1]].substitute_group == group]
        if not bought:
            continue
        sold_value = sum((sells[i] * price[i] for i in lot_ids), ZERO)
        bought_value = sum((buys[k] * securities[k[1]].price for k in bought), ZERO)
        dropped = min(sold_value, bought_value)
        for key in bought if bought_value <= sold_value else []:
            del buys[key]
        for lot_id in lot_ids if sold_value < bought_value else []:
            del sells[lot_id]
        if dropped >= 1:
            notes.append(
                f"Dropped ${dropped:,.2f} of trades in {group_label(problem.snapshot, group)} "
                "to keep the wash-sale rule"
            )
    return notes


def plan_rebalance(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    cash_flows: Mapping[int, Decimal] | None = None,
    options: RebalanceOptions | None = None,
) -> RebalancePlan:
    """The household's rebalance at the least incremental tax (see the module notes).

    ``cash_flows``: account id -> dollars arriving (contributions, positive)
    or leaving (withdrawals and RMDs, negative) with this proposal.
    Gains are signed and count taxable accounts only; the tax uses the
    household's ``t_ord`` and ``t_ltcg``, this year's realised gains and the
    carried-forward losses in ``snapshot.tax`` (pass a changed ``TaxProfile``
    to override them).
    """
    flows = dict(cash_flows or {})
    options = options or RebalanceOptions()
    problem = prepare_problem(snapshot, policy, flows, options)
    unfunded = _unfunded_accounts(problem)
    if unfunded:
        verdict = Verdict(feasible=False, blocks=problem.blocks, binding=tuple(unfunded))
        return assemble_plan(snapshot, policy, flows, {}, {}, verdict=verdict)
    model = build_model(problem)
    outcome, whole = _solve(model)
    if outcome is None:
        reasons = explain(problem, None)
        verdict = Verdict(feasible=False, blocks=problem.blocks, binding=reasons)
        return assemble_plan(snapshot, policy, flows, {}, {}, verdict=verdict)
    sells, buys = _quantities(model, outcome.solution.x)
    notes = [*problem.notes, *_drop_rule3_dust(problem, sells, buys)]
    plan = assemble_plan(snapshot, policy, flows, sells, buys, whole_shares=options.whole_shares)
    gap = None if whole is None else share_gap(whole, plan.tax_after)
    notes += [*_plan_notes(model, plan, outcome), *plan.notes]
    if gap is not None:
        notes += gap_notes(gap, RebalanceMode(options.mode))
    feasible = outcome.violation < HALF_CENT
    return replace(
        plan,
        feasible=feasible,
        wash_sale_blocks=problem.blocks,
        binding=explain(problem, outcome, plan),
        notes=tuple(notes),
        shortfall=Decimal(f"{outcome.violation:.2f}") if not feasible else ZERO,
        optimal=outcome.solution.proven and not model.solver_errors,
        whole_share_gap=gap,
    )


def _solve(model: Model) -> tuple[Outcome | None, WholeShares | None]:
    """The lexicographic optimum; with whole shares, the repaired relaxation's (whole)."""
    if not model.problem.options.whole_shares:
        return solve_problem(model), None
    whole = solve_whole_shares(model)
    return (None, None) if whole is None else (whole.outcome, whole)


def _unfunded_accounts(problem: Problem) -> list[str]:
    """'No cash and nothing to sell': accounts whose withdrawals their cash and lots cannot pay."""
    sellable = [0.0] * len(problem.accounts)
    for lot in problem.lots:
        sellable[lot.account] += lot.cap * lot.price
    reasons = []
    for i, account in enumerate(problem.accounts):
        cash = cash_after_flow(account, problem.cash_flows)
        if float(cash) + sellable[i] >= -0.005:
            continue
        reasons.append(
            f"{account.name}: no cash and nothing to sell — cash after flows is ${cash:,.2f} "
            f"and only ${sellable[i]:,.2f} may be sold"
        )
    return reasons


def _plan_notes(model: Model, plan: RebalancePlan, outcome: Outcome) -> list[str]:
    problem = model.problem
    notes = []
    options = problem.options
    for trade in plan.trades:
        if trade.side is Side.BUY:
            notes += _substitute_note(problem, plan, trade.security_id)
    loss_groups = sorted(
        {
            problem.snapshot.securities[t.security_id].substitute_group
            for t in plan.trades
            if t.taxable and any(r.gain < 0 for r in t.lots)
        }
    )
    until = problem.snapshot.as_of + timedelta(days=WASH_SALE_WINDOW_DAYS + 1)
    notes += [
        f"Sold {group_label(problem.snapshot, group)} at a loss: do not buy it in any account, "
        f"IRAs included, before {long_date(until)}"
        for group in loss_groups
    ]
    held = [lot for lot in problem.lots if lot.held]
    if held and not outcome.released_holds:
        lots = "1 lot that turns" if len(held) == 1 else f"{len(held)} lots that turn"
        notes.append(f"Kept {lots} long-term within {options.hold_near_long_term_days} days")
    elif held:
        notes.append(
            "Lots that turn long-term soon could not all be kept: the "
            f"{RebalanceMode(options.mode).value} needs them"
        )
    if model.solver_errors:
        notes.append(
            "The solver hit a numerical difficulty on part of the search: "
            "the plan may not be the cheapest"
        )
    if not outcome.solution.proven:
        notes.append(
            "The solver stopped at its time limit: the tax may be up to "
            f"${outcome.tax_gap:,.2f} above the least possible"
        )
    return list(dict.fromkeys(notes))


def _substitute_note(problem: Problem, plan: RebalancePlan, security_id: int) -> list[str]:
    snapshot, options = problem.snapshot, problem.options
    security = snapshot.securities[security_id]
    code = security.asset_class
    primary = options.buy_security.get(code) or min(
        s.id for s in snapshot.securities.values() if s.asset_class == code
    )
    first = snapshot.securities.get(primary)
    if primary == security_id or first is None or first.asset_class != code:
        return []
    why = _why_primary_skipped(problem, plan, first)
    return [f"Bought {security.symbol} for {class_label(code)} instead of {first.symbol}: {why}"]


def _why_primary_skipped(problem: Problem, plan: RebalancePlan, primary: SecurityInfo) -> str:
    why = why_not_buyable(primary, problem.options, blocked_groups_to_buy(problem.blocks))
    if why:
        return why
    group = primary.substitute_group
    sold_at_loss = any(
        t.taxable
        and any(r.gain < 0 for r in t.lots)
        and problem.snapshot.securities[t.security_id].substitute_group == group
        for t in plan.trades
    )
    if sold_at_loss:
        return f"this proposal sells {group_label(problem.snapshot, group)} at a loss (wash sale)"
    return "it costs the same"

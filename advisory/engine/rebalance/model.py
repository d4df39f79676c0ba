"""The tax-aware rebalance as a mixed-integer linear program (HiGHS via scipy.optimize.milp).

Variables (all in shares or dollars, floats only here)
    ``s_l``   shares sold of sellable lot l, ``0 <= s_l <= cap_l`` (integer with whole shares)
    ``u_b``   shares bought of buy option b (a security in an account)
    ``d-_c, d+_c`` dollars by which cell c misses its range: at most its room (what whole
              shares or a minimum trade make unavoidable, else 0) unless relaxed
    ``tau``   the year's tax T(S, L) after the proposal
    ``z_g``   binary per substitute group that has loss lots to sell and a security to buy:
              1 = the group may be bought, 0 = its lots may be sold at a loss (rule 3)
    ``w_p``   shares sold of a position (account, security), semi-continuous, only
              with a minimum trade: ``w_p = 0`` or ``w_p >= min_trade / price``

Constraints
    cash:    every tradable account: sales - buys >= its floor (reserve less cash after flows,
             capped at what it can sell: problem._floors)
    cells:   low_c <= base_c + trades into c - trades out of c (+ d-_c - d+_c) <= high_c
    budget:  dS + dL <= gain budget (taxable accounts' gains)
    rule 3:  loss sales in g <= Q_g (1 - z_g);  buys of g (dollars) <= U_g z_g

Tax
    ``tau`` and the sign cases of US netting: tax.

Rule 3
    The group binaries z_g use big-M with tight M (the group's own shares and
    dollars), added lazily (see ``solve``); dust they might leave is removed
    when the plan is assembled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array, vstack

from advisory.engine.rebalance.problem import Problem
from advisory.engine.solver_output import solver_output_captured

Vector = NDArray[np.float64]
TIME_LIMIT_SECONDS = 20.0  # per solve; only whole shares or a minimum trade come near it
SOLVE_ERROR = 4  # scipy.optimize.milp status: neither optimal, limited nor infeasible
CONFLICT_SHARES = 5e-7  # less than this rounds to 0 at 6 places
# Weight of a buy option's rank (0 = the class's primary) per dollar bought in the
# last stage, which minimises net realised gain: it keeps the primary when all
# else ties and can cost at most a millionth of the dollars bought in net gain.
RANK_PREFERENCE = 1e-6


@dataclass(frozen=True)
class Row:
    coefficients: Vector
    low: float
    high: float


@dataclass(frozen=True)
class Solution:
    x: Vector
    objective: float
    proven: bool = True  # False when the time limit stopped the search
    gap: float = 0.0  # objective less the best bound proven, when not proven


@dataclass(frozen=True)
class GroupRule:
    """Rule 3 for one substitute group: its loss sales or its buys, never both."""

    group: str
    column: int  # z_g
    loss_columns: NDArray[np.int_]
    buy_columns: NDArray[np.int_]
    matrix: csr_array
    low: Vector
    high: Vector

    def broken_by(self, x: Vector) -> bool:
        """Whether ``x`` both sells the group at a loss and buys it (beyond round-off)."""
        sold = float(x[self.loss_columns].sum()) if self.loss_columns.size else 0.0
        bought = float(x[self.buy_columns].sum()) if self.buy_columns.size else 0.0
        return sold > CONFLICT_SHARES and bought > CONFLICT_SHARES


@dataclass
class Model:
    problem: Problem
    n: int
    sells: slice
    buys: slice
    short: slice  # d-
    over: slice  # d+
    tau: int
    groups: slice
    positions: slice
    matrix: csr_array
    row_low: Vector
    row_high: Vector
    low: Vector
    high: Vector
    integrality: NDArray[np.int_]
    short_term: Vector  # dS per unit of each variable
    long_term: Vector  # dL per unit of each variable
    turnover: Vector  # dollars traded per unit
    preference: Vector  # rank of the buy option per dollar
    violation: Vector  # dollars outside the cells' ranges
    held: NDArray[np.int_]  # indices of sells held near long-term
    room: Vector  # per cell: dollars it may miss its range by and still meet the mode
    rules: list[GroupRule]
    active: set[int] = field(default_factory=set)  # rules enforced so far (lazily)
    solver_errors: int = 0  # solves HiGHS could not finish (taken as infeasible)
    # Lower bounds beyond 0 on some columns (the whole-share repair's neighbourhoods).
    floor: Vector | None = None

    def vector(self) -> Vector:
        return np.zeros(self.n)


def slack(value: float) -> float:
    """Room over a previous stage's optimum so solver round-off cannot make it infeasible.

    Kept tiny: a later stage may spend the room (more loss for a hair more
    tax), so it must stay far below a cent.
    """
    return 1e-6 + 1e-9 * abs(value)


def _layout(problem: Problem, n_groups: int, with_positions: bool) -> dict[str, slice]:
    sizes = [
        ("sells", len(problem.lots)),
        ("buys", len(problem.buys)),
        ("short", len(problem.cells)),
        ("over", len(problem.cells)),
        ("tau", 1),
        ("groups", n_groups),
        ("positions", len(problem.positions) if with_positions else 0),
    ]
    layout, start = {}, 0
    for name, size in sizes:
        layout[name] = slice(start, start + size)
        start += size
    return layout


def _rule3_groups(problem: Problem) -> list[str]:
    loss_groups = {s.group for s in problem.lots if s.taxable and s.gain_per_share < 0}
    buy_groups = {b.security.substitute_group for b in problem.buys}
    return sorted(loss_groups & buy_groups)


class _Rows:
    """Sparse rows collected as triplets."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.values: list[float] = []
        self.low: list[float] = []
        self.high: list[float] = []

    def add(self, entries: Sequence[tuple[int, float]], low: float, high: float) -> None:
        index = len(self.low)
        for col, value in entries:
            self.rows.append(index)
            self.cols.append(col)
            self.values.append(value)
        self.low.append(low)
        self.high.append(high)

    def matrix(self) -> csr_array:
        shape = (len(self.low), self.n)
        return csr_array(coo_array((self.values, (self.rows, self.cols)), shape=shape))


def _cash_and_cell_rows(problem: Problem, rows: _Rows, at: dict[str, slice]) -> None:
    sell0, buy0 = at["sells"].start, at["buys"].start
    per_account: list[list[tuple[int, float]]] = [[] for _ in problem.accounts]
    per_cell: list[list[tuple[int, float]]] = [[] for _ in problem.cells]
    for i, lot in enumerate(problem.lots):
        per_account[lot.account].append((sell0 + i, lot.price))
        per_cell[lot.cell].append((sell0 + i, -lot.price))
        per_cell[lot.cash_cell].append((sell0 + i, lot.price))
    for i, buy in enumerate(problem.buys):
        per_account[buy.account].append((buy0 + i, -buy.price))
        per_cell[buy.cell].append((buy0 + i, buy.price))
        per_cell[buy.cash_cell].append((buy0 + i, -buy.price))
    for a, entries in enumerate(per_account):
        if problem.tradable[a] and entries:
            rows.add(entries, problem.cash_floor[a], np.inf)
    for c, cell in enumerate(problem.cells):
        entries = [*per_cell[c], (at["short"].start + c, 1.0), (at["over"].start + c, -1.0)]
        rows.add(entries, cell.low - cell.base, cell.high - cell.base)


def _rule3_rows(problem: Problem, at: dict[str, slice], groups: list[str]) -> list[GroupRule]:
    rules = []
    for k, group in enumerate(groups):
        z = at["groups"].start + k
        losses = [
            i
            for i, lot in enumerate(problem.lots)
            if lot.taxable and lot.gain_per_share < 0 and lot.group == group
        ]
        buys = [i for i, b in enumerate(problem.buys) if b.security.substitute_group == group]
        shares = sum(problem.lots[i].cap for i in losses)
        dollars = sum(problem.buys[i].cap * problem.buys[i].price for i in buys)
        rows = _Rows(at["positions"].stop)
        rows.add([*((at["sells"].start + i, 1.0) for i in losses), (z, shares)], -np.inf, shares)
        buy_entries = [(at["buys"].start + i, problem.buys[i].price) for i in buys]
        rows.add([*buy_entries, (z, -dollars)], -np.inf, 0.0)
        rule = GroupRule(
            group=group,
            column=z,
            loss_columns=np.array([at["sells"].start + i for i in losses], dtype=np.int_),
            buy_columns=np.array([at["buys"].start + i for i in buys], dtype=np.int_),
            matrix=rows.matrix(),
            low=np.array(rows.low),
            high=np.array(rows.high),
        )
        rules.append(rule)
    return rules


def _position_rows(problem: Problem, rows: _Rows, at: dict[str, slice]) -> None:
    members: list[list[tuple[int, float]]] = [[] for _ in problem.positions]
    for i, lot in enumerate(problem.lots):
        members[lot.position].append((at["sells"].start + i, -1.0))
    for p, entries in enumerate(members):
        rows.add([*entries, (at["positions"].start + p, 1.0)], 0.0, 0.0)


def _trade_minimum(shares: float, whole: bool) -> float:
    return float(np.ceil(shares - 1e-9)) if whole else shares


def _bounds(model: Model) -> None:
    problem, options = model.problem, model.problem.options
    whole = options.whole_shares
    minimum = float(options.min_trade)
    for i, lot in enumerate(problem.lots):
        model.high[model.sells.start + i] = lot.cap
        model.integrality[model.sells.start + i] = 1 if whole else 0
    for i, buy in enumerate(problem.buys):
        col = model.buys.start + i
        model.high[col] = buy.cap
        model.integrality[col] = 1 if whole else 0
        if minimum > 0:
            floor = _trade_minimum(minimum / buy.price, whole)
            model.low[col] = floor
            model.integrality[col] = 3 if whole else 2
            if floor > buy.cap:
                model.low[col] = model.high[col] = 0.0
                model.integrality[col] = 0
    model.high[model.short] = np.inf
    model.high[model.over] = np.inf
    model.high[model.tau] = np.inf
    # The offset makes the year's tax as low as -t_ord * D (a net loss of D or more).
    model.low[model.tau] = -model.problem.t_ord * model.problem.offset_limit
    model.high[model.groups] = 1.0
    model.integrality[model.groups] = 1
    if model.positions.stop > model.positions.start:
        _position_bounds(model, minimum, whole)


def _position_bounds(model: Model, minimum: float, whole: bool) -> None:
    problem = model.problem
    caps = [0.0] * len(problem.positions)
    prices = [0.0] * len(problem.positions)
    for lot in problem.lots:
        caps[lot.position] += lot.cap
        prices[lot.position] = lot.price
    for p, cap in enumerate(caps):
        col = model.positions.start + p
        floor = _trade_minimum(minimum / prices[p], whole)
        model.high[col] = cap
        if floor > cap:  # the whole position is worth less than a minimum trade
            model.high[col] = 0.0
        else:
            model.low[col] = floor
            model.integrality[col] = 3 if whole else 2


def _objective_vectors(model: Model) -> None:
    problem = model.problem
    for i, lot in enumerate(problem.lots):
        col = model.sells.start + i
        model.turnover[col] = lot.price
        if lot.taxable:
            gains = model.long_term if lot.long_term else model.short_term
            gains[col] = lot.gain_per_share
    for i, buy in enumerate(problem.buys):
        col = model.buys.start + i
        model.turnover[col] = buy.price
        model.preference[col] = buy.rank * buy.price
    model.violation[model.short] = 1.0
    model.violation[model.over] = 1.0


def build_model(problem: Problem) -> Model:
    """The MILP's fixed part: variables, bounds and every constraint but the stage's own."""
    groups = _rule3_groups(problem)
    with_positions = problem.options.min_trade > 0
    at = _layout(problem, len(groups), with_positions)
    n = at["positions"].stop
    rows = _Rows(n)
    _cash_and_cell_rows(problem, rows, at)
    if with_positions:
        _position_rows(problem, rows, at)
    held = [at["sells"].start + i for i, lot in enumerate(problem.lots) if lot.held]
    model = Model(
        problem=problem,
        n=n,
        sells=at["sells"],
        buys=at["buys"],
        short=at["short"],
        over=at["over"],
        tau=at["tau"].start,
        groups=at["groups"],
        positions=at["positions"],
        matrix=rows.matrix(),
        row_low=np.array(rows.low),
        row_high=np.array(rows.high),
        low=np.zeros(n),
        high=np.zeros(n),
        integrality=np.zeros(n, dtype=np.int_),
        short_term=np.zeros(n),
        long_term=np.zeros(n),
        turnover=np.zeros(n),
        preference=np.zeros(n),
        violation=np.zeros(n),
        held=np.array(held, dtype=np.int_),
        room=np.array([cell.room for cell in problem.cells]),
        rules=_rule3_rows(problem, at, groups),
    )
    _bounds(model)
    _objective_vectors(model)
    if problem.budget is not None:
        gains = model.short_term + model.long_term
        model.matrix = csr_array(vstack([model.matrix, csr_array(gains.reshape(1, -1))]))
        model.row_low = np.append(model.row_low, -np.inf)
        model.row_high = np.append(model.row_high, problem.budget)
    return model


def _stacked(model: Model, extra: Sequence[Row]) -> tuple[csr_array, Vector, Vector]:
    blocks, lows, highs = [model.matrix], [model.row_low], [model.row_high]
    for k in sorted(model.active):
        rule = model.rules[k]
        blocks.append(rule.matrix)
        lows.append(rule.low)
        highs.append(rule.high)
    if extra:
        blocks.append(csr_array(np.vstack([r.coefficients for r in extra])))
        lows.append(np.array([r.low for r in extra]))
        highs.append(np.array([r.high for r in extra]))
    return csr_array(vstack(blocks)), np.concatenate(lows), np.concatenate(highs)


def _solve_once(
    model: Model,
    objective: Vector,
    extra: Sequence[Row],
    *,
    relaxed: bool,
    hold: bool,
    integers: bool,
    time_limit: float,
    rel_gap: float = 0.0,
) -> Solution | None:
    high = model.high.copy()
    if not relaxed:
        high[model.short] = model.room
        high[model.over] = model.room
    if hold and model.held.size:
        high[model.held] = 0.0
    for k, rule in enumerate(model.rules):
        if k not in model.active:
            high[rule.column] = 0.0
    matrix, row_low, row_high = _stacked(model, extra)
    integrality = model.integrality.copy() if integers else np.zeros(model.n, dtype=np.int_)
    low = np.where(integrality >= 2, model.low, 0.0)  # only semi-continuous floors are lower bounds
    if model.floor is not None:
        low = np.maximum(low, model.floor)
    low[model.tau] = model.low[model.tau]  # the tax may be negative (the offset)
    integrality[(high == 0) & (integrality >= 1)] = 0
    low = np.minimum(low, high)
    for presolve in (True, False):  # HiGHS's rare "solve error" usually clears without presolve
        # disp off turns HiGHS's logger off (output_flag); the lines it still
        # prints itself are captured off stdout (solver_output).
        with solver_output_captured():
            result = milp(
                objective,
                integrality=integrality,
                bounds=Bounds(low, high),
                constraints=LinearConstraint(matrix, row_low, row_high),
                options={
                    "disp": False,
                    "mip_rel_gap": rel_gap,
                    "time_limit": time_limit,
                    "presolve": presolve,
                },
            )
        if result.status != SOLVE_ERROR:
            break
    if result.status == SOLVE_ERROR:
        model.solver_errors += 1
    if result.x is None or result.status not in (0, 1):
        return None
    proven = result.status == 0
    bound = getattr(result, "mip_dual_bound", None)
    gap = 0.0 if proven or bound is None else max(0.0, float(result.fun) - float(bound))
    return Solution(np.asarray(result.x), float(result.fun), proven=proven, gap=gap)


def solve(
    model: Model,
    objective: Vector,
    extra: Sequence[Row] = (),
    *,
    relaxed: bool,
    hold: bool,
    time_limit: float = TIME_LIMIT_SECONDS,
    rel_gap: float = 0.0,
) -> Solution | None:
    """Minimise ``objective`` over the model plus ``extra`` rows; None when infeasible.

    ``rel_gap`` > 0 lets a MIP stop that close to its bound (tie-breaks only).

    ``relaxed`` lets cells miss their range (the d-/d+ variables); ``hold``
    keeps the lots turning long-term soon. Rule 3 is enforced lazily: solve
    with the groups' rows found necessary so far; if the answer both sells at
    a loss and buys some other group, add that group's rows and solve again.
    Each solve is a relaxation of the full problem, so an answer that keeps
    every group's rule is optimal for the full problem too; most households
    need no group binaries at all and solve as a plain LP.
    """
    while True:
        solution = _solve_once(
            model,
            objective,
            extra,
            relaxed=relaxed,
            hold=hold,
            integers=True,
            time_limit=time_limit,
            rel_gap=rel_gap,
        )
        if solution is None:
            return None
        broken = {
            k
            for k, rule in enumerate(model.rules)
            if k not in model.active and rule.broken_by(solution.x)
        }
        if not broken:
            return solution
        model.active |= broken


def lower_bound(
    model: Model, objective: Vector, extra: Sequence[Row], *, relaxed: bool, hold: bool
) -> float | None:
    """The LP relaxation's optimum: no solution can do better (None: none exists)."""
    solution = _solve_once(
        model,
        objective,
        extra,
        relaxed=relaxed,
        hold=hold,
        integers=False,
        time_limit=TIME_LIMIT_SECONDS,
    )
    return None if solution is None else solution.objective


def has_integers(model: Model) -> bool:
    return bool((model.integrality > 0).any())

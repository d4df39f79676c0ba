"""What an asset-location plan says to people: reasons, binding limits, shortfalls.

Three questions an advisor asks after the optimiser has run, answered from the
numbers alone (no solver is run again here):
- why is each class where it is (its yearly tax drag in a taxable account and
  the feature of its return that drives it);
- which limits cost money (a 401(k) menu without a fund the plan would use, a
  churn penalty that left a small gain on the table);
- when no plan fits, which class cannot be placed and how much room is missing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import NegativeCycleError, shortest_path

from advisory.engine import drift
from advisory.engine.money import CENT
from advisory.engine.prose import sentence_case
from advisory.engine.types import AccountInfo, AssetClassAssumptions, TaxProfile, TaxTreatment

# Residual-path gains smaller than this (terminal dollars per dollar) are solver noise.
_GAIN_TOLERANCE = 1e-9
# Placements below this share of the household are treated as empty.
_PLACED_TOLERANCE = 1e-12

# How each account type shelters growth, in the client's words (Roth and HSA alike).
_TREATMENT_WORDS = {
    TaxTreatment.TAXABLE: "taxable",
    TaxTreatment.TRADITIONAL: "tax-deferred",
    TaxTreatment.ROTH: "tax-free",
    TaxTreatment.HSA: "tax-free",
}


@dataclass(frozen=True)
class BindingConstraint:
    """A limit that shapes the plan (or makes it impossible), in words and one number.

    ``kind`` is ``menu`` (``amount``: terminal dollars gained per dollar the
    account could hold of the class if its menu offered it), ``churn``
    (``amount``: the penalty in basis points per dollar moved), ``class_room``
    or ``account_room`` (``amount``: dollars of room missing; infeasible plans
    only) or ``solver`` (the optimiser gave no answer).
    """

    kind: str
    message: str
    amount: Decimal = Decimal("0")
    account_id: int | None = None
    asset_class: str | None = None


@dataclass(frozen=True)
class ClassExplanation:
    """Why one asset class sits where it does, for the client."""

    asset_class: str
    taxable_drag: Decimal  # yearly fraction of value lost to tax in a taxable account
    placed_in: tuple[str, ...]  # account names, largest holding first
    reason: str


def class_label(code: str, names: Mapping[str, str]) -> str:
    """The advisor's name for a class: the one given, else the engine's words for the code."""
    return names.get(code) or drift.class_label(code)


def money(amount: Decimal) -> str:
    return f"${amount.quantize(CENT):,.2f}"


def percent(fraction: Decimal) -> str:
    """0.014 as '1.4%', 0.35 as '35%' (at most two decimals, no trailing zeros)."""
    text = f"{(fraction * 100).quantize(CENT):f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# --- why each class is where it is -------------------------------------------------------


def explain_classes(
    accounts: Sequence[AccountInfo],
    classes: Sequence[str],
    cents: NDArray[np.int64] | None,
    assumptions: Mapping[str, AssetClassAssumptions],
    drags: Mapping[str, Decimal],
    tax: TaxProfile,
    labels: Mapping[str, str],
    menu_limited: frozenset[tuple[int, int]] = frozenset(),
    *,
    after_tax_basis: bool = False,
) -> tuple[ClassExplanation, ...]:
    """One explanation per class: its drag, where it is placed and why.

    ``cents`` is the placement (accounts by classes) or ``None`` when there is
    no plan; ``menu_limited`` holds (account, class) positions whose menu binds.
    On the after-tax basis a traditional dollar is counted net of the tax due on
    withdrawal, which makes traditional, Roth and HSA accounts alike.
    """
    explanations = []
    funded = (
        set()
        if cents is None
        else {accounts[int(row)].tax_treatment for row in np.flatnonzero(cents.sum(axis=1) > 0)}
    )
    for column, code in enumerate(classes):
        label = labels[code]
        held = [] if cents is None else _holders(accounts, cents[:, column])
        reason = _drag_sentence(label, assumptions[code], drags[code], tax)
        if cents is not None:
            reason += " " + _placement_sentence(
                accounts, funded, column, held, assumptions[code], menu_limited, after_tax_basis
            )
        explanations.append(
            ClassExplanation(
                asset_class=code,
                taxable_drag=drags[code],
                placed_in=tuple(accounts[row].name for row, _ in held),
                reason=reason,
            )
        )
    return tuple(explanations)


def _holders(accounts: Sequence[AccountInfo], column: NDArray[np.int64]) -> list[tuple[int, int]]:
    held = [(int(row), int(column[row])) for row in np.flatnonzero(column > 0)]
    return sorted(held, key=lambda item: (-item[1], item[0]))


def _drag_sentence(label: str, cma: AssetClassAssumptions, drag: Decimal, tax: TaxProfile) -> str:
    income = cma.income_yield
    if income <= 0:
        income_words = "there is no income"
    elif cma.tax_exempt:
        income_words = "the income is free of federal tax"
    elif cma.qualified_ratio >= Decimal("0.5"):
        income_words = f"the income is mostly qualified dividends, taxed at {percent(tax.t_ltcg)}"
    else:
        income_words = (
            f"the income ({percent(income)} a year) is taxed as ordinary income"
            f" at {percent(tax.t_ord)}"
        )
    if cma.turnover > 0 and cma.expected_return > income:
        gain_words = f"{percent(cma.turnover)} of the gains are realised and taxed every year"
    else:
        gain_words = "gains are taxed only when sold"
    return (
        f"In a taxable account, {label} would lose {percent(drag)} a year to tax: "
        f"{income_words}, and {gain_words}."
    )


def _placement_sentence(
    accounts: Sequence[AccountInfo],
    funded: set[TaxTreatment],
    column: int,
    held: list[tuple[int, int]],
    cma: AssetClassAssumptions,
    menu_limited: frozenset[tuple[int, int]],
    after_tax_basis: bool,
) -> str:
    if not held:
        return "Its target is 0%, so the plan holds none."
    if after_tax_basis and TaxTreatment.TAXABLE not in funded:
        return (
            "Counted after the tax due on withdrawal, every funded account shelters it alike,"
            " so where it sits does not change its after-tax value."
        )
    shelters = {_TREATMENT_WORDS[treatment] for treatment in funded}
    if len(shelters) == 1:
        return (
            f"Every funded account is {shelters.pop()}, so where it sits does not change its tax."
        )
    shelter_of = {row: _TREATMENT_WORDS[accounts[row].tax_treatment] for row, _ in held}
    by_shelter: dict[str, int] = {}
    for row, amount in held:
        by_shelter[shelter_of[row]] = by_shelter.get(shelter_of[row], 0) + amount
    main = max(by_shelter, key=lambda shelter: by_shelter[shelter])
    main_names = join_words([accounts[row].name for row, _ in held if shelter_of[row] == main])
    if main == "tax-deferred" and cma.tax_exempt:
        # No drag to avoid: it is there because the withdrawal tax costs least on slow growth.
        sentence = (
            f"Withdrawals from {main_names} are taxed as income, which costs least on what "
            f"grows least: at {percent(cma.expected_return)} a year it sits there and leaves "
            "the taxable and tax-free room to classes that gain more from it."
        )
    elif main == "tax-deferred":
        sentence = f"So the plan places it in {main_names}, where tax waits until withdrawal."
    elif main == "tax-free":
        sentence = (
            f"With an expected return of {percent(cma.expected_return)} a year it gains most "
            f"in {main_names}, where growth is never taxed."
        )
    else:
        closed = sorted({accounts[row].name for row, limited in menu_limited if limited == column})
        if closed:
            verb = "does" if len(closed) == 1 else "do"
            sentence = (
                f"The plan places it in {main_names} because "
                f"{join_words(closed)} {verb} not offer it."
            )
        else:
            sentence = (
                "That is less than other classes would lose, so the plan places it in "
                f"{main_names} and keeps the tax-sheltered room for them."
            )
    others = [accounts[row].name for row, _ in held if shelter_of[row] != main]
    if others:
        sentence += f" The rest fills the remaining room in {join_words(others)}."
    return sentence


# --- which limits bind -------------------------------------------------------------------


def find_binding_menus(
    gain: NDArray[np.float64],
    allowed: NDArray[np.bool_],
    placed: NDArray[np.float64],
    current: NDArray[np.float64],
    penalty: NDArray[np.float64],
    candidates: NDArray[np.bool_],
) -> list[tuple[int, int, float]]:
    """Menu exclusions whose opening would raise the objective, with the gain per unit.

    Placing one more unit of class k in account a forces a chain of moves: a
    gives up some class l, l goes to another account b, which gives up another
    class, ..., until some account gives up k. The best such chain is a longest
    path in the residual graph of the transportation problem, so the marginal
    value of opening (a, k) is its own gain plus that path. Unlike one set of LP
    duals, this is exact when the plan is degenerate (as location plans often
    are). Units are those of ``gain`` (terminal dollars per unit placed), net of
    the churn penalty when there is one (the new holding is a purchase).
    """
    if not candidates.any():
        return []
    accounts_count = gain.shape[0]
    graph = _residual_graph(gain, allowed, placed, current, penalty)
    sources = np.flatnonzero(candidates.any(axis=1))
    try:
        distance = shortest_path(graph, method="J", directed=True, indices=sources)
    except NegativeCycleError:
        return []  # solver noise made the plan look improvable; report nothing rather than noise
    positions, columns = np.nonzero(candidates[sources])
    rows = sources[positions]
    paths = distance[positions, accounts_count + columns]
    values = gain[rows, columns] - penalty[rows] - paths
    found = np.isfinite(paths) & (values > _GAIN_TOLERANCE)
    binding = [
        (int(row), int(column), float(value))
        for row, column, value in zip(rows[found], columns[found], values[found], strict=True)
    ]
    return sorted(binding, key=lambda item: (-item[2], item[0], item[1]))


def churn_left_gain(
    gain: NDArray[np.float64], allowed: NDArray[np.bool_], placed: NDArray[np.float64]
) -> bool:
    """Whether some chain of moves would raise the after-tax value, ignoring churn.

    True means the churn penalty, not the taxes, kept part of the current
    placement: the residual graph without the penalty has an improving cycle
    (a negative one in negated gains, found by Bellman-Ford from a node that
    reaches every other).
    """
    no_penalty = np.zeros(gain.shape[0])
    graph = _residual_graph(gain, allowed, placed, placed, no_penalty).tocoo()
    size = graph.shape[0]
    hub = np.full(size, size)
    with_hub = sparse.csr_matrix(
        (
            np.concatenate([graph.data, np.ones(size)]),
            (np.concatenate([graph.row, hub]), np.concatenate([graph.col, np.arange(size)])),
        ),
        shape=(size + 1, size + 1),
    )
    try:
        shortest_path(with_hub, method="BF", directed=True, indices=[size])
    except NegativeCycleError:
        return True
    return False


def _increase_gain(
    gain: NDArray[np.float64],
    placed: NDArray[np.float64],
    current: NDArray[np.float64],
    penalty: NDArray[np.float64],
    row: int | NDArray[np.intp],
    column: int | NDArray[np.intp],
) -> NDArray[np.float64]:
    refills = placed[row, column] < current[row, column] - _PLACED_TOLERANCE
    return np.asarray(gain[row, column] + np.where(refills, penalty[row], -penalty[row]))


def _residual_graph(
    gain: NDArray[np.float64],
    allowed: NDArray[np.bool_],
    placed: NDArray[np.float64],
    current: NDArray[np.float64],
    penalty: NDArray[np.float64],
) -> sparse.csr_matrix:
    """Accounts then classes as nodes; edge weights are negated gains (shortest = best)."""
    accounts_count, classes_count = gain.shape
    size = accounts_count + classes_count
    # A tiny positive shift keeps zero-gain cycles of a degenerate plan from
    # reading as improving ones through rounding.
    shift = _GAIN_TOLERANCE * 1e-3
    add_rows, add_columns = np.nonzero(allowed)
    add_weight = -_increase_gain(gain, placed, current, penalty, add_rows, add_columns) + shift
    take_rows, take_columns = np.nonzero(placed > _PLACED_TOLERANCE)
    shrinks = (
        placed[take_rows, take_columns] <= current[take_rows, take_columns] + _PLACED_TOLERANCE
    )
    take_penalty = np.where(shrinks, penalty[take_rows], -penalty[take_rows])
    take_weight = gain[take_rows, take_columns] + take_penalty + shift
    sources = np.concatenate([accounts_count + add_columns, take_rows])
    targets = np.concatenate([add_rows, accounts_count + take_columns])
    weights = np.concatenate([add_weight, take_weight])
    return sparse.csr_matrix((weights, (sources, targets)), shape=(size, size))


# --- why no plan fits --------------------------------------------------------------------


def explain_shortfall(
    accounts: Sequence[AccountInfo],
    classes: Sequence[str],
    supply: Sequence[Decimal],
    demand: Sequence[Decimal],
    allowed: NDArray[np.bool_],
    labels: Mapping[str, str],
    unit: str = "",
) -> tuple[BindingConstraint, ...]:
    """Readable reasons why the accounts cannot hold the targets under their menus.

    ``supply`` is each account's value and ``demand`` each class's target in
    dollars (``unit`` follows the amounts, e.g. ' after tax'). Single classes
    and single accounts that cannot fit are named first; otherwise the smallest
    group of classes that does not fit (from a maximum flow's minimum cut).
    """
    rooms = [
        sum((supply[int(row)] for row in np.flatnonzero(allowed[:, column])), Decimal(0))
        for column in range(len(classes))
    ]
    reasons = [
        _class_room(labels[classes[column]], demand[column], rooms[column], unit, classes[column])
        for column in range(len(classes))
        if demand[column] > rooms[column]
    ]
    if reasons:
        return tuple(reasons)
    for row, account in enumerate(accounts):
        offered = [column for column in range(len(classes)) if allowed[row, column]]
        need = sum((demand[column] for column in offered), Decimal(0))
        if supply[row] > need:
            names = join_words([labels[classes[column]] for column in offered]) or "no target class"
            reasons.append(
                BindingConstraint(
                    kind="account_room",
                    message=(
                        f"{account.name} holds {money(supply[row])}{unit} but offers only "
                        f"{names}, which need {money(need)}{unit}: {money(supply[row] - need)}"
                        " has nowhere to go."
                    ),
                    amount=(supply[row] - need).quantize(CENT),
                    account_id=account.id,
                )
            )
    if reasons:
        return tuple(reasons)
    short_classes = _unplaceable_classes(supply, demand, allowed)
    if short_classes:
        need = sum((demand[column] for column in short_classes), Decimal(0))
        offering = np.flatnonzero(allowed[:, short_classes].any(axis=1))
        room = sum((supply[int(row)] for row in offering), Decimal(0))
        group = join_words([labels[classes[column]] for column in short_classes]) + " together"
        return (_class_room(group, need, room, unit, None),)
    return (
        BindingConstraint(
            kind="solver",
            message="No placement meets every account total, target and menu to the cent.",
        ),
    )


def _class_room(
    label: str, need: Decimal, room: Decimal, unit: str, code: str | None
) -> BindingConstraint:
    missing = need - room
    return BindingConstraint(
        kind="class_room",
        message=(
            f"{sentence_case(label)} need {money(need)}{unit} but only {money(room)}{unit}"
            f" of accounts offer them: {money(missing)} of room missing."
        ),
        amount=missing.quantize(CENT),
        asset_class=code,
    )


def _unplaceable_classes(
    supply: Sequence[Decimal], demand: Sequence[Decimal], allowed: NDArray[np.bool_]
) -> list[int]:
    """Classes on the far side of a minimum cut: together they need more than their accounts hold.

    Exact maximum flow (Edmonds-Karp in Decimal) from accounts to classes; the
    classes the residual network can no longer reach form a group whose target
    exceeds the accounts that offer any of it (Hall's condition fails there).
    """
    rows, columns = allowed.shape
    source_left = list(supply)
    sink_left = list(demand)
    flow = [[Decimal(0)] * columns for _ in range(rows)]
    while True:
        path, reached_columns = _find_flow_path(source_left, sink_left, flow, allowed)
        if path is None:
            return [
                column
                for column in range(columns)
                if not reached_columns[column] and demand[column] > 0
            ]
        start, moves, end = path
        amount = min(
            [source_left[start], sink_left[end]] + [flow[-1 - r][c] for r, c in moves if r < 0]
        )
        _push_flow(flow, moves, amount)
        source_left[start] -= amount
        sink_left[end] -= amount


def _find_flow_path(
    source_left: list[Decimal],
    sink_left: list[Decimal],
    flow: list[list[Decimal]],
    allowed: NDArray[np.bool_],
) -> tuple[tuple[int, list[tuple[int, int]], int] | None, list[bool]]:
    rows, columns = allowed.shape
    row_parent: list[int | None] = [None] * rows  # the class a row was reached from (-1: source)
    column_parent: list[int | None] = [None] * columns
    queue = deque(row for row in range(rows) if source_left[row] > 0)
    for row in queue:
        row_parent[row] = -1
    while queue:
        row = queue.popleft()
        for column in np.flatnonzero(allowed[row]):
            if column_parent[column] is not None:
                continue
            column_parent[column] = row
            if sink_left[column] > 0:
                return _trace_flow_path(int(column), row_parent, column_parent), []
            for other in range(rows):
                if row_parent[other] is None and flow[other][column] > 0:
                    row_parent[other] = int(column)
                    queue.append(other)
    return None, [parent is not None for parent in column_parent]


def _trace_flow_path(
    end: int, row_parent: list[int | None], column_parent: list[int | None]
) -> tuple[int, list[tuple[int, int]], int]:
    """Forward moves as (row, column); backward ones as (-1 - row, column)."""
    moves = []
    column = end
    while True:
        row = column_parent[column]
        assert row is not None  # noqa: S101 - every column on the path has a parent
        moves.append((row, column))
        parent = row_parent[row]
        assert parent is not None  # noqa: S101
        if parent == -1:
            return row, moves, end
        moves.append((-1 - row, parent))
        column = parent


def _push_flow(flow: list[list[Decimal]], moves: list[tuple[int, int]], amount: Decimal) -> None:
    for row, column in moves:
        if row >= 0:
            flow[row][column] += amount
        else:
            flow[-1 - row][column] -= amount

"""The rebalancing problem in solver terms: which lots may be sold, what may be bought.

``prepare_problem`` turns the snapshot, IPS, cash flows and options into
floats: sellable lots with their caps and gains per share, buy options per
account, the cells whose end values the mode constrains, and each account's
cash floor. ``model`` builds the MILP from it.

Decisions
    * Cells: with ``location="household"`` one cell per asset class (free cash
      in the cash class); with ``location="plan"`` one per account and class,
      the plan's dollars rescaled to the account's value after cash flows (a
      plan is computed before the flow arrives).
    * Bands: target mode pins each cell to its target; band mode allows half
      the class's band ``b_k`` (drift.band_half_width) of the household value
      (household) or of the account's value (plan).
    * Buys: for each class, the candidates are the primary (``buy_security``
      or the class's lowest security id) then its substitutes in order, less
      do-not-buy, do-not-trade and wash-blocked securities, one per substitute
      group (the wash-sale rules treat a group as one). The solver may use any
      of them (so a loss sale of the primary's group can be paired with a buy
      of a substitute); a small preference keeps the primary when it can.
    * Cash: free cash is cash plus flow less reserve, per account; it may be
      negative for an account below its reserve, which then counts against
      the household's cash (the account is made to sell toward its reserve).
    * Lots: lots of do-not-trade accounts and securities and wash-blocked loss
      lots are held constant; with short-term gains disallowed the short-term
      lots at a gain in taxable accounts too. With whole shares a lot sells
      whole shares only (a fractional remainder stays).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from advisory.engine.drift import band_half_width, class_label
from advisory.engine.lots import (
    baseline_gains,
    days_to_long_term,
    floor_quantity,
    is_long_term,
    ordinary_offset_limit,
)
from advisory.engine.money import ZERO
from advisory.engine.rebalance.types import Location, RebalanceMode, RebalanceOptions
from advisory.engine.types import (
    CASH_CLASS,
    AccountInfo,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    SecurityInfo,
    TaxTreatment,
)
from advisory.engine.wash_sales import (
    WashSaleBlock,
    blocked_groups_to_buy,
    blocked_lot_ids,
    find_wash_sale_blocks,
)


@dataclass(frozen=True)
class SellableLot:
    lot: LotInfo
    price: float
    cap: float  # most shares that may be sold
    gain_per_share: float
    taxable: bool
    long_term: bool
    held: bool  # short-term gain lot turning long-term soon
    account: int  # index into Problem.accounts
    cell: int
    cash_cell: int
    group: str
    position: int  # index of (account, security)


@dataclass(frozen=True)
class BuyOption:
    account: int
    security: SecurityInfo
    price: float
    cap: float  # most shares the account could ever afford
    rank: int  # 0 = the class's first choice
    cell: int
    cash_cell: int


@dataclass(frozen=True)
class Cell:
    key: str | tuple[int, str]
    base: float  # value before trading, dollars
    low: float
    high: float
    room: float = 0.0  # dollars it may end outside [low, high] and still meet the mode


@dataclass
class Problem:
    snapshot: HouseholdSnapshot
    policy: PolicyTargets
    options: RebalanceOptions
    cash_flows: Mapping[int, Decimal]
    accounts: list[AccountInfo]
    tradable: list[bool]
    cash_floor: list[float]  # net selling each account needs to keep its reserve (see _floors)
    lots: list[SellableLot]
    buys: list[BuyOption]
    cells: list[Cell]
    positions: list[tuple[int, int]]  # (account id, security id)
    blocks: tuple[WashSaleBlock, ...]
    restricted_classes: dict[str, str]  # class -> why nothing can be bought
    household_value: float
    s0: float
    l0: float
    t_ord: float
    t_ltcg: float
    budget: float | None
    offset_limit: float = 0.0  # D: net capital loss that offsets ordinary income
    notes: list[str] = field(default_factory=list)


def cash_after_flow(account: AccountInfo, cash_flows: Mapping[int, Decimal]) -> Decimal:
    return account.cash + cash_flows.get(account.id, ZERO)


def class_candidates(
    snapshot: HouseholdSnapshot, asset_class: str, options: RebalanceOptions
) -> list[SecurityInfo]:
    """The class's securities in buying order: primary, listed substitutes, the rest by id."""
    in_class = sorted(
        (s for s in snapshot.securities.values() if s.asset_class == asset_class),
        key=lambda s: s.id,
    )
    wanted = [options.buy_security[asset_class]] if asset_class in options.buy_security else []
    wanted += list(options.substitutes.get(asset_class, ()))
    by_id = {s.id: s for s in in_class}
    ordered = [by_id[i] for i in dict.fromkeys(wanted) if i in by_id]
    if asset_class not in options.substitutes:
        ordered += [s for s in in_class if s not in ordered]
    return ordered


def why_not_buyable(
    security: SecurityInfo, options: RebalanceOptions, blocked_groups: frozenset[str]
) -> str | None:
    if security.id in options.do_not_buy:
        return f"{security.symbol} is do-not-buy"
    if security.id in options.do_not_trade_securities:
        return f"{security.symbol} is do-not-trade"
    if security.substitute_group in blocked_groups:
        return f"{security.symbol} is blocked by a wash sale ({security.substitute_group})"
    return None


def buyable_candidates(
    snapshot: HouseholdSnapshot,
    asset_class: str,
    options: RebalanceOptions,
    blocked_groups: frozenset[str],
) -> tuple[list[SecurityInfo], list[str]]:
    """Buyable securities of a class (one per substitute group) and why the others are not."""
    chosen: list[SecurityInfo] = []
    reasons: list[str] = []
    groups: set[str] = set()
    for security in class_candidates(snapshot, asset_class, options):
        why = why_not_buyable(security, options, blocked_groups)
        if why:
            reasons.append(why)
        elif security.substitute_group not in groups:
            groups.add(security.substitute_group)
            chosen.append(security)
    return chosen, reasons


def _cell_keys(problem_location: Location, account: AccountInfo, asset_class: str) -> object:
    return asset_class if problem_location is Location.HOUSEHOLD else (account.id, asset_class)


def _base_values(
    snapshot: HouseholdSnapshot, location: Location, cash_flows: Mapping[int, Decimal]
) -> dict[object, Decimal]:
    values: dict[object, Decimal] = {}
    accounts = {a.id: a for a in snapshot.accounts}
    for account in snapshot.accounts:
        key = _cell_keys(location, account, CASH_CLASS)
        free = cash_after_flow(account, cash_flows) - account.cash_reserve
        values[key] = values.get(key, ZERO) + free
    for lot in snapshot.lots:
        security = snapshot.securities[lot.security_id]
        key = _cell_keys(location, accounts[lot.account_id], security.asset_class)
        values[key] = values.get(key, ZERO) + lot.quantity * security.price
    return values


def _band(policy: PolicyTargets, asset_class: str, mode: RebalanceMode) -> Decimal:
    if mode is RebalanceMode.TARGET:
        return ZERO
    target = policy.targets.get(asset_class, ZERO)
    return band_half_width(target, policy.abs_band, policy.rel_band) / 2


def _household_cells(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    options: RebalanceOptions,
    values: dict[object, Decimal],
) -> list[Cell]:
    total = sum(values.values(), ZERO)
    codes = list(dict.fromkeys([*policy.targets, *sorted(str(k) for k in values)]))
    cells = []
    for code in codes:
        target = policy.targets.get(code, ZERO) * total
        half = _band(policy, code, RebalanceMode(options.mode)) * total
        base = values.get(code, ZERO)
        cells.append(Cell(code, float(base), float(target - half), float(target + half)))
    return cells


def _plan_cells(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    options: RebalanceOptions,
    values: dict[object, Decimal],
) -> list[Cell]:
    if options.plan_targets is None:
        raise ValueError("location='plan' needs plan_targets")
    cells = []
    for account in snapshot.accounts:
        plan = {k: v for (a, k), v in options.plan_targets.items() if a == account.id}
        held = {k[1]: v for k, v in values.items() if isinstance(k, tuple) and k[0] == account.id}
        account_value = sum(held.values(), ZERO)
        planned = sum(plan.values(), ZERO)
        if planned <= 0 and account_value > 0:
            raise ValueError(f"plan_targets has nothing for account {account.id}")
        scale = account_value / planned if planned > 0 else ZERO
        for code in dict.fromkeys([*plan, *sorted(held)]):
            target = plan.get(code, ZERO) * scale
            half = _band(policy, code, RebalanceMode(options.mode)) * account_value
            base = held.get(code, ZERO)
            key = (account.id, code)
            cells.append(Cell(key, float(base), float(target - half), float(target + half)))
    return cells


def _is_taxable(account: AccountInfo) -> bool:
    return account.tax_treatment is TaxTreatment.TAXABLE


def _sell_cap(
    lot: LotInfo,
    account: AccountInfo,
    options: RebalanceOptions,
    blocked: frozenset[int],
    short_term_gain: bool,
) -> Decimal:
    if account.id in options.do_not_trade_accounts:
        return ZERO
    if lot.security_id in options.do_not_trade_securities or lot.id in blocked:
        return ZERO
    if short_term_gain and not options.allow_short_term and _is_taxable(account):
        return ZERO
    return floor_quantity(lot.quantity, options.whole_shares)


def _sellable_lots(
    problem_accounts: list[AccountInfo],
    snapshot: HouseholdSnapshot,
    options: RebalanceOptions,
    blocked: frozenset[int],
    cell_index: Mapping[object, int],
) -> tuple[list[SellableLot], list[tuple[int, int]]]:
    index = {a.id: i for i, a in enumerate(problem_accounts)}
    location = Location(options.location)
    lots: list[SellableLot] = []
    positions: dict[tuple[int, int], int] = {}
    for lot in snapshot.lots:
        account = problem_accounts[index[lot.account_id]]
        security = snapshot.securities[lot.security_id]
        gain = security.price - lot.cost_basis / lot.quantity if lot.quantity else ZERO
        long_term = is_long_term(lot.acquired_on, snapshot.as_of)
        cap = _sell_cap(lot, account, options, blocked, gain > 0 and not long_term)
        if cap <= 0:
            continue
        days = options.hold_near_long_term_days
        held = (
            _is_taxable(account)
            and not long_term
            and gain > 0
            and days > 0
            and days_to_long_term(lot.acquired_on, snapshot.as_of) <= days
        )
        position = positions.setdefault((account.id, security.id), len(positions))
        lots.append(
            SellableLot(
                lot=lot,
                price=float(security.price),
                cap=float(cap),
                gain_per_share=float(gain),
                taxable=_is_taxable(account),
                long_term=long_term,
                held=held,
                account=index[lot.account_id],
                cell=cell_index[_cell_keys(location, account, security.asset_class)],
                cash_cell=cell_index[_cell_keys(location, account, CASH_CLASS)],
                group=security.substitute_group,
                position=position,
            )
        )
    return lots, list(positions)


def _floors(
    accounts: list[AccountInfo], lots: list[SellableLot], cash_flows: Mapping[int, Decimal]
) -> tuple[list[float], list[str]]:
    """Net selling each account needs: enough to keep its reserve, or all it can sell.

    An account whose cash after the flows is below its reserve must sell the
    difference; when its sellable lots fall short it sells them all and the
    notes say so (its withdrawal, if any, is still paid). An account that
    cannot even pay its withdrawal makes the plan infeasible (see rebalance).
    """
    sellable = [0.0] * len(accounts)
    for lot in lots:
        sellable[lot.account] += lot.cap * lot.price
    floors, notes = [], []
    for i, account in enumerate(accounts):
        cash = cash_after_flow(account, cash_flows)
        short = float(account.cash_reserve - cash)
        floors.append(min(short, sellable[i]) if short > 0 else short)
        if short > sellable[i] + 0.005 and float(cash) + sellable[i] >= -0.005:
            notes.append(
                f"{account.name} cannot keep its ${account.cash_reserve:,.2f} reserve: "
                f"it raises all it can (${sellable[i]:,.2f})"
            )
    return floors, notes


def _widen_for_lumpy_trades(problem: Problem) -> list[Cell]:
    """Target cells given the room whole shares or a minimum trade make unavoidable.

    A class may end up to one share of the dearest security it trades, plus
    one minimum trade, from its target; the cash cell of the household (or of
    each account) takes the sum of its classes' room, since cash is what is
    left over. The solver then keeps as close to the exact targets as it can
    (a stage of its own, after the tax and before turnover).
    """
    minimum = float(problem.options.min_trade)
    whole = problem.options.whole_shares
    dearest = [0.0] * len(problem.cells)
    for lot in problem.lots:
        dearest[lot.cell] = max(dearest[lot.cell], lot.price)
    for buy in problem.buys:
        dearest[buy.cell] = max(dearest[buy.cell], buy.price)
    room = [(price if whole else 0.0) + (minimum if price > 0 else 0.0) for price in dearest]
    cash_room: dict[object, float] = {}
    for i, cell in enumerate(problem.cells):
        owner = _cash_key(cell.key)
        cash_room[owner] = cash_room.get(owner, 0.0) + (room[i] if not _is_cash(cell.key) else 0.0)
    widened = []
    for i, cell in enumerate(problem.cells):
        extra = cash_room.get(_cash_key(cell.key), 0.0) if _is_cash(cell.key) else room[i]
        widened.append(replace(cell, room=extra))
    return widened


def _is_cash(key: str | tuple[int, str]) -> bool:
    return (key if isinstance(key, str) else key[1]) == CASH_CLASS


def _cash_key(key: str | tuple[int, str]) -> str | tuple[int, str]:
    return CASH_CLASS if isinstance(key, str) else (key[0], CASH_CLASS)


def _cell_classes(cells: list[Cell]) -> list[str]:
    return list(dict.fromkeys(c.key if isinstance(c.key, str) else c.key[1] for c in cells))


def _buy_options(
    problem: Problem,
    cell_index: Mapping[object, int],
    blocked_groups: frozenset[str],
    apply_menus: bool,
) -> None:
    options, snapshot = problem.options, problem.snapshot
    location = Location(options.location)
    sellable_value = [0.0] * len(problem.accounts)
    for sellable in problem.lots:
        sellable_value[sellable.account] += sellable.cap * sellable.price
    codes = [c for c in _cell_classes(problem.cells) if c != CASH_CLASS]
    for i, account in enumerate(problem.accounts):
        spendable = max(0.0, sellable_value[i] - problem.cash_floor[i])
        if not problem.tradable[i] or spendable <= 0:
            continue
        cash_cell = cell_index[_cell_keys(location, account, CASH_CLASS)]
        for code in codes:
            cell = cell_index.get(_cell_keys(location, account, code))
            if cell is None or problem.cells[cell].high <= 0:
                continue
            if apply_menus and not account.allows(code):
                continue
            chosen, _ = buyable_candidates(snapshot, code, options, blocked_groups)
            for rank, security in enumerate(chosen):
                price = float(security.price)
                if price <= 0:
                    continue
                cap = spendable / price
                if options.whole_shares:
                    cap = float(int(cap))
                if cap > 0:
                    problem.buys.append(BuyOption(i, security, price, cap, rank, cell, cash_cell))


def _restricted_classes(
    problem: Problem, blocked_groups: frozenset[str], apply_menus: bool
) -> dict[str, str]:
    """Targeted classes nothing can be bought of, with the reason in words."""
    restricted = {}
    for code, weight in problem.policy.targets.items():
        if code == CASH_CLASS or weight <= 0:
            continue
        chosen, reasons = buyable_candidates(
            problem.snapshot, code, problem.options, blocked_groups
        )
        label = class_label(code)
        if not chosen:
            detail = "; ".join(reasons) if reasons else "no security in the class"
            restricted[code] = f"every security of {label} is restricted ({detail})"
        elif apply_menus and not any(
            a.allows(code) for a, ok in zip(problem.accounts, problem.tradable, strict=True) if ok
        ):
            restricted[code] = f"no tradable account's menu offers {label}"
    return restricted


def prepare_problem(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    cash_flows: Mapping[int, Decimal],
    options: RebalanceOptions,
    *,
    apply_wash_sales: bool = True,
    apply_menus: bool = True,
) -> Problem:
    """The solver's view of a rebalance (see the module notes for the decisions)."""
    known = {a.id for a in snapshot.accounts}
    unknown = set(cash_flows) - known
    if unknown:
        raise ValueError(f"cash flows for unknown accounts {sorted(unknown)}")
    location = Location(options.location)
    blocks = find_wash_sale_blocks(snapshot)
    blocked = blocked_lot_ids(blocks) if apply_wash_sales else frozenset()
    blocked_groups = blocked_groups_to_buy(blocks) if apply_wash_sales else frozenset()
    values = _base_values(snapshot, location, cash_flows)
    if location is Location.HOUSEHOLD:
        cells = _household_cells(snapshot, policy, options, values)
    else:
        cells = _plan_cells(snapshot, policy, options, values)
    cell_index: dict[object, int] = {cell.key: i for i, cell in enumerate(cells)}
    accounts = list(snapshot.accounts)
    lots, positions = _sellable_lots(accounts, snapshot, options, blocked, cell_index)
    s0, l0 = baseline_gains(snapshot.tax)
    problem = Problem(
        snapshot=snapshot,
        policy=policy,
        options=options,
        cash_flows=cash_flows,
        accounts=accounts,
        tradable=[a.id not in options.do_not_trade_accounts for a in accounts],
        cash_floor=[],
        lots=lots,
        buys=[],
        cells=cells,
        positions=positions,
        blocks=blocks,
        restricted_classes={},
        household_value=float(sum(values.values(), ZERO)),
        s0=float(s0),
        l0=float(l0),
        t_ord=float(snapshot.tax.t_ord),
        t_ltcg=float(snapshot.tax.t_ltcg),
        offset_limit=float(ordinary_offset_limit(snapshot.tax.filing_status))
        if options.ordinary_offset
        else 0.0,
        budget=None if options.gain_budget is None else float(options.gain_budget),
    )
    problem.cash_floor, problem.notes = _floors(accounts, lots, cash_flows)
    _buy_options(problem, cell_index, blocked_groups, apply_menus)
    if RebalanceMode(options.mode) is RebalanceMode.TARGET and (
        options.whole_shares or options.min_trade > 0
    ):
        problem.cells = _widen_for_lumpy_trades(problem)
    problem.restricted_classes = _restricted_classes(problem, blocked_groups, apply_menus)
    return problem

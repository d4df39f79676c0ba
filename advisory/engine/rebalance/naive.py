"""The naive rebalance the optimiser is measured against.

Each account is rebalanced to the IPS targets on its own: the targets are
renormalised over the classes the account's menu allows (cash always), every
overweight class is sold first-in, first-out, and the proceeds buy each
underweight class's buy security. It keeps the same hard rules as the
optimiser so the two are comparable: cash reserves, do-not-trade and
do-not-buy lists, short-term gains when disallowed, wash-sale blocks (lots
passed over, groups not bought), and rule 3 (a class whose buy security's
group this proposal sells at a loss buys the next candidate instead).
With no menus it ends every account, hence the household, at the targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from advisory.engine.lots import (
    fifo_order,
    floor_quantity,
    holding_term,
    lot_gain,
)
from advisory.engine.money import ZERO
from advisory.engine.rebalance.problem import buyable_candidates, cash_after_flow
from advisory.engine.rebalance.result import Verdict, assemble_plan
from advisory.engine.rebalance.types import RebalanceOptions, RebalancePlan
from advisory.engine.types import (
    CASH_CLASS,
    AccountInfo,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    TaxTreatment,
)
from advisory.engine.wash_sales import (
    blocked_groups_to_buy,
    blocked_lot_ids,
    find_wash_sale_blocks,
)


def _account_targets(account: AccountInfo, policy: PolicyTargets) -> dict[str, Decimal]:
    allowed = {
        code: weight
        for code, weight in policy.targets.items()
        if code == CASH_CLASS or account.allows(code)
    }
    total = sum(allowed.values(), ZERO)
    if total <= 0:
        return {CASH_CLASS: Decimal(1)}
    return {code: weight / total for code, weight in allowed.items()}


def _sellable(
    snapshot: HouseholdSnapshot, options: RebalanceOptions, blocked: frozenset[int]
) -> set[int]:
    taxable = {a.id for a in snapshot.accounts if a.tax_treatment is TaxTreatment.TAXABLE}
    ok = set()
    for lot in snapshot.lots:
        price = snapshot.securities[lot.security_id].price
        if lot.id in blocked or lot.security_id in options.do_not_trade_securities:
            continue
        short_gain = (
            holding_term(lot.acquired_on, snapshot.as_of).value == "short"
            and lot_gain(lot, lot.quantity, price) > 0
        )
        if short_gain and not options.allow_short_term and lot.account_id in taxable:
            continue
        ok.add(lot.id)
    return ok


def _sell_account(
    snapshot: HouseholdSnapshot,
    lots: list[LotInfo],
    targets: Mapping[str, Decimal],
    investable: Decimal,
    sellable: set[int],
    whole: bool,
) -> dict[int, Decimal]:
    """FIFO sales of every overweight class, dollars over target per class."""
    by_class: dict[str, list[LotInfo]] = {}
    for lot in lots:
        by_class.setdefault(snapshot.securities[lot.security_id].asset_class, []).append(lot)
    sells: dict[int, Decimal] = {}
    for code, class_lots in sorted(by_class.items()):
        held = sum((snapshot.lot_value(lot) for lot in class_lots), ZERO)
        excess = held - targets.get(code, ZERO) * investable
        for lot in fifo_order(class_lots):
            if excess <= 0:
                break
            if lot.id not in sellable:
                continue
            price = snapshot.securities[lot.security_id].price
            take = min(lot.quantity, floor_quantity(excess / price, whole))
            if take > 0:
                sells[lot.id] = take
                excess -= take * price
    return sells


def _loss_groups(snapshot: HouseholdSnapshot, sells: Mapping[int, Decimal]) -> set[str]:
    taxable = {a.id for a in snapshot.accounts if a.tax_treatment is TaxTreatment.TAXABLE}
    groups = set()
    for lot in snapshot.lots:
        if lot.id in sells and lot.account_id in taxable:
            security = snapshot.securities[lot.security_id]
            if lot_gain(lot, sells[lot.id], security.price) < 0:
                groups.add(security.substitute_group)
    return groups


def _buy_account(
    snapshot: HouseholdSnapshot,
    account: AccountInfo,
    holdings: Mapping[str, Decimal],
    targets: Mapping[str, Decimal],
    investable: Decimal,
    options: RebalanceOptions,
    avoid_groups: frozenset[str],
) -> dict[tuple[int, int], Decimal]:
    buys: dict[tuple[int, int], Decimal] = {}
    for code, weight in sorted(targets.items()):
        shortfall = weight * investable - holdings.get(code, ZERO)
        if code == CASH_CLASS or shortfall <= 0:
            continue
        chosen, _ = buyable_candidates(snapshot, code, options, avoid_groups)
        if chosen:
            security = chosen[0]
            quantity = floor_quantity(shortfall / security.price, options.whole_shares)
            if quantity > 0:
                buys[account.id, security.id] = quantity
    return buys


def naive_rebalance(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    cash_flows: Mapping[int, Decimal] | None = None,
    options: RebalanceOptions | None = None,
) -> RebalancePlan:
    """Each account to the targets on its own, FIFO lots (the baseline; see module notes).

    Uses ``options`` only for its restrictions (lists, short-term gains, whole
    shares, buy securities); it always aims at the targets, per account.
    """
    flows = dict(cash_flows or {})
    options = options or RebalanceOptions()
    blocks = find_wash_sale_blocks(snapshot)
    sellable = _sellable(snapshot, options, blocked_lot_ids(blocks))
    plans = []
    for account in snapshot.accounts:
        if account.id in options.do_not_trade_accounts:
            continue
        lots = [lot for lot in snapshot.lots if lot.account_id == account.id]
        investable = sum((snapshot.lot_value(lot) for lot in lots), ZERO)
        investable += cash_after_flow(account, flows) - account.cash_reserve
        targets = _account_targets(account, policy)
        plans.append((account, lots, investable, targets))
    sells: dict[int, Decimal] = {}
    for _, lots, investable, targets in plans:
        sells.update(
            _sell_account(snapshot, lots, targets, investable, sellable, options.whole_shares)
        )
    avoid = blocked_groups_to_buy(blocks) | frozenset(_loss_groups(snapshot, sells))
    buys: dict[tuple[int, int], Decimal] = {}
    for account, lots, investable, targets in plans:
        holdings: dict[str, Decimal] = {}
        for lot in lots:
            code = snapshot.securities[lot.security_id].asset_class
            held = lot.quantity - sells.get(lot.id, ZERO)
            holdings[code] = (
                holdings.get(code, ZERO) + held * snapshot.securities[lot.security_id].price
            )
        buys.update(_buy_account(snapshot, account, holdings, targets, investable, options, avoid))
    verdict = Verdict(blocks=blocks, notes=("Naive baseline: each account on its own, FIFO lots",))
    return assemble_plan(
        snapshot, policy, flows, sells, buys, whole_shares=options.whole_shares, verdict=verdict
    )

"""Tax-loss harvesting: sell taxable lots well under water, buy a substitute in the same class.

A lot is harvested when its loss is at least ``min_loss_dollars`` and at
least ``min_loss_percent`` of its basis. The whole lot is sold and the
proceeds buy, in the same account, a security of the same asset class in a
DIFFERENT substitute group, so the household's allocation stays put and the
loss is not washed.

Wash sales, household-wide
    * lots of a group bought in the last 30 days (any account, IRAs included,
      reinvested dividends too) are not harvested (rule 1);
    * a substitute's group must not have been sold at a loss in the last 30
      days (rule 2), must not be harvested by this proposal, and a group
      chosen as a substitute is not harvested (rule 3).
    Groups are taken by total harvestable loss, largest first; a group with
    no clean substitute is left alone and the notes say why. The notes also
    say until when the harvested groups must not be bought anywhere.

The tax value is ``T(S0, L0) - T(S0 + dS, L0 + dL)`` at the household's rates
(``RebalancePlan.tax_value``): what the losses save this year, given this
year's realised gains and carried-forward losses. Losses that only add to
the carry-forward save nothing this year and show a value of 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from advisory.engine.drift import class_label
from advisory.engine.lots import floor_quantity, lot_gain
from advisory.engine.money import ZERO
from advisory.engine.prose import long_date
from advisory.engine.rebalance.problem import buyable_candidates
from advisory.engine.rebalance.result import Verdict, assemble_plan
from advisory.engine.rebalance.types import HarvestOptions, RebalanceOptions, RebalancePlan
from advisory.engine.types import HouseholdSnapshot, LotInfo, PolicyTargets, TaxTreatment
from advisory.engine.wash_sales import (
    WASH_SALE_WINDOW_DAYS,
    WashSaleBlock,
    blocked_groups_to_buy,
    blocked_lot_ids,
    find_wash_sale_blocks,
    group_label,
)


def _harvestable(
    snapshot: HouseholdSnapshot, options: HarvestOptions, blocked: frozenset[int]
) -> dict[str, list[LotInfo]]:
    """Loss lots past both thresholds, by substitute group."""
    taxable = {
        a.id
        for a in snapshot.accounts
        if a.tax_treatment is TaxTreatment.TAXABLE and a.id not in options.do_not_trade_accounts
    }
    groups: dict[str, list[LotInfo]] = {}
    for lot in snapshot.lots:
        if lot.account_id not in taxable or lot.id in blocked:
            continue
        if lot.security_id in options.do_not_trade_securities:
            continue
        loss = lot.cost_basis - snapshot.lot_value(lot)
        if loss <= 0 or loss < options.min_loss_dollars:
            continue
        if lot.cost_basis <= 0 or loss / lot.cost_basis < options.min_loss_percent:
            continue
        group = snapshot.securities[lot.security_id].substitute_group
        groups.setdefault(group, []).append(lot)
    return groups


def _as_rebalance_options(options: HarvestOptions) -> RebalanceOptions:
    return RebalanceOptions(
        whole_shares=options.whole_shares,
        do_not_trade_securities=options.do_not_trade_securities,
        do_not_buy=options.do_not_buy,
        buy_security=options.buy_security,
        substitutes=options.substitutes,
    )


def _loss(snapshot: HouseholdSnapshot, lots: list[LotInfo]) -> Decimal:
    return sum((lot.cost_basis - snapshot.lot_value(lot) for lot in lots), ZERO)


def harvest_losses(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    options: HarvestOptions | None = None,
) -> RebalancePlan:
    """A harvest proposal (see the module notes); ``policy`` only feeds the drift report.

    Losses are negative gains in the trades; ``losses_realized`` sums them as
    a positive amount and ``tax_value`` is the tax they save this year.
    """
    options = options or HarvestOptions()
    sells, buys, notes, blocks = _choose(snapshot, options)
    verdict = Verdict(feasible=True, blocks=blocks, notes=tuple(notes))
    return assemble_plan(
        snapshot, policy, {}, sells, buys, whole_shares=options.whole_shares, verdict=verdict
    )


def harvest_loss_total(
    snapshot: HouseholdSnapshot, options: HarvestOptions | None = None
) -> Decimal:
    """The loss (positive dollars) ``harvest_losses`` would realise, without building the plan.

    The dashboard's "losses to harvest" is this figure, so it never promises a loss that
    wash sales, the thresholds or a missing substitute keep a harvest from realising.
    """
    sells, _, _, _ = _choose(snapshot, options or HarvestOptions())
    lots = {lot.id: lot for lot in snapshot.lots}
    gains = (
        lot_gain(lots[lot_id], quantity, snapshot.securities[lots[lot_id].security_id].price)
        for lot_id, quantity in sells.items()
    )
    return -sum(gains, ZERO)


Choice = tuple[
    dict[int, Decimal], dict[tuple[int, int], Decimal], list[str], tuple[WashSaleBlock, ...]
]


def _choose(snapshot: HouseholdSnapshot, options: HarvestOptions) -> Choice:
    """The lots to sell, the substitutes to buy, the notes and the wash-sale blocks."""
    buy_options = _as_rebalance_options(options)
    blocks = find_wash_sale_blocks(snapshot)
    candidates = _harvestable(snapshot, options, blocked_lot_ids(blocks))
    avoid = set(blocked_groups_to_buy(blocks)) | set(candidates)
    bought_groups: set[str] = set()
    sells: dict[int, Decimal] = {}
    buys: dict[tuple[int, int], Decimal] = {}
    notes: list[str] = []
    by_loss = sorted(candidates, key=lambda g: (-_loss(snapshot, candidates[g]), g))
    for group in by_loss:
        lots = candidates[group]
        if group in bought_groups:
            notes.append(
                f"{group_label(snapshot, group)} not harvested: it is this proposal's "
                "substitute for another group"
            )
            continue
        harvested = _harvest_group(snapshot, lots, buy_options, frozenset(avoid), sells, buys)
        if harvested is None:
            code = snapshot.securities[lots[0].security_id].asset_class
            notes.append(
                f"{group_label(snapshot, group)} not harvested: no substitute in "
                f"{class_label(code)} "
                f"outside the groups being sold or blocked"
            )
            avoid.discard(group)
            continue
        bought_groups |= harvested
    until = snapshot.as_of + timedelta(days=WASH_SALE_WINDOW_DAYS + 1)
    sold_groups = sorted(
        {
            snapshot.securities[lot.security_id].substitute_group
            for lot in snapshot.lots
            if lot.id in sells
        }
    )
    notes += [
        f"Harvested {group_label(snapshot, g)}: do not buy it in any account, IRAs included, "
        f"before {long_date(until)}"
        for g in sold_groups
    ]
    return sells, buys, notes, blocks


def _harvest_group(
    snapshot: HouseholdSnapshot,
    lots: list[LotInfo],
    options: RebalanceOptions,
    avoid: frozenset[str],
    sells: dict[int, Decimal],
    buys: dict[tuple[int, int], Decimal],
) -> set[str] | None:
    """Sell the group's lots and buy a substitute per lot's class; the groups bought."""
    chosen: set[str] = set()
    plans: list[tuple[LotInfo, int]] = []
    for lot in lots:
        code = snapshot.securities[lot.security_id].asset_class
        substitutes, _ = buyable_candidates(snapshot, code, options, avoid)
        if not substitutes:
            return None
        plans.append((lot, substitutes[0].id))
        chosen.add(substitutes[0].substitute_group)
    for lot, substitute_id in plans:
        sells[lot.id] = lot.quantity
        price = snapshot.securities[substitute_id].price
        quantity = floor_quantity(snapshot.lot_value(lot) / price, options.whole_shares)
        key = (lot.account_id, substitute_id)
        buys[key] = buys.get(key, ZERO) + quantity
    return chosen


def harvestable_losses(
    snapshot: HouseholdSnapshot, options: HarvestOptions
) -> Mapping[str, Decimal]:
    """Loss (positive dollars) per substitute group past the thresholds, before substitutes."""
    blocked = blocked_lot_ids(find_wash_sale_blocks(snapshot))
    return {
        g: _loss(snapshot, lots) for g, lots in _harvestable(snapshot, options, blocked).items()
    }

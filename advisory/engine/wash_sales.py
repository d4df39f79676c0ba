"""Wash sales across the whole household (IRC section 1091, Pub. 550, Rev. Rul. 2008-5).

A loss on a sale is disallowed when substantially identical securities (the
same substitute group) are bought within 30 days before or after the sale, in
ANY account of the household, IRAs and Roths included. Dividend reinvestments
are purchases. A proposal is dated ``as_of``; the look-back is ``as_of - 30`` to
``as_of``, and a purchase in it is a ``buy`` or ``reinvest`` transaction OR a lot
acquired in it (in any account), whether or not a transaction records the lot:
lots typed in, imported or created by an executed proposal all count.

The three rules every proposal keeps
    1. never sell a lot at a loss in a group bought (buy, reinvest, or a lot
       acquired) in the household in the last 30 days;
    2. never buy a group sold at a loss in the household in the last 30 days;
    3. never both sell at a loss and buy the same group in one proposal.

Decisions
    * Only sales in taxable accounts realise a loss, so only they trigger rule
      2 and only taxable lots are blocked by rule 1; a sale inside an IRA
      never is a loss for tax. A sale whose account the snapshot does not know
      counts (the safe side).
    * A recent lot does not count against the sale of that same lot (it is not
      its own replacement); it blocks every other loss lot of its group. A buy
      transaction is not tied to a lot, so it blocks every loss lot of its group,
      conservatively, as docs/DOMAIN.md states rule 1.
    * A block lifts 31 days after the purchase or sale that caused it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from advisory.engine.money import CENT, ZERO
from advisory.engine.prose import long_date
from advisory.engine.types import HouseholdSnapshot, LotInfo, TaxTreatment

WASH_SALE_WINDOW_DAYS = 30
PURCHASE_KINDS = frozenset({"buy", "reinvest"})


class WashRule(StrEnum):
    RECENT_PURCHASE = "recent_purchase"  # rule 1: no loss sale after a purchase
    RECENT_LOSS_SALE = "recent_loss_sale"  # rule 2: no purchase after a loss sale
    SAME_PROPOSAL = "same_proposal"  # rule 3: not both in one proposal


@dataclass(frozen=True)
class WashSaleBlock:
    """Something a proposal may not do in one substitute group, and why."""

    substitute_group: str
    rule: WashRule
    reason: str
    lot_ids: tuple[int, ...] = ()  # loss lots that may not be sold
    security_ids: tuple[int, ...] = ()  # securities that may not be bought
    until: date | None = None  # first day the block no longer applies


@dataclass(frozen=True)
class WashSaleAdjustment:
    """The tax result of a loss sale followed (or preceded) by a replacement purchase.

    ``realized_gain`` is the sale's economic gain (negative, a loss);
    ``disallowed_loss`` the positive part of that loss the wash sale defers
    (taxable replacement) or destroys (IRA or Roth replacement);
    ``recognized_gain`` what is reported this year; ``replacement_basis`` the
    replacement lot's total basis after the adjustment.
    """

    realized_gain: Decimal
    disallowed_loss: Decimal
    recognized_gain: Decimal
    replacement_basis: Decimal
    loss_lost_for_good: bool


def within_wash_window(sale_on: date, purchase_on: date) -> bool:
    """Whether a purchase on ``purchase_on`` is within 30 days before or after ``sale_on``."""
    return abs((purchase_on - sale_on).days) <= WASH_SALE_WINDOW_DAYS


def adjust_for_wash_sale(
    sold_quantity: Decimal,
    proceeds: Decimal,
    sold_basis: Decimal,
    replacement_quantity: Decimal,
    replacement_cost: Decimal,
    replacement_treatment: TaxTreatment = TaxTreatment.TAXABLE,
) -> WashSaleAdjustment:
    """Disallowed loss and replacement basis of a wash sale (money in dollars).

    The loss on the shares replaced (``min(1, replacement / sold)`` of it) is
    disallowed. In a taxable account it is added to the replacement's basis
    (Pub. 550: buy 100 sh for $1,000, sell for $750, rebuy for $800 -> $250
    disallowed, new basis $1,050). In an IRA, Roth or HSA the loss is lost for
    good and the replacement's basis is not increased (Rev. Rul. 2008-5).
    A sale at a gain is never a wash sale.
    """
    realized = proceeds - sold_basis
    if realized >= 0 or sold_quantity <= 0 or replacement_quantity <= 0:
        return WashSaleAdjustment(realized, ZERO, realized, replacement_cost, False)
    share = min(Decimal(1), replacement_quantity / sold_quantity)
    disallowed = (-realized * share).quantize(CENT)
    taxable = replacement_treatment is TaxTreatment.TAXABLE
    basis = replacement_cost + disallowed if taxable else replacement_cost
    return WashSaleAdjustment(realized, disallowed, realized + disallowed, basis, not taxable)


def _account_is_taxable(snapshot: HouseholdSnapshot) -> Mapping[int, bool]:
    return {a.id: a.tax_treatment is TaxTreatment.TAXABLE for a in snapshot.accounts}


def _in_lookback(snapshot: HouseholdSnapshot, day: date) -> bool:
    return day <= snapshot.as_of and within_wash_window(snapshot.as_of, day)


@dataclass(frozen=True)
class RecentPurchases:
    """The household's purchases in the look-back, by substitute group.

    ``by_transaction``: the latest buy or reinvest; ``by_lot``: the two latest lots
    acquired, as (date, lot id), newest first: enough to answer for any one lot
    what its sale would be replaced by without counting the lot itself.
    """

    by_transaction: Mapping[str, date]
    by_lot: Mapping[str, tuple[tuple[date, int], ...]]

    def latest(self, group: str, *, except_lot: int | None = None) -> date | None:
        dates = [d for d, lot_id in self.by_lot.get(group, ()) if lot_id != except_lot][:1]
        if group in self.by_transaction:
            dates.append(self.by_transaction[group])
        return max(dates, default=None)


def recent_purchases(snapshot: HouseholdSnapshot) -> RecentPurchases:
    """Buy and reinvest transactions and lots acquired in the window, any account."""
    by_transaction: dict[str, date] = {}
    for txn in snapshot.recent_transactions:
        if txn.kind not in PURCHASE_KINDS or txn.security_id is None:
            continue
        if _in_lookback(snapshot, txn.trade_date):
            group = snapshot.securities[txn.security_id].substitute_group
            by_transaction[group] = max(by_transaction.get(group, txn.trade_date), txn.trade_date)
    lots: dict[str, list[tuple[date, int]]] = {}
    for lot in snapshot.lots:
        if _in_lookback(snapshot, lot.acquired_on):
            group = snapshot.securities[lot.security_id].substitute_group
            lots.setdefault(group, []).append((lot.acquired_on, lot.id))
    newest = {g: tuple(sorted(found, reverse=True)[:2]) for g, found in lots.items()}
    return RecentPurchases(by_transaction, newest)


def groups_bought_recently(snapshot: HouseholdSnapshot) -> dict[str, date]:
    """Substitute group -> latest purchase (transaction or lot) in the window, any account."""
    purchases = recent_purchases(snapshot)
    groups = set(purchases.by_transaction) | set(purchases.by_lot)
    return {g: d for g in groups if (d := purchases.latest(g)) is not None}


def groups_sold_at_loss_recently(snapshot: HouseholdSnapshot) -> dict[str, date]:
    """Substitute group -> latest sale at a loss (taxable accounts) in the window."""
    taxable = _account_is_taxable(snapshot)
    latest: dict[str, date] = {}
    for txn in snapshot.recent_transactions:
        if txn.kind != "sell" or txn.security_id is None or txn.realized_gain is None:
            continue
        if txn.realized_gain >= 0 or not taxable.get(txn.account_id, True):
            continue
        if not _in_lookback(snapshot, txn.trade_date):
            continue
        group = snapshot.securities[txn.security_id].substitute_group
        latest[group] = max(latest.get(group, txn.trade_date), txn.trade_date)
    return latest


def _lifts_on(event_on: date) -> date:
    return event_on + timedelta(days=WASH_SALE_WINDOW_DAYS + 1)


def is_loss_lot(snapshot: HouseholdSnapshot, lot: LotInfo) -> bool:
    """Whether selling ``lot`` now realises a loss (price below basis per share)."""
    return lot.quantity * snapshot.securities[lot.security_id].price < lot.cost_basis


def group_label(snapshot: HouseholdSnapshot, group: str) -> str:
    """A substitute group as an advisor reads it: its symbols, never the internal code.

    ``"ITOT/VTI"``; more than three symbols are counted, not listed; a group the
    household has no security of reads as words (``us_aggregate`` -> ``us aggregate``).
    """
    symbols = sorted(
        {s.symbol for s in snapshot.securities.values() if s.substitute_group == group}
    )
    if not symbols:
        return group.replace("_", " ")
    shown = "/".join(symbols[:3])
    if len(symbols) > 3:
        shown += f" and {len(symbols) - 3} more"
    return shown


def find_wash_sale_blocks(snapshot: HouseholdSnapshot) -> tuple[WashSaleBlock, ...]:
    """Rules 1 and 2 on ``snapshot.as_of``: loss lots that may not be sold, groups not bought."""
    taxable = _account_is_taxable(snapshot)
    blocks = []
    purchases = recent_purchases(snapshot)
    blocked: dict[str, list[tuple[int, date]]] = {}
    for lot in snapshot.lots:
        if not taxable.get(lot.account_id, False) or not is_loss_lot(snapshot, lot):
            continue
        group = snapshot.securities[lot.security_id].substitute_group
        bought_on = purchases.latest(group, except_lot=lot.id)
        if bought_on is not None:
            blocked.setdefault(group, []).append((lot.id, bought_on))
    for group, lots in sorted(blocked.items()):
        bought_on = max(on for _, on in lots)
        reason = (
            f"{group_label(snapshot, group)} was bought on {long_date(bought_on)} "
            "(within 30 days): "
            f"selling its lots at a loss now would be a wash sale"
        )
        blocks.append(
            WashSaleBlock(
                group,
                WashRule.RECENT_PURCHASE,
                reason,
                lot_ids=tuple(sorted(lot_id for lot_id, _ in lots)),
                until=_lifts_on(bought_on),
            )
        )
    for group, sold_on in sorted(groups_sold_at_loss_recently(snapshot).items()):
        security_ids = tuple(
            sorted(s.id for s in snapshot.securities.values() if s.substitute_group == group)
        )
        reason = (
            f"{group_label(snapshot, group)} was sold at a loss on {long_date(sold_on)} "
            "(within 30 days): "
            "buying it in any "
            f"account, IRAs included, would disallow that loss"
        )
        blocks.append(
            WashSaleBlock(
                group,
                WashRule.RECENT_LOSS_SALE,
                reason,
                security_ids=security_ids,
                until=_lifts_on(sold_on),
            )
        )
    return tuple(blocks)


def blocked_lot_ids(blocks: Iterable[WashSaleBlock]) -> frozenset[int]:
    """Lots the blocks forbid selling (at a loss)."""
    return frozenset(lot_id for block in blocks for lot_id in block.lot_ids)


def blocked_groups_to_buy(blocks: Iterable[WashSaleBlock]) -> frozenset[str]:
    """Substitute groups the blocks forbid buying."""
    return frozenset(b.substitute_group for b in blocks if b.rule is WashRule.RECENT_LOSS_SALE)


@dataclass(frozen=True)
class ProposedSale:
    """One lot relief of a proposal, as the wash-sale check needs it."""

    lot_id: int
    gain: Decimal


def wash_sale_violations(
    snapshot: HouseholdSnapshot,
    sales: Iterable[ProposedSale],
    bought_security_ids: Iterable[int],
) -> tuple[str, ...]:
    """Every rule a proposal breaks, in words (empty when it keeps all three).

    Only sales in taxable accounts with a negative gain are losses.
    """
    lots = {lot.id: lot for lot in snapshot.lots}
    taxable = _account_is_taxable(snapshot)
    group_of = {s.id: s.substitute_group for s in snapshot.securities.values()}
    purchases = recent_purchases(snapshot)
    loss_groups: dict[str, int] = {}
    problems = []
    for sale in sales:
        lot = lots[sale.lot_id]
        if sale.gain < 0 and taxable.get(lot.account_id, True):
            group = group_of[lot.security_id]
            loss_groups[group] = lot.id
            bought_on = purchases.latest(group, except_lot=lot.id)
            if bought_on is not None:
                problems.append(
                    f"lot {lot.id} sold at a loss but {group} was bought on {bought_on}"
                )
    bought_groups = {group_of[sid] for sid in bought_security_ids}
    recent_losses = groups_sold_at_loss_recently(snapshot)
    problems += [
        f"{group} bought but sold at a loss on {recent_losses[group]}"
        for group in sorted(bought_groups)
        if group in recent_losses
    ]
    problems += [
        f"{group} both sold at a loss and bought in this proposal"
        for group in sorted(bought_groups & loss_groups.keys())
    ]
    return tuple(problems)

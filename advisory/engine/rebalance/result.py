"""Turning chosen quantities into a proposal: trades, lot reliefs, gains, tax, drift, cash.

Shared by the optimiser, the naive baseline and the loss harvest, so all three
report the same way. The numbers are recomputed here in ``Decimal`` from the
rounded quantities, so a proposal is self-consistent: relief gains sum to the
trade's gains and to the plan's, the tax is ``T`` of those sums, and each
account's cash after is its cash plus flow plus sale amounts less buy amounts
(amounts in cents, as the custodian books them).

Rounding keeps the hard rules: a lot never sells more than it holds, and buys
are trimmed (largest first, by whole steps of 0.000001 share or one share)
until every account's cash after stays at or above its reserve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from advisory.engine.drift import DriftReport, measure_drift, measure_drift_from_values
from advisory.engine.lots import (
    SHARE_STEP,
    Term,
    baseline_gains,
    fifo_order,
    loss_carried_forward,
    ordinary_offset_limit,
    relieve_specific,
    tax_before_and_after,
)
from advisory.engine.money import CENT, ZERO
from advisory.engine.rebalance.types import RebalancePlan, Side, Trade
from advisory.engine.types import (
    CASH_CLASS,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    TaxTreatment,
)
from advisory.engine.wash_sales import WashSaleBlock


@dataclass(frozen=True)
class Verdict:
    """What the caller knows about the quantities it hands over."""

    feasible: bool = True
    blocks: tuple[WashSaleBlock, ...] = ()
    binding: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    shortfall: Decimal = ZERO
    optimal: bool = True


def _amount(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(CENT)


def _sell_trades(snapshot: HouseholdSnapshot, sells: Mapping[int, Decimal]) -> list[Trade]:
    taxable = {a.id: a.tax_treatment is TaxTreatment.TAXABLE for a in snapshot.accounts}
    by_position: dict[tuple[int, int], list[LotInfo]] = {}
    quantities: dict[int, Decimal] = {}
    for lot in snapshot.lots:
        quantity = min(sells.get(lot.id, ZERO), lot.quantity)
        if quantity > 0:
            quantities[lot.id] = quantity
            by_position.setdefault((lot.account_id, lot.security_id), []).append(lot)
    trades = []
    for (account_id, security_id), lots in sorted(by_position.items()):
        security = snapshot.securities[security_id]
        reliefs = relieve_specific(fifo_order(lots), quantities, security.price, snapshot.as_of)
        quantity = sum((r.quantity for r in reliefs), ZERO)
        trades.append(
            Trade(
                account_id,
                security_id,
                security.symbol,
                Side.SELL,
                quantity,
                security.price,
                _amount(quantity, security.price),
                taxable[account_id],
                reliefs,
            )
        )
    return trades


def _trim(quantity: Decimal, price: Decimal, excess: Decimal, whole: bool) -> Decimal:
    """The quantity less the fewest steps whose amount covers ``excess`` dollars."""
    step = Decimal(1) if whole else SHARE_STEP
    cut = (excess / price / step).to_integral_value(rounding=ROUND_CEILING) * step
    trimmed = max(ZERO, quantity - cut)
    while trimmed > 0 and _amount(quantity, price) - _amount(trimmed, price) < excess:
        trimmed = max(ZERO, trimmed - step)
    return trimmed


def _buy_trades(
    snapshot: HouseholdSnapshot,
    buys: Mapping[tuple[int, int], Decimal],
    room: Mapping[int, Decimal],
    whole: bool,
) -> list[Trade]:
    taxable = {a.id: a.tax_treatment is TaxTreatment.TAXABLE for a in snapshot.accounts}
    trades = []
    for account_id in sorted({a for a, _ in buys}):
        wanted = {sid: q for (a, sid), q in buys.items() if a == account_id and q > 0}
        prices = {sid: snapshot.securities[sid].price for sid in wanted}
        excess = sum((_amount(q, prices[s]) for s, q in wanted.items()), ZERO) - room[account_id]
        for sid in sorted(wanted, key=lambda s: (-_amount(wanted[s], prices[s]), s)):
            if excess <= 0:
                break
            before = _amount(wanted[sid], prices[sid])
            wanted[sid] = _trim(wanted[sid], prices[sid], excess, whole)
            excess -= before - _amount(wanted[sid], prices[sid])
        for sid, quantity in sorted(wanted.items()):
            amount = _amount(quantity, prices[sid])
            if quantity > 0 and amount > 0:
                security = snapshot.securities[sid]
                trades.append(
                    Trade(
                        account_id,
                        sid,
                        security.symbol,
                        Side.BUY,
                        quantity,
                        security.price,
                        amount,
                        taxable[account_id],
                    )
                )
    return trades


def _values_after(
    snapshot: HouseholdSnapshot, trades: Iterable[Trade], cash_after: Mapping[int, Decimal]
) -> dict[str, Decimal]:
    sold = {r.lot_id: r.quantity for t in trades for r in t.lots}
    values: dict[str, Decimal] = {}
    for lot in snapshot.lots:
        security = snapshot.securities[lot.security_id]
        held = lot.quantity - sold.get(lot.id, ZERO)
        values[security.asset_class] = (
            values.get(security.asset_class, ZERO) + held * security.price
        )
    for trade in trades:
        if trade.side is Side.BUY:
            code = snapshot.securities[trade.security_id].asset_class
            values[code] = values.get(code, ZERO) + trade.quantity * trade.price
    free = sum((max(ZERO, cash_after[a.id] - a.cash_reserve) for a in snapshot.accounts), ZERO)
    values[CASH_CLASS] = values.get(CASH_CLASS, ZERO) + free
    return {code: value for code, value in values.items() if value}


def drift_after_trades(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    trades: Iterable[Trade],
    cash_after: Mapping[int, Decimal],
) -> DriftReport:
    """Drift of the household once ``trades`` are done and the cash is ``cash_after``."""
    values = _values_after(snapshot, list(trades), cash_after)
    return measure_drift_from_values(values, policy, snapshot.as_of)


def _offset_notes(snapshot: HouseholdSnapshot, short: Decimal, long: Decimal) -> tuple[str, ...]:
    """What a net capital loss for the year does: the ordinary offset and the carry-forward."""
    if short >= 0 and long >= 0:
        return ()
    s0, l0 = baseline_gains(snapshot.tax)
    net = s0 + l0 + short + long
    if net >= 0:
        return ()
    limit = ordinary_offset_limit(snapshot.tax.filing_status)
    offset = min(limit, -net)
    carried = loss_carried_forward(s0 + short, l0 + long, limit)
    return (
        f"The year ends at a net capital loss of ${-net:,.2f}: ${offset:,.2f} of it offsets "
        f"ordinary income this year (at most ${limit:,.0f}), "
        f"${carried:,.2f} carries forward to next year",
    )


def assemble_plan(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    cash_flows: Mapping[int, Decimal],
    sells: Mapping[int, Decimal],
    buys: Mapping[tuple[int, int], Decimal],
    *,
    whole_shares: bool = False,
    verdict: Verdict | None = None,
) -> RebalancePlan:
    """A proposal from shares sold per lot id and shares bought per (account id, security id).

    Quantities are used as given (already rounded to 6 places or whole
    shares), a lot's sale capped at what it holds, buys trimmed to each
    account's cash above its reserve. Gains count taxable accounts only.
    """
    verdict = verdict or Verdict()
    sell_trades = _sell_trades(snapshot, sells)
    start = {a.id: a.cash + cash_flows.get(a.id, ZERO) for a in snapshot.accounts}
    room = {a.id: start[a.id] - a.cash_reserve for a in snapshot.accounts}
    for trade in sell_trades:
        room[trade.account_id] += trade.amount
    buy_trades = _buy_trades(snapshot, buys, room, whole_shares)
    trades = sorted(
        [*sell_trades, *buy_trades], key=lambda t: (t.account_id, t.side is Side.BUY, t.security_id)
    )
    cash_after = dict(start)
    for trade in trades:
        cash_after[trade.account_id] += -trade.amount if trade.side is Side.BUY else trade.amount
    short = sum((r.gain for t in trades if t.taxable for r in t.lots if r.term is Term.SHORT), ZERO)
    long = sum((r.gain for t in trades if t.taxable for r in t.lots if r.term is Term.LONG), ZERO)
    tax_before, tax_after = tax_before_and_after(snapshot.tax, short, long)
    notes = verdict.notes + _offset_notes(snapshot, short, long)
    return RebalancePlan(
        feasible=verdict.feasible,
        trades=tuple(trades),
        short_term_gain=short,
        long_term_gain=long,
        tax_before=tax_before,
        tax_after=tax_after,
        drift_before=measure_drift(snapshot, policy),
        drift_after=drift_after_trades(snapshot, policy, trades, cash_after),
        cash_after=cash_after,
        wash_sale_blocks=verdict.blocks,
        binding=verdict.binding,
        notes=notes,
        shortfall=verdict.shortfall,
        optimal=verdict.optimal,
    )

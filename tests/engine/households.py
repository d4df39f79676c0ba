"""Small households for the rebalancing tests, and checks every proposal must pass."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from advisory.engine.drift import band_half_width
from advisory.engine.rebalance.types import RebalancePlan, Side
from advisory.engine.types import (
    CASH_CLASS,
    AccountInfo,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    SecurityInfo,
    TaxProfile,
    TransactionInfo,
)
from advisory.engine.wash_sales import ProposedSale, wash_sale_violations

D = Decimal
AS_OF = date(2025, 6, 30)
LONG_AGO = date(2020, 1, 2)  # long-term on AS_OF
RECENTLY = date(2025, 3, 3)  # short-term on AS_OF
RATES = TaxProfile(t_ord=D("0.37"), t_ltcg=D("0.20"))

EQ = SecurityInfo(1, "VOO", "us_equity", "sp500", D("100"))
EQ_TWIN = SecurityInfo(2, "IVV", "us_equity", "sp500", D("100"))
EQ_SUB = SecurityInfo(3, "VTI", "us_equity", "total-us", D("100"))
BND = SecurityInfo(4, "BND", "us_bonds", "agg", D("50"))
BND_SUB = SecurityInfo(5, "AGG", "us_bonds", "ishares-agg", D("50"))
SECURITIES = {s.id: s for s in (EQ, EQ_TWIN, EQ_SUB, BND, BND_SUB)}
FIFTY_FIFTY = PolicyTargets(targets={"us_equity": D("0.5"), "us_bonds": D("0.5")})


def taxable(account_id: int = 1, cash: str = "0", reserve: str = "0") -> AccountInfo:
    return AccountInfo(account_id, f"Joint {account_id}", "taxable", D(cash), D(reserve))


def ira(account_id: int = 2, cash: str = "0", reserve: str = "0") -> AccountInfo:
    return AccountInfo(account_id, f"IRA {account_id}", "traditional_ira", D(cash), D(reserve))


def lot(
    lot_id: int,
    account_id: int,
    security: SecurityInfo,
    quantity: str,
    basis: str,
    acquired: date = LONG_AGO,
) -> LotInfo:
    return LotInfo(lot_id, account_id, security.id, D(quantity), D(basis), acquired)


def household(
    accounts: Iterable[AccountInfo],
    lots: Iterable[LotInfo],
    *,
    tax: TaxProfile = RATES,
    recent: Iterable[TransactionInfo] = (),
    securities: Mapping[int, SecurityInfo] = SECURITIES,
    as_of: date = AS_OF,
) -> HouseholdSnapshot:
    return HouseholdSnapshot(
        1,
        as_of,
        tuple(accounts),
        dict(securities),
        tuple(lots),
        recent_transactions=tuple(recent),
        tax=tax,
    )


def trade_list(plan: RebalancePlan) -> list[tuple[int, str, str, Decimal]]:
    """(account, side, symbol, quantity) of every trade, for compact assertions."""
    return [(t.account_id, t.side.value, t.symbol, t.quantity) for t in plan.trades]


def reliefs(plan: RebalancePlan) -> dict[int, Decimal]:
    return {r.lot_id: r.quantity for t in plan.trades for r in t.lots}


def check_invariants(
    snapshot: HouseholdSnapshot,
    plan: RebalancePlan,
    cash_flows: Mapping[int, Decimal] | None = None,
) -> None:
    """No lot oversold, no cash below reserve, self-consistent sums, no wash-sale rule broken."""
    flows = cash_flows or {}
    lots = {lot.id: lot for lot in snapshot.lots}
    sold: dict[int, Decimal] = {}
    for trade in plan.trades:
        assert trade.quantity > 0
        assert trade.amount == (trade.quantity * trade.price).quantize(D("0.01"))
        if trade.side is Side.SELL:
            assert sum(r.quantity for r in trade.lots) == trade.quantity
            for relief in trade.lots:
                assert lots[relief.lot_id].account_id == trade.account_id
                assert lots[relief.lot_id].security_id == trade.security_id
                sold[relief.lot_id] = sold.get(relief.lot_id, D(0)) + relief.quantity
    for lot_id, quantity in sold.items():
        assert quantity <= lots[lot_id].quantity, f"lot {lot_id} oversold"
    for account in snapshot.accounts:
        cash = account.cash + flows.get(account.id, D(0))
        for trade in plan.trades_for(account.id):
            cash += trade.amount if trade.side is Side.SELL else -trade.amount
        assert cash == plan.cash_after[account.id]
        buys = [t for t in plan.trades_for(account.id) if t.side is Side.BUY]
        if buys:  # an account below its reserve may only raise cash
            assert cash >= account.cash_reserve, f"account {account.id} below its reserve"
    sales = [ProposedSale(r.lot_id, r.gain) for t in plan.trades for r in t.lots]
    bought = [t.security_id for t in plan.trades if t.side is Side.BUY]
    assert wash_sale_violations(snapshot, sales, bought) == ()
    taxable_gains = [r.gain for t in plan.trades if t.taxable for r in t.lots]
    assert plan.short_term_gain + plan.long_term_gain == sum(taxable_gains, D(0))


def end_values(snapshot: HouseholdSnapshot, plan: RebalancePlan) -> dict[str, Decimal]:
    """Household dollars per class after the plan, free cash in the cash class."""
    sold = {r.lot_id: r.quantity for t in plan.trades for r in t.lots}
    values: dict[str, Decimal] = {}
    for held in snapshot.lots:
        security = snapshot.securities[held.security_id]
        remaining = held.quantity - sold.get(held.id, D(0))
        values[security.asset_class] = values.get(security.asset_class, D(0)) + (
            remaining * security.price
        )
    for trade in plan.trades:
        if trade.side is Side.BUY:
            code = snapshot.securities[trade.security_id].asset_class
            values[code] = values.get(code, D(0)) + trade.quantity * trade.price
    free = sum((plan.cash_after[a.id] - a.cash_reserve for a in snapshot.accounts), D(0))
    values[CASH_CLASS] = values.get(CASH_CLASS, D(0)) + free
    return values


def meets_mode(
    snapshot: HouseholdSnapshot,
    policy: PolicyTargets,
    plan: RebalancePlan,
    mode: str,
    tolerance: Decimal,
) -> bool:
    """Whether every class ends at its target (or within half its band), give or take dollars."""
    values = end_values(snapshot, plan)
    total = sum(values.values(), D(0))
    for code in {*values, *policy.targets}:
        target = policy.targets.get(code, D(0))
        room = D(0)
        if mode == "band":
            room = band_half_width(target, policy.abs_band, policy.rel_band) / 2 * total
        if abs(values.get(code, D(0)) - target * total) > room + tolerance:
            return False
    return True

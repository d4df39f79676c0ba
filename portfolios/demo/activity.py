"""A household's recent activity: contributions, dividends, withdrawals, fees and sales.

This is the wash-sale rules' material: payroll buys and dividend
reinvestments in the last 30 days are purchases in every account type, and a
recent tax-loss swap (a loss sale plus a buy of a different index in the same
class) blocks buying the sold group back. Generated sales are kept clean: a
sale at a loss is only of a group the household no longer holds, so no
purchase of it falls within 30 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from advisory.engine.lots import is_long_term
from advisory.engine.money import ZERO
from portfolios.defaults import DEFAULT_ASSET_CLASSES
from portfolios.demo.market import DemoSecurity
from portfolios.demo.plans import (
    RECENT_DAYS,
    AccountDraft,
    LotPlan,
    MarketView,
    TransactionPlan,
    cents,
    chance,
    pick,
    record_purchase,
    shares,
)

INCOME_YIELD = {c.code: float(c.income_yield) for c in DEFAULT_ASSET_CLASSES}
MONTHLY_PAYERS = frozenset({"us_bonds", "muni_bonds", "cash"})  # the rest pay quarterly
PAYROLL_ACCOUNTS = frozenset({"traditional_401k", "roth_401k", "hsa"})
DRIP_ACCOUNTS = frozenset({"taxable", "traditional_ira", "roth_ira"})
ANNUAL_FEE = 0.01  # advisory fee, billed quarterly in advance from the brokerage account


@dataclass(frozen=True)
class Sale:
    """A sale of shares bought on ``bought``; the gain counts toward this year if sold in it."""

    bought: date
    sold: date
    gain: Decimal


def add_recent_activity(
    rng: np.random.Generator,
    market: MarketView,
    drafts: Sequence[AccountDraft],
    *,
    working: bool,
    birth_years: Sequence[int],
) -> None:
    """Contributions, dividends, deposits, withdrawals and fees of the last weeks."""
    for draft in drafts:
        if working and draft.account_type in PAYROLL_ACCOUNTS:
            _add_payroll(rng, market, draft)
        if draft.account_type in DRIP_ACCOUNTS:
            _add_dividends(market, draft, reinvest=chance(rng, 0.6))
        if draft.account_type == "taxable":
            _add_fee(market, draft)
            if working and chance(rng, 0.3):
                amount = cents(round(float(rng.uniform(5_000, 25_000)), -3))
                day = market.day(market.index_days_ago(int(rng.integers(2, 45))))
                draft.cash += amount
                draft.transactions.append(
                    TransactionPlan("deposit", day, amount, None, ZERO, None, "Deposit")
                )
        owner_born = birth_years[draft.owner or 0]
        if draft.account_type == "traditional_ira" and market.as_of.year - owner_born >= 73:
            _add_distributions(market, draft)


def _add_payroll(rng: np.random.Generator, market: MarketView, draft: AccountDraft) -> None:
    """Two biweekly paycheck contributions, each invested in the account's largest fund."""
    held = draft.quantities()
    if not held:
        return
    symbol = max(held, key=lambda s: held[s] * market.price(s, market.last))
    top = 340 if draft.account_type == "hsa" else 1_500
    offset = int(rng.integers(1, 14))
    for paycheck in range(2):
        day = market.index_days_ago(offset + 14 * paycheck)
        amount = cents(round(float(rng.uniform(top / 3, top)), 2))
        quantity = shares(amount / market.price(symbol, day), fractional=True)
        draft.transactions.append(
            TransactionPlan(
                "deposit", market.day(day), amount, None, ZERO, None, "Payroll contribution"
            )
        )
        lot = LotPlan(symbol, quantity, amount, market.day(day))
        record_purchase(market, draft, lot, description=f"Payroll purchase of {symbol}")


def _days_since_distribution(asset_class: str, symbol: str) -> int:
    """Days since the fund last paid, the same in every household: a monthly payer within
    the last 30 days, a quarterly one within the last 90."""
    cycle = 27 if asset_class in MONTHLY_PAYERS else 88
    return 3 + sum(map(ord, symbol)) % cycle


def _add_dividends(market: MarketView, draft: AccountDraft, *, reinvest: bool) -> None:
    """Each income fund's latest distribution: kept as cash or reinvested (a new lot)."""
    for symbol, quantity in sorted(draft.quantities().items()):
        security = market.by_symbol[symbol]
        income = INCOME_YIELD[security.asset_class]
        days_ago = _days_since_distribution(security.asset_class, symbol)
        if income < 0.01 or days_ago > RECENT_DAYS:
            continue
        day = market.index_days_ago(days_ago)
        per_year = 12 if security.asset_class in MONTHLY_PAYERS else 4
        amount = cents(round(float(quantity * market.price(symbol, day)) * income / per_year, 2))
        if amount < 1:
            continue
        paid = market.day(day)
        draft.transactions.append(
            TransactionPlan("dividend", paid, amount, symbol, ZERO, None, f"{symbol} dividend")
        )
        if not reinvest:
            draft.cash += amount
            continue
        bought = shares(amount / market.price(symbol, day), fractional=True)
        if bought > 0:
            draft.lots.append(LotPlan(symbol, bought, amount, paid))
            draft.transactions.append(
                TransactionPlan(
                    "reinvest", paid, -amount, symbol, bought, None, f"{symbol} reinvestment"
                )
            )


def _add_fee(market: MarketView, draft: AccountDraft) -> None:
    """The quarterly advisory fee, billed on the first business day of the quarter."""
    quarter_start = date(market.as_of.year, 3 * ((market.as_of.month - 1) // 3) + 1, 1)
    day = market.history.index_on_or_before(quarter_start + timedelta(days=3))
    if market.day(day) < quarter_start:
        return
    fee = cents(round(float(market.value(draft)) * ANNUAL_FEE / 4, 2))
    draft.transactions.append(
        TransactionPlan("fee", market.day(day), -fee, None, ZERO, None, "Advisory fee")
    )


def _add_distributions(market: MarketView, draft: AccountDraft) -> None:
    """Monthly IRA distributions toward the year's RMD (about 4% a year)."""
    monthly = cents(round(float(market.value(draft)) * 0.04 / 12, -1))
    for months_ago in (0, 1):
        day = market.day(market.index_days_ago(5 + 30 * months_ago))
        draft.transactions.append(
            TransactionPlan("withdrawal", day, -monthly, None, ZERO, None, "Monthly distribution")
        )


def realize_sales(
    rng: np.random.Generator, market: MarketView, drafts: Sequence[AccountDraft]
) -> list[Sale]:
    """A few recent sales in taxable accounts: trims at a gain and tax-loss swaps."""
    held_groups = {
        market.by_symbol[symbol].substitute_group
        for draft in drafts
        for symbol in draft.quantities()
    }
    sales = []
    for draft in drafts:
        if draft.account_type != "taxable" or not draft.lots:
            continue
        if chance(rng, 0.4):
            sales.append(_trim(rng, market, draft))
        if chance(rng, 0.4):
            sales.append(_harvest(rng, market, draft, held_groups))
    return [sale for sale in sales if sale is not None]


def _trim(rng: np.random.Generator, market: MarketView, draft: AccountDraft) -> Sale | None:
    """Sell part of a position at a gain to raise cash; the proceeds stay in the account."""
    held = draft.quantities()
    symbol = pick(rng, sorted(held))
    sold = market.index_days_ago(int(rng.integers(5, 120)))
    closes = market.history.closes[symbol]
    cheaper = np.flatnonzero(closes[: max(sold - 10, 0)] < closes[sold])
    if not cheaper.size:
        return None
    bought = int(rng.choice(cheaper))
    price = market.price(symbol, sold)
    target = float(market.value(draft)) * float(rng.uniform(0.02, 0.06))
    fractional = market.by_symbol[symbol].asset_class.startswith("crypto")
    quantity = shares(target / float(price), fractional=fractional)
    if quantity <= 0:
        return None
    proceeds = cents(quantity * price)
    gain = proceeds - cents(quantity * market.price(symbol, bought))
    draft.cash += proceeds
    description = f"Trimmed {symbol} (shares bought {market.day(bought).isoformat()})"
    draft.transactions.append(
        TransactionPlan("sell", market.day(sold), proceeds, symbol, quantity, gain, description)
    )
    return Sale(market.day(bought), market.day(sold), gain)


def _loss_candidates(
    market: MarketView, draft: AccountDraft, held_groups: set[str], sold: int
) -> list[tuple[DemoSecurity, np.ndarray]]:
    """Funds of a class the account holds, in a group the household no longer holds,
    with days at least 3% above the sale day's close."""
    classes = {market.by_symbol[symbol].asset_class for symbol in draft.quantities()}
    candidates = []
    for code in sorted(classes):
        for security in market.by_class[code]:
            if security.substitute_group in held_groups:
                continue
            closes = market.history.closes[security.symbol]
            higher = np.flatnonzero(closes[: max(sold - 5, 0)] > closes[sold] * 1.03)
            if higher.size:
                candidates.append((security, higher))
    return candidates


def _harvest(
    rng: np.random.Generator, market: MarketView, draft: AccountDraft, held_groups: set[str]
) -> Sale | None:
    """A tax-loss swap: sell at a loss, buy a fund of the same class tracking another index."""
    sold = market.index_days_ago(int(rng.integers(3, 26)))
    candidates = _loss_candidates(market, draft, held_groups, sold)
    if not candidates:
        return None
    security, higher = pick(rng, candidates)
    others = [
        s for s in market.by_class[security.asset_class]
        if s.substitute_group != security.substitute_group
    ]  # fmt: skip
    if not others:
        return None
    bought = int(rng.choice(higher))
    price = market.price(security.symbol, sold)
    fractional = security.asset_class.startswith("crypto")
    target = float(market.value(draft)) * float(rng.uniform(0.01, 0.04))
    quantity = shares(target / float(price), fractional=fractional)
    if quantity <= 0:
        return None
    proceeds = cents(quantity * price)
    loss = proceeds - cents(quantity * market.price(security.symbol, bought))
    draft.transactions.append(
        TransactionPlan(
            "sell", market.day(sold), proceeds, security.symbol, quantity, loss,
            f"Tax-loss harvest of {security.symbol}",
        )
    )  # fmt: skip
    held = draft.quantities()
    replacement = next((s for s in others if s.symbol in held), others[0])
    replacement_price = market.price(replacement.symbol, sold)
    bought_shares = shares(proceeds / replacement_price, fractional=fractional)
    cost = cents(bought_shares * replacement_price)
    if bought_shares > 0:
        lot = LotPlan(replacement.symbol, bought_shares, cost, market.day(sold))
        note = f"Swap from {security.symbol} into {replacement.symbol}"
        record_purchase(market, draft, lot, description=note)
        draft.cash -= cost
    draft.cash += proceeds
    return Sale(market.day(bought), market.day(sold), loss)


def realized_this_year(sales: Sequence[Sale], year: int) -> tuple[Decimal, Decimal]:
    """Net short- and long-term gains of the sales made in ``year``."""
    short_term, long_term = ZERO, ZERO
    for sale in sales:
        if sale.sold.year != year:
            continue
        if is_long_term(sale.bought, sale.sold):
            long_term += sale.gain
        else:
            short_term += sale.gain
    return short_term, long_term

"""An account's positions and their tax lots.

A position is worth about its share of the account today; it is split into
lots bought on simulated business days over the whole history at that day's
close plus a small spread, so cost basis and price history agree. Some lots
are deliberately bought above today's price (losses to harvest) and some in
the last year (short-term), so harvesting and wash-sale logic have material.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from portfolios.demo.market import DemoSecurity
from portfolios.demo.plans import (
    AccountDraft,
    LotPlan,
    MarketView,
    cents,
    chance,
    pick,
    record_purchase,
    shares,
)

NO_CRYPTO = frozenset({"hsa", "traditional_401k", "roth_401k"})  # custodians do not offer it
SMALLEST_POSITION = 250.0  # dollars; nobody holds a $100 position of a fund


def fund_account(
    rng: np.random.Generator,
    market: MarketView,
    draft: AccountDraft,
    value: float,
    weights: dict[str, float],
) -> None:
    """Hold about ``value`` dollars: a little cash, the rest in lots of the class mix."""
    taxable = draft.account_type == "taxable"
    cash_share = float(rng.uniform(0.005, 0.03) if taxable else rng.uniform(0.002, 0.012))
    draft.cash = cents(round(value * cash_share, 2))
    invested = value - float(draft.cash)
    for code, weight in account_weights(rng, draft, weights).items():
        amount = invested * weight
        if amount < SMALLEST_POSITION:
            continue
        for security, part in choose_securities(rng, market, code, amount):
            for lot in plan_lots(rng, market, security, part):
                record_purchase(market, draft, lot)
    if taxable and chance(rng, 0.4):
        reserve = cents(round(float(rng.uniform(5_000, 25_000)), -3))
        draft.cash_reserve = min(draft.cash, reserve)
    elif draft.account_type == "traditional_ira" and chance(rng, 0.5):
        draft.cash_reserve = min(draft.cash, cents(round(value * 0.01, -2)))


def account_weights(
    rng: np.random.Generator, draft: AccountDraft, weights: dict[str, float]
) -> dict[str, float]:
    """The household mix as this account can hold it, with some drift; sums to 1."""
    mix: dict[str, float] = {}
    for code, weight in weights.items():
        target = code
        if code == "muni_bonds" and draft.account_type != "taxable":
            target = "us_bonds"  # tax-exempt income is wasted in a tax-advantaged account
        if draft.menu and target not in draft.menu:
            continue
        if target.startswith("crypto") and draft.account_type in NO_CRYPTO:
            continue
        drift = float(np.exp(0.3 * rng.standard_normal()))
        mix[target] = mix.get(target, 0.0) + weight * drift
    total = sum(mix.values())
    return {code: weight / total for code, weight in mix.items()}


def choose_securities(
    rng: np.random.Generator, market: MarketView, code: str, amount: float
) -> list[tuple[DemoSecurity, float]]:
    """Mostly the class's primary fund; sometimes a second one, left from an earlier swap."""
    options = market.by_class[code]
    first = options[0] if chance(rng, 0.6) else pick(rng, options)
    others = [s for s in options if s.symbol != first.symbol]
    if others and amount > 20_000 and chance(rng, 0.3):
        return [(first, 0.6 * amount), (pick(rng, others), 0.4 * amount)]
    return [(first, amount)]


def plan_lots(
    rng: np.random.Generator, market: MarketView, security: DemoSecurity, amount: float
) -> list[LotPlan]:
    """Lots of ``security`` worth about ``amount`` dollars today."""
    count = int(rng.integers(1, 5)) + (1 if amount > 100_000 else 0)
    newest = market.last - 2
    days = [int(day) for day in rng.integers(0, newest, size=count)]
    if security.asset_class == "cash":  # a T-bill fund is swept in and out, not collected
        return _lots_on(rng, market, security, amount, days[:1])
    closes = market.history.closes[security.symbol]
    above_today = np.flatnonzero(closes[:newest] > closes[market.last])
    if count > 1 and above_today.size and chance(rng, 0.3):
        days[0] = int(rng.choice(above_today))  # bought above today's price: a loss
    if chance(rng, 0.25):
        days[-1] = int(rng.integers(market.index_days_ago(360), newest))  # short-term
    return _lots_on(rng, market, security, amount, days)


def _lots_on(
    rng: np.random.Generator,
    market: MarketView,
    security: DemoSecurity,
    amount: float,
    days: list[int],
) -> list[LotPlan]:
    """Lots bought on ``days`` (history indices), together worth about ``amount`` today."""
    price_now = float(market.price(security.symbol, market.last))
    fractional = security.asset_class.startswith("crypto")
    lots = []
    for day, share in zip(days, rng.dirichlet(np.ones(len(days))), strict=True):
        quantity = shares(amount * float(share) / price_now, fractional=fractional)
        if quantity <= 0:
            continue
        spread = Decimal(str(round(float(rng.uniform(-0.0005, 0.0015)), 6)))
        cost = cents(quantity * market.price(security.symbol, day) * (1 + spread))
        lots.append(LotPlan(security.symbol, quantity, cost, market.day(day)))
    return lots

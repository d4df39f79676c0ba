"""What the demo will write, planned without the database, and the planner's small tools.

Plans are frozen; while a household is being planned its accounts are
mutable drafts that collect lots, transactions and cash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import numpy as np

from advisory.engine.money import CENT, ZERO
from portfolios.demo.market import DemoSecurity, MarketHistory

SIX_PLACES = Decimal("0.000001")
RECENT_DAYS = 60  # buys this recent also appear as transactions


@dataclass(frozen=True)
class PersonPlan:
    first_name: str
    last_name: str
    date_of_birth: date


@dataclass(frozen=True)
class LotPlan:
    symbol: str
    quantity: Decimal
    cost_basis: Decimal  # total, dollars
    acquired_on: date


@dataclass(frozen=True)
class TransactionPlan:
    """``amount`` is the signed effect on the account's cash (see ``Transaction``)."""

    kind: str
    trade_date: date
    amount: Decimal
    symbol: str | None = None
    quantity: Decimal = ZERO
    realized_gain: Decimal | None = None
    description: str = ""


@dataclass(frozen=True)
class AccountPlan:
    name: str
    account_type: str
    owner: int | None  # index into the household's people; None for a joint account
    custodian: str
    number_last4: str
    cash: Decimal
    cash_reserve: Decimal
    menu: tuple[str, ...]  # asset class codes a 401(k) offers; empty means all
    lots: tuple[LotPlan, ...]
    transactions: tuple[TransactionPlan, ...]


@dataclass(frozen=True)
class HouseholdPlan:
    name: str
    stage: str
    people: tuple[PersonPlan, ...]
    filing_status: str
    t_ord: Decimal
    t_ltcg: Decimal
    t_ret: Decimal
    realized_st_ytd: Decimal
    realized_lt_ytd: Decimal
    carryforward_st: Decimal
    carryforward_lt: Decimal
    advisor: int  # which of the firm's two advisors is primary: 0 or 1
    with_teammate: bool  # the other advisor is a team member
    notes: str
    accounts: tuple[AccountPlan, ...]


@dataclass
class AccountDraft:
    """An account being planned: lots, transactions and cash are still added."""

    name: str
    account_type: str
    owner: int | None
    custodian: str
    number_last4: str
    menu: tuple[str, ...]
    cash: Decimal = ZERO
    cash_reserve: Decimal = ZERO
    lots: list[LotPlan] = field(default_factory=list)
    transactions: list[TransactionPlan] = field(default_factory=list)

    def freeze(self) -> AccountPlan:
        return AccountPlan(
            self.name,
            self.account_type,
            self.owner,
            self.custodian,
            self.number_last4,
            self.cash,
            self.cash_reserve,
            self.menu,
            tuple(sorted(self.lots, key=lambda lot: (lot.symbol, lot.acquired_on))),
            tuple(sorted(self.transactions, key=lambda t: (t.trade_date, t.kind))),
        )

    def quantities(self) -> dict[str, Decimal]:
        """Shares held now, by symbol."""
        held: dict[str, Decimal] = {}
        for lot in self.lots:
            held[lot.symbol] = held.get(lot.symbol, ZERO) + lot.quantity
        return held


@dataclass(frozen=True)
class MarketView:
    """The simulated history with the look-ups the planner needs."""

    history: MarketHistory
    by_class: dict[str, tuple[DemoSecurity, ...]]
    by_symbol: dict[str, DemoSecurity]

    @classmethod
    def of(cls, history: MarketHistory, securities: Sequence[DemoSecurity]) -> MarketView:
        by_class: dict[str, tuple[DemoSecurity, ...]] = {}
        for security in securities:
            by_class[security.asset_class] = (*by_class.get(security.asset_class, ()), security)
        return cls(history, by_class, {s.symbol: s for s in securities})

    @property
    def as_of(self) -> date:
        return self.history.dates[-1]

    @property
    def last(self) -> int:
        return len(self.history.dates) - 1

    def day(self, index: int) -> date:
        return self.history.dates[index]

    def price(self, symbol: str, index: int) -> Decimal:
        return self.history.close(symbol, index)

    def index_days_ago(self, days: int) -> int:
        """Index of the last business day at least ``days`` calendar days before as-of."""
        return self.history.index_on_or_before(self.as_of - timedelta(days=days))

    def value(self, draft: AccountDraft) -> Decimal:
        """What the draft's lots are worth at the last close, plus its cash."""
        held = sum(
            (qty * self.price(symbol, self.last) for symbol, qty in draft.quantities().items()),
            ZERO,
        )
        return held + draft.cash


def cents(amount: float | Decimal) -> Decimal:
    return Decimal(str(amount)).quantize(CENT)


def shares(quantity: float | Decimal, *, fractional: bool) -> Decimal:
    """Whole shares for a fund position, 6 decimal places for crypto and small amounts.

    Rounded down, so buying them never costs more than the amount.
    """
    exact = Decimal(str(quantity))
    if fractional or exact < 1:
        return exact.quantize(SIX_PLACES, rounding=ROUND_DOWN)
    return exact.to_integral_value(rounding=ROUND_DOWN)


def pick[T](rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]


def chance(rng: np.random.Generator, probability: float) -> bool:
    return bool(rng.random() < probability)


def record_purchase(
    market: MarketView, draft: AccountDraft, lot: LotPlan, *, description: str = ""
) -> None:
    """Add the lot; a recent buy also appears as a transaction."""
    draft.lots.append(lot)
    if lot.acquired_on >= market.as_of - timedelta(days=RECENT_DAYS):
        draft.transactions.append(
            TransactionPlan(
                kind="buy",
                trade_date=lot.acquired_on,
                amount=-lot.cost_basis,
                symbol=lot.symbol,
                quantity=lot.quantity,
                description=description or f"Bought {lot.quantity.normalize():f} {lot.symbol}",
            )
        )

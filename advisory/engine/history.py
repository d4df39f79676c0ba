"""A portfolio's daily values rebuilt from today's book, its transactions and prices.

Method (docs/DOMAIN-DECISIONS.md, "Value history"): start from today's
holdings (the lots' quantities per security) and cash, and walk back through
time undoing each change dated after the day being valued: a buy or
reinvestment added its quantity and spent its (negative) amount, a sale removed
its quantity and added its proceeds, deposits, withdrawals, dividends and fees
moved cash. A lot that no buy or reinvestment of its account, security and day
accounts for (typed in, imported, transferred in kind) arrived on its
acquisition day as an in-kind deposit worth its quantity at that day's close.
The value at the end of a day is the holdings at that day's close (the last
close on or before it) plus cash. External flows are the deposits (+),
withdrawals (-) and in-kind arrivals (+); dividends and fees stay inside.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from advisory.engine.money import ZERO, to_cents
from advisory.engine.returns import DailyValue, ExternalFlow


@dataclass(frozen=True)
class BookChange:
    """One transaction's effect: ``quantity`` of ``security_id`` (signed), ``cash`` (signed)."""

    day: date
    security_id: int | None
    quantity: Decimal  # + bought or transferred in, - sold
    cash: Decimal  # the signed effect on cash (the transaction's amount)
    external: Decimal = ZERO  # the external flow in dollars (deposits +, withdrawals -)
    in_kind: bool = False  # a lot that arrived without a trade: valued at the day's close


@dataclass(frozen=True)
class ValueHistory:
    values: tuple[DailyValue, ...]
    flows: tuple[ExternalFlow, ...]


class _Prices:
    def __init__(self, prices: Mapping[int, Sequence[tuple[date, Decimal]]]) -> None:
        self.days = {sid: [d for d, _ in series] for sid, series in prices.items()}
        self.closes = {sid: [c for _, c in series] for sid, series in prices.items()}

    def close(self, security_id: int, day: date) -> Decimal:
        days = self.days.get(security_id)
        if not days:
            return ZERO
        index = bisect_right(days, day)
        return self.closes[security_id][index - 1] if index else ZERO


def value_history(
    holdings: Mapping[int, Decimal],
    cash: Decimal,
    changes: Sequence[BookChange],
    prices: Mapping[int, Sequence[tuple[date, Decimal]]],
    days: Sequence[date],
) -> ValueHistory:
    """End-of-day values on ``days`` (ascending, the last one today) and the flows.

    ``holdings``: security id -> quantity held today; ``cash`` today's cash;
    ``prices``: security id -> (day, close) ascending. Values are rounded to cents.
    """
    book = _Prices(prices)
    held = dict(holdings)
    balance = cash
    pending = sorted(changes, key=lambda change: change.day, reverse=True)
    position = 0
    values: list[DailyValue] = []
    for day in sorted(days, reverse=True):
        while position < len(pending) and pending[position].day > day:
            change = pending[position]
            if change.security_id is not None:
                held[change.security_id] = held.get(change.security_id, ZERO) - change.quantity
            balance -= change.cash
            position += 1
        market = sum((qty * book.close(sid, day) for sid, qty in held.items() if qty), ZERO)
        values.append(DailyValue(day, to_cents(market + balance)))
    flows = []
    for change in changes:
        amount = change.external
        if change.in_kind and change.security_id is not None:
            amount += change.quantity * book.close(change.security_id, change.day)
        if amount:
            flows.append(ExternalFlow(change.day, to_cents(amount)))
    flows.sort(key=lambda flow: flow.day)
    return ValueHistory(tuple(reversed(values)), tuple(flows))


def value_on(history: ValueHistory, day: date) -> Decimal | None:
    """The value at the end of ``day`` (the last valued day on or before it), or None."""
    index = bisect_right([v.day for v in history.values], day)
    return history.values[index - 1].value if index else None

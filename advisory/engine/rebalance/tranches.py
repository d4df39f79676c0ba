"""Implementation plan: spread a move to a new allocation over 3-6 monthly tranches.

Each trade is split into ``months`` equal parts (dollar-cost averaging); the
last part takes the rounding remainder so the tranches add up to the trade
exactly. Whole-share trades split in whole shares, the earlier tranches
taking the extra shares (10 shares over 3 months: 4, 3, 3). A sale's lot
reliefs are handed out in the plan's order, so the first tranche relieves the
plan's first lots; each piece's gain is its share of the relief's gain and
the last piece takes the remainder, so gains add up to the cent.

Tranche n is due ``n - 1`` months after ``start``, the day clamped to the
month's end (31 January, then 28/29 February, then 31 March). Each tranche
becomes its own proposal when due: prices and the tax position will have
moved, so its figures here are estimates at today's prices.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_DOWN, Decimal

from advisory.engine.lots import SHARE_STEP, LotRelief
from advisory.engine.money import CENT, ZERO
from advisory.engine.rebalance.types import RebalancePlan, Trade, Tranche

MIN_MONTHS, MAX_MONTHS = 3, 6


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, the day clamped to the month's end."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _split_quantity(quantity: Decimal, parts: int) -> list[Decimal]:
    if quantity == quantity.to_integral_value():
        base, extra = divmod(int(quantity), parts)
        return [Decimal(base + (1 if i < extra else 0)) for i in range(parts)]
    share = (quantity / parts).quantize(SHARE_STEP, rounding=ROUND_DOWN)
    return [share] * (parts - 1) + [quantity - share * (parts - 1)]


def _split_reliefs(reliefs: Sequence[LotRelief], sizes: Sequence[Decimal]) -> list[list[LotRelief]]:
    """Hand the reliefs out in order, ``sizes[i]`` shares to piece i."""
    pieces: list[list[LotRelief]] = [[] for _ in sizes]
    shares_left = [r.quantity for r in reliefs]
    gain_left = [r.gain for r in reliefs]
    index = 0
    for piece, size in enumerate(sizes):
        need = size
        while need > 0 and index < len(reliefs):
            relief = reliefs[index]
            take = min(need, shares_left[index])
            last = take == shares_left[index]
            gain = (
                gain_left[index] if last else (relief.gain * take / relief.quantity).quantize(CENT)
            )
            pieces[piece].append(LotRelief(relief.lot_id, take, gain, relief.term))
            shares_left[index] -= take
            gain_left[index] -= gain
            need -= take
            if last:
                index += 1
    return pieces


def _split_trade(trade: Trade, months: int) -> list[Trade | None]:
    sizes = _split_quantity(trade.quantity, months)
    reliefs = _split_reliefs(trade.lots, sizes) if trade.lots else [[] for _ in sizes]
    amounts = [(size * trade.price).quantize(CENT) for size in sizes[:-1]]
    amounts.append(trade.amount - sum(amounts, ZERO))
    return [
        replace(trade, quantity=size, amount=amount, lots=tuple(pieces)) if size > 0 else None
        for size, amount, pieces in zip(sizes, amounts, reliefs, strict=True)
    ]


def plan_tranches(
    plan_or_trades: RebalancePlan | Sequence[Trade], months: int, start: date
) -> tuple[Tranche, ...]:
    """The trades in ``months`` (3 to 6) equal monthly tranches, the first due on ``start``.

    Quantities, amounts and gains of the tranches add up exactly to the trades'.
    """
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValueError(
            f"an implementation plan runs {MIN_MONTHS} to {MAX_MONTHS} months, not {months}"
        )
    trades = plan_or_trades.trades if isinstance(plan_or_trades, RebalancePlan) else plan_or_trades
    columns = [_split_trade(trade, months) for trade in trades]
    return tuple(
        Tranche(
            number=month + 1,
            due_on=add_months(start, month),
            trades=tuple(t for column in columns if (t := column[month]) is not None),
        )
        for month in range(months)
    )

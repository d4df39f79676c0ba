"""Tax lots: holding period, gains per lot, relief and the US netting of gains.

Holding period
    A lot is long-term when held more than one year. Counting starts on the
    day after acquisition and the lot is long-term when sold on or after that
    day one calendar year later (IRS Pub. 544); a start on 29 February rolls to
    1 March. Bought 2023-06-15: sold 2024-06-15 short-term, 2024-06-16
    long-term. Days are never counted (365 would be wrong in leap years).

Gains
    The gain of selling ``qty`` shares of a lot at ``price`` is
    ``qty * (price - basis / quantity)``: positive a gain, negative a loss,
    money rounded to cents.

Netting
    ``T(S, L) = t_ord * max(0, S + min(0, L)) + t_ltcg * max(0, L + min(0, S))
    - t_ord * min(D, max(0, -(S + L)))``
    where ``S`` and ``L`` are the year's net short- and long-term gains. A net
    loss in one bucket offsets the other; a net capital loss for the year offsets
    ordinary income up to ``D`` = $3,000 ($1,500 married filing separately, IRC
    section 1211(b)) and the rest carries forward. The year starts from
    ``S0 = realized_st_ytd - carryforward_st`` and ``L0 = realized_lt_ytd -
    carryforward_lt``; a proposal's incremental tax is
    ``T(S0 + dS, L0 + dL) - T(S0, L0)`` and may be negative (losses that offset
    gains already realised this year).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from advisory.engine.money import CENT, ZERO
from advisory.engine.types import HouseholdSnapshot, LotInfo, TaxProfile, TaxTreatment

SHARE_STEP = Decimal("0.000001")


class Term(StrEnum):
    SHORT = "short"
    LONG = "long"


@dataclass(frozen=True)
class LotRelief:
    """Shares of one lot sold by a trade and the gain they realise (signed, cents)."""

    lot_id: int
    quantity: Decimal
    gain: Decimal
    term: Term


@dataclass(frozen=True)
class UnrealizedGains:
    """Unrealised gains and losses in taxable accounts, by term (losses negative)."""

    short_term_gain: Decimal
    short_term_loss: Decimal
    long_term_gain: Decimal
    long_term_loss: Decimal

    @property
    def net_short_term(self) -> Decimal:
        return self.short_term_gain + self.short_term_loss

    @property
    def net_long_term(self) -> Decimal:
        return self.long_term_gain + self.long_term_loss


def _one_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: the anniversary rolls to 1 March
        return date(day.year + 1, 3, 1)


def long_term_date(acquired_on: date) -> date:
    """The first sale date on which a lot bought on ``acquired_on`` is long-term."""
    return _one_year_later(acquired_on + timedelta(days=1))


def is_long_term(acquired_on: date, sold_on: date) -> bool:
    """Whether a sale on ``sold_on`` of a lot bought on ``acquired_on`` is long-term."""
    return sold_on >= long_term_date(acquired_on)


def holding_term(acquired_on: date, sold_on: date) -> Term:
    """``Term.LONG`` or ``Term.SHORT`` for a sale on ``sold_on``."""
    return Term.LONG if is_long_term(acquired_on, sold_on) else Term.SHORT


def days_to_long_term(acquired_on: date, as_of: date) -> int:
    """Days from ``as_of`` until the lot turns long-term (0 when it already is)."""
    return max(0, (long_term_date(acquired_on) - as_of).days)


def lot_gain(lot: LotInfo, quantity: Decimal, price: Decimal) -> Decimal:
    """Gain (signed, cents) of selling ``quantity`` shares of ``lot`` at ``price``.

    ``quantity * (price - cost_basis / lot.quantity)``; the whole lot gives
    ``quantity * price - cost_basis`` exactly.
    """
    if quantity > lot.quantity:
        raise ValueError(f"lot {lot.id}: selling {quantity} of {lot.quantity} shares")
    whole_lot = quantity == lot.quantity
    basis = lot.cost_basis if whole_lot else lot.cost_basis * quantity / lot.quantity
    return (quantity * price - basis).quantize(CENT)


def relieve_specific(
    lots: Iterable[LotInfo],
    quantities: Mapping[int, Decimal],
    price: Decimal,
    sold_on: date,
) -> tuple[LotRelief, ...]:
    """Reliefs for selling ``quantities[lot_id]`` shares of named lots at ``price``.

    Specific identification: the caller chose the lots. Lots absent from
    ``quantities`` or with zero are skipped; overselling a lot is a ValueError.
    """
    reliefs = []
    for lot in lots:
        quantity = quantities.get(lot.id, ZERO)
        if quantity <= 0:
            continue
        gain = lot_gain(lot, quantity, price)
        reliefs.append(LotRelief(lot.id, quantity, gain, holding_term(lot.acquired_on, sold_on)))
    return tuple(reliefs)


def fifo_order(lots: Iterable[LotInfo]) -> list[LotInfo]:
    """Lots oldest first (ties by lot id), the order a FIFO sale relieves them."""
    return sorted(lots, key=lambda lot: (lot.acquired_on, lot.id))


def relieve_fifo(
    lots: Iterable[LotInfo],
    quantity: Decimal,
    price: Decimal,
    sold_on: date,
    can_sell: Callable[[LotInfo], bool] = lambda lot: True,
) -> tuple[LotRelief, ...]:
    """Reliefs for selling ``quantity`` shares first-in, first-out.

    Lots for which ``can_sell`` is false are passed over. Sells at most what
    the sellable lots hold (the reliefs may sum to less than ``quantity``).
    """
    remaining = quantity
    quantities: dict[int, Decimal] = {}
    ordered = [lot for lot in fifo_order(lots) if can_sell(lot)]
    for lot in ordered:
        if remaining <= 0:
            break
        take = min(lot.quantity, remaining)
        quantities[lot.id] = take
        remaining -= take
    return relieve_specific(ordered, quantities, price, sold_on)


def floor_quantity(quantity: Decimal, whole_shares: bool = False) -> Decimal:
    """A share quantity rounded down to 6 places (or whole shares)."""
    step = Decimal(1) if whole_shares else SHARE_STEP
    return quantity.quantize(step, rounding=ROUND_DOWN)


def unrealized_by_term(snapshot: HouseholdSnapshot) -> UnrealizedGains:
    """Unrealised gains and losses of the taxable accounts' lots on ``snapshot.as_of``.

    Lots in tax-advantaged accounts are left out: selling them realises nothing.
    """
    taxable = {a.id for a in snapshot.accounts if a.tax_treatment is TaxTreatment.TAXABLE}
    totals = {(term, sign): ZERO for term in Term for sign in (1, -1)}
    for lot in snapshot.lots:
        if lot.account_id not in taxable:
            continue
        price = snapshot.securities[lot.security_id].price
        gain = lot_gain(lot, lot.quantity, price)
        term = holding_term(lot.acquired_on, snapshot.as_of)
        totals[term, 1 if gain >= 0 else -1] += gain
    return UnrealizedGains(
        short_term_gain=totals[Term.SHORT, 1],
        short_term_loss=totals[Term.SHORT, -1],
        long_term_gain=totals[Term.LONG, 1],
        long_term_loss=totals[Term.LONG, -1],
    )


ORDINARY_OFFSET_LIMIT = Decimal(3000)
ORDINARY_OFFSET_LIMIT_SEPARATE = Decimal(1500)  # married filing separately


def ordinary_offset_limit(filing_status: str) -> Decimal:
    """``D``: the most net capital loss a year may offset against ordinary income."""
    if filing_status == "married_separate":
        return ORDINARY_OFFSET_LIMIT_SEPARATE
    return ORDINARY_OFFSET_LIMIT


def netted_tax(
    short_term: Decimal,
    long_term: Decimal,
    t_ord: Decimal,
    t_ltcg: Decimal,
    offset_limit: Decimal = ZERO,
) -> Decimal:
    """``T(S, L)`` of the module notes in cents: the year's tax on net gains S and L.

    ``offset_limit`` is ``D`` (``ordinary_offset_limit``); a net loss beyond it
    carries forward and is worth nothing this year.
    """
    offset_short = short_term + min(ZERO, long_term)
    offset_long = long_term + min(ZERO, short_term)
    tax = t_ord * max(ZERO, offset_short) + t_ltcg * max(ZERO, offset_long)
    tax -= t_ord * min(offset_limit, max(ZERO, -(short_term + long_term)))
    return tax.quantize(CENT)


def loss_carried_forward(short_term: Decimal, long_term: Decimal, offset_limit: Decimal) -> Decimal:
    """The year's net capital loss beyond ``D``, carried to next year (a positive amount)."""
    return max(ZERO, -(short_term + long_term) - offset_limit)


def baseline_gains(tax: TaxProfile) -> tuple[Decimal, Decimal]:
    """``(S0, L0)``: gains realised this year less the losses carried forward."""
    return (
        tax.realized_st_ytd - tax.carryforward_st,
        tax.realized_lt_ytd - tax.carryforward_lt,
    )


def tax_before_and_after(
    tax: TaxProfile, short_term_gain: Decimal, long_term_gain: Decimal
) -> tuple[Decimal, Decimal]:
    """``(T(S0, L0), T(S0 + dS, L0 + dL))`` for a proposal realising ``dS`` and ``dL``."""
    s0, l0 = baseline_gains(tax)
    limit = ordinary_offset_limit(tax.filing_status)
    before = netted_tax(s0, l0, tax.t_ord, tax.t_ltcg, limit)
    after = netted_tax(s0 + short_term_gain, l0 + long_term_gain, tax.t_ord, tax.t_ltcg, limit)
    return before, after

"""Inputs and outputs of tax-aware rebalancing, harvesting and implementation plans.

Money is ``Decimal`` with 2 places, quantities 6 places (or whole shares),
gains signed (a loss is negative) and counted in taxable accounts only in the
plan totals. ``estimated_tax`` is the incremental tax of docs/DOMAIN.md:
``T(S0 + dS, L0 + dL) - T(S0, L0)``; negative when the proposal's losses
offset gains already realised this year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from advisory.engine.drift import DriftReport
from advisory.engine.lots import LotRelief, Term
from advisory.engine.money import ZERO
from advisory.engine.wash_sales import WashSaleBlock


class RebalanceMode(StrEnum):
    TARGET = "target"  # end at the targets
    BAND = "band"  # end within half of each class's band


class Location(StrEnum):
    HOUSEHOLD = "household"  # only household totals are constrained
    PLAN = "plan"  # every account ends at its asset-location plan


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


@dataclass(frozen=True)
class RebalanceOptions:
    """What the advisor asked for.

    ``plan_targets``: (account id, class code) -> dollars, required with
    ``location="plan"``. ``gain_budget``: the most net gain (short plus long,
    taxable accounts, dollars) the proposal may realise. ``min_trade``: every
    trade is zero or at least this many dollars. ``buy_security``: class ->
    the class's primary security; ``substitutes``: class -> fallbacks in
    order (default: the class's other securities by id).
    ``hold_near_long_term_days``: short-term lots at a gain that turn
    long-term within this many days are not sold when the mode can be met
    without them.
    ``ordinary_offset``: the optimiser counts the $3,000 ordinary-income offset of a
    net capital loss ($1,500 married filing separately) in ``T``; False plans as if
    there were none (the benchmark's counterfactual). The tax reported is ``T`` either way.
    """

    mode: RebalanceMode = RebalanceMode.TARGET
    location: Location = Location.HOUSEHOLD
    plan_targets: Mapping[tuple[int, str], Decimal] | None = None
    allow_short_term: bool = True
    gain_budget: Decimal | None = None
    min_trade: Decimal = ZERO
    whole_shares: bool = False
    do_not_trade_securities: frozenset[int] = frozenset()
    do_not_trade_accounts: frozenset[int] = frozenset()
    do_not_buy: frozenset[int] = frozenset()
    buy_security: Mapping[str, int] = field(default_factory=dict)
    substitutes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    hold_near_long_term_days: int = 0
    ordinary_offset: bool = True


@dataclass(frozen=True)
class HarvestOptions:
    """Which losses are worth harvesting, and the same restrictions as a rebalance.

    A lot is harvested when its loss is at least ``min_loss_dollars`` AND at
    least ``min_loss_percent`` of its basis (a fraction: 0.05 is 5%).
    """

    min_loss_dollars: Decimal = ZERO
    min_loss_percent: Decimal = ZERO
    whole_shares: bool = False
    do_not_trade_securities: frozenset[int] = frozenset()
    do_not_trade_accounts: frozenset[int] = frozenset()
    do_not_buy: frozenset[int] = frozenset()
    buy_security: Mapping[str, int] = field(default_factory=dict)
    substitutes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Trade:
    """One order: shares of a security bought or sold in an account.

    ``amount`` is ``quantity * price`` in cents. A sale lists the lots it
    relieves; ``taxable`` says whether its gains count for tax.
    """

    account_id: int
    security_id: int
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    amount: Decimal
    taxable: bool
    lots: tuple[LotRelief, ...] = ()

    @property
    def short_term_gain(self) -> Decimal:
        return sum((r.gain for r in self.lots if r.term is Term.SHORT), ZERO)

    @property
    def long_term_gain(self) -> Decimal:
        return sum((r.gain for r in self.lots if r.term is Term.LONG), ZERO)


@dataclass(frozen=True)
class WholeShareGap:
    """What whole shares cost over the fractional optimum, proven (rebalance/whole.py).

    ``fractional_tax_after`` is the least year's tax ``T`` any plan can reach with
    fractional shares under the same rules: a lower bound on every whole-share plan's
    (to the cent; never above the plan's own ``tax_after``, which it then equals).
    ``tax_gap = tax_after - fractional_tax_after`` in dollars and ``relative_gap``
    that over ``max(|fractional_tax_after|, $1)`` (a fraction: 0.0001 is 0.01%); both
    are None when the plans are not comparable: the whole-share plan ends
    ``shortfall_gap`` dollars further outside the mode than the fractional one.
    ``repair_width``: how many shares beyond its floor and ceiling each fractional
    trade of the fractional optimum could move in the repair that found the plan;
    None when the full whole-share program was solved instead.
    """

    fractional_tax_after: Decimal | None
    tax_gap: Decimal | None
    relative_gap: Decimal | None
    shortfall_gap: Decimal = ZERO
    repair_width: int | None = None


@dataclass(frozen=True)
class RebalancePlan:
    """A proposal: trades by account, their gains and tax, and what constrained them.

    ``feasible`` is false when the mode could not be met (the plan then gets
    as close as it can; ``shortfall`` is the dollars each class ends outside
    its target or half-band, summed over classes, so a dollar misplaced counts
    in the class it is in and in the one it is missing from) or when nothing
    could be proposed (``trades`` empty); ``binding`` says why.
    ``drift_before`` is the household as it stands (before the cash flows),
    ``drift_after`` once the flows and trades are done.
    ``short_term_gain`` and ``long_term_gain`` count taxable accounts only.
    ``cash_after``: account id -> cash after the trades and cash flows.
    ``whole_share_gap`` (whole shares only): what whole shares cost over the
    fractional optimum, proven (WholeShareGap).
    """

    feasible: bool
    trades: tuple[Trade, ...]
    short_term_gain: Decimal
    long_term_gain: Decimal
    tax_before: Decimal  # T(S0, L0)
    tax_after: Decimal  # T(S0 + dS, L0 + dL)
    drift_before: DriftReport
    drift_after: DriftReport
    cash_after: Mapping[int, Decimal]
    wash_sale_blocks: tuple[WashSaleBlock, ...] = ()
    binding: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    shortfall: Decimal = ZERO
    optimal: bool = True  # False only when the solver stopped at its time limit
    whole_share_gap: WholeShareGap | None = None  # with whole shares only

    @property
    def estimated_tax(self) -> Decimal:
        """Incremental tax of the proposal (negative: it lowers the year's tax)."""
        return self.tax_after - self.tax_before

    @property
    def tax_value(self) -> Decimal:
        """Tax the proposal saves this year: ``T(S0, L0) - T(S0 + dS, L0 + dL)``."""
        return self.tax_before - self.tax_after

    @property
    def losses_realized(self) -> Decimal:
        """Sum of the losses the taxable sales realise, as a positive amount."""
        return -sum((r.gain for t in self.trades if t.taxable for r in t.lots if r.gain < 0), ZERO)

    @property
    def turnover(self) -> Decimal:
        """Dollars traded, buys plus sells."""
        return sum((t.amount for t in self.trades), ZERO)

    def trades_for(self, account_id: int) -> tuple[Trade, ...]:
        return tuple(t for t in self.trades if t.account_id == account_id)


@dataclass(frozen=True)
class Tranche:
    """One month of an implementation plan: trades due on ``due_on``."""

    number: int  # 1-based
    due_on: date
    trades: tuple[Trade, ...]

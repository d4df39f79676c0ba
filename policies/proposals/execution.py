"""Executing an approved proposal: the trades applied to the book, all or nothing.

In one transaction, serialised on the household row:
    * the household, its accounts, the proposal and the lots to relieve are
      locked; the status must be ``approved`` and the book's fingerprint (and,
      for a rebalance, the IPS) unchanged since computing (409 otherwise);
    * the request's cash flows are booked first: a ``deposit`` (positive) or
      ``withdrawal`` (negative) transaction each;
    * each sale relieves exactly the lots the proposal names (specific
      identification): the lot's quantity goes down by the shares sold and its
      basis by ``cost_basis * sold / quantity`` rounded to cents; a lot sold
      out is deleted, so no lot of zero shares remains. One ``sell``
      transaction per lot relieved, its amount that lot's proceeds in cents
      (the trade's last lot takes the rounding remainder, so the
      transactions add up to the trade's amount) and ``realized_gain`` the
      relief's gain in taxable accounts, empty in tax-advantaged ones (a sale
      inside an IRA, Roth or HSA is not a tax event);
    * each buy creates a lot dated ``as_of`` whose basis is the amount paid
      and a ``buy`` transaction of ``-amount``;
    * every account's cash moves by its flows, sales and buys; an account
      that would end below zero refuses the whole execution (409, nothing
      written);
    * the household's ``realized_st_ytd``/``realized_lt_ytd`` grow by the
      taxable gains; a rebalance or tranche marks the IPS rebalanced on
      ``as_of`` (closing a calendar review);
    * the proposal becomes ``executed`` and an audit event records the figures.
Trades are booked at the proposal's prices: the custodian's fills, when they
differ, are imported as the book of record's own transactions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from advisory.api_errors import ConflictError
from advisory.engine.money import CENT, ZERO
from policies import tasks
from policies.proposals.audit import audit_record
from policies.proposals.models import (
    AuditAction,
    HoldingTerm,
    Proposal,
    ProposalAction,
    ProposalKind,
    ProposalStatus,
    ProposalTrade,
    TradeSide,
)
from policies.proposals.request import ProposalRequest
from policies.proposals.selectors import proposal_for_update
from policies.proposals.services import require_fresh, require_status
from policies.services import policy_record_rebalance
from portfolios.locks import lock_household
from portfolios.models import Account, Household, Lot, Transaction, TransactionKind
from portfolios.notifications import Notice, notify_clients

if TYPE_CHECKING:
    from advisory.models import User

SHORT, LONG = HoldingTerm.SHORT.value, HoldingTerm.LONG.value


class InsufficientCashError(ConflictError):
    code = "insufficient_cash"


class LotChangedError(ConflictError):
    code = "stale_proposal"


@dataclass
class Booking:
    """What the execution writes, gathered before anything is written."""

    cash: dict[int, Decimal]
    lots: dict[int, Lot]
    transactions: list[Transaction] = field(default_factory=list)
    new_lots: list[Lot] = field(default_factory=list)
    sold_out: set[int] = field(default_factory=set)
    reduced: set[int] = field(default_factory=set)
    realized: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


def _txn(proposal: Proposal, account_id: int, kind: str, **fields: Any) -> Transaction:
    fields.setdefault("description", f"Proposal {proposal.pk}")
    return Transaction(account_id=account_id, kind=kind, trade_date=proposal.as_of, **fields)


def _book_cash_flows(proposal: Proposal, booking: Booking) -> None:
    if proposal.kind != ProposalKind.REBALANCE:
        return
    flows = ProposalRequest.from_json(proposal.options).cash_flows
    for account_id, amount in sorted(flows.items()):
        if not amount:
            continue
        kind = TransactionKind.DEPOSIT if amount > 0 else TransactionKind.WITHDRAWAL
        booking.cash[account_id] += amount
        booking.transactions.append(_txn(proposal, account_id, kind, amount=amount))


def _book_sale(proposal: Proposal, trade: ProposalTrade, booking: Booking) -> None:
    reliefs = list(trade.lots.all())
    booked = ZERO
    for n, relief in enumerate(reliefs):
        lot = booking.lots.get(relief.lot_number)
        if lot is None or lot.quantity < relief.quantity or lot.account_id != trade.account_id:
            raise LotChangedError(
                f"Lot {relief.lot_number} no longer holds the {relief.quantity} shares the "
                "proposal sells: request a new proposal."
            )
        last = n == len(reliefs) - 1
        proceeds = trade.amount - booked if last else (relief.quantity * trade.price).quantize(CENT)
        booked += proceeds
        if relief.quantity == lot.quantity:
            booking.sold_out.add(lot.pk)
            booking.reduced.discard(lot.pk)
        else:
            relieved = (lot.cost_basis * relief.quantity / lot.quantity).quantize(CENT)
            lot.cost_basis -= relieved
            booking.reduced.add(lot.pk)
        lot.quantity -= relief.quantity
        if trade.taxable:
            booking.realized[str(relief.term)] += relief.gain
        booking.transactions.append(
            _txn(
                proposal,
                trade.account_id,
                TransactionKind.SELL,
                security_id=trade.security_id,
                quantity=relief.quantity,
                amount=proceeds,
                realized_gain=relief.gain if trade.taxable else None,
                description=f"Proposal {proposal.pk}: lot {relief.lot_number} ({relief.term})",
            )
        )
    booking.cash[trade.account_id] += trade.amount


def _book_purchase(proposal: Proposal, trade: ProposalTrade, booking: Booking) -> None:
    booking.new_lots.append(
        Lot(
            account_id=trade.account_id,
            security_id=trade.security_id,
            quantity=trade.quantity,
            cost_basis=trade.amount,
            acquired_on=proposal.as_of,
        )
    )
    booking.transactions.append(
        _txn(
            proposal,
            trade.account_id,
            TransactionKind.BUY,
            security_id=trade.security_id,
            quantity=trade.quantity,
            amount=-trade.amount,
        )
    )
    booking.cash[trade.account_id] -= trade.amount


def _lock_book(proposal: Proposal) -> tuple[Proposal, list[ProposalTrade], Booking]:
    """Lock household, proposal, accounts and the lots to relieve (in that order)."""
    lock_household(proposal.household_id)
    current = proposal_for_update(pk=proposal.pk)
    trades = list(
        ProposalTrade.objects.filter(proposal=current)
        .select_related("account", "security")
        .prefetch_related("lots")
        .order_by("position")
    )
    accounts = Account.objects.select_for_update().filter(household_id=current.household_id)
    cash = dict(accounts.order_by("pk").values_list("pk", "cash"))
    lot_numbers = sorted({r.lot_number for t in trades for r in t.lots.all()})
    lots = Lot.objects.select_for_update().filter(
        pk__in=lot_numbers, account__household_id=current.household_id
    )
    return current, trades, Booking(cash=cash, lots={lot.pk: lot for lot in lots.order_by("pk")})


def _refuse_negative_cash(booking: Booking, trades: list[ProposalTrade]) -> None:
    names = {t.account_id: t.account.name for t in trades}
    short = {a: c for a, c in booking.cash.items() if c < 0}
    if short:
        account_id, cash = min(short.items())
        name = names.get(account_id) or Account.objects.get(pk=account_id).name
        raise InsufficientCashError(
            f"Executing would leave {name} with ${cash:,.2f} of cash: nothing was executed."
        )


def _write(proposal: Proposal, booking: Booking, cash_before: dict[int, Decimal]) -> None:
    for account_id, cash in booking.cash.items():
        if cash != cash_before[account_id]:
            Account.objects.filter(pk=account_id).update(cash=cash)
    Lot.objects.bulk_update([booking.lots[i] for i in booking.reduced], ["quantity", "cost_basis"])
    Lot.objects.filter(pk__in=booking.sold_out).delete()
    Lot.objects.bulk_create(booking.new_lots)
    Transaction.objects.bulk_create(booking.transactions)
    short, long = booking.realized[SHORT], booking.realized[LONG]
    if short or long:
        Household.objects.filter(pk=proposal.household_id).update(
            realized_st_ytd=F("realized_st_ytd") + short,
            realized_lt_ytd=F("realized_lt_ytd") + long,
        )
    if proposal.kind != ProposalKind.HARVEST:
        policy_record_rebalance(household_id=proposal.household_id, on=proposal.as_of)


def _audit_detail(booking: Booking, cash_before: dict[int, Decimal]) -> dict[str, Any]:
    return {
        "transactions": len(booking.transactions),
        "lots_closed": sorted(booking.sold_out),
        "lots_reduced": sorted(booking.reduced),
        "lots_opened": len(booking.new_lots),
        "cash": {
            str(a): {"before": str(cash_before[a]), "after": str(c)}
            for a, c in sorted(booking.cash.items())
            if c != cash_before[a]
        },
        "realized_st": str(booking.realized[SHORT]),
        "realized_lt": str(booking.realized[LONG]),
    }


@transaction.atomic
def proposal_execute(*, proposal: Proposal, user: User) -> Proposal:
    """Apply an approved proposal to the book (see the module notes); the executed proposal.

    409 (``ConflictError``) when it is not approved, when the household or
    its IPS changed since computing, or when an account's cash would go
    below zero; nothing is written then.
    """
    current, trades, booking = _lock_book(proposal)
    require_status(current, ProposalAction.EXECUTE)
    require_fresh(current)
    cash_before = dict(booking.cash)
    _book_cash_flows(current, booking)
    for trade in trades:
        if trade.side == TradeSide.SELL:
            _book_sale(current, trade, booking)
        else:
            _book_purchase(current, trade, booking)
    _refuse_negative_cash(booking, trades)
    _write(current, booking, cash_before)
    current.status = ProposalStatus.EXECUTED
    current.executed_by = user
    current.executed_at = timezone.now()
    current.save(update_fields=["status", "executed_by", "executed_at"])
    audit_record(
        household_id=current.household_id,
        proposal=current,
        action=AuditAction.EXECUTED,
        actor=user,
        from_status=ProposalStatus.APPROVED,
        to_status=ProposalStatus.EXECUTED,
        detail=_audit_detail(booking, cash_before),
    )
    _queue_drift_refresh(current)
    notify_clients(
        household_id=current.household_id, notice=Notice.NEW_DOCUMENT, subject="proposal_executed"
    )
    return current


def _queue_drift_refresh(proposal: Proposal) -> None:
    household_id, as_of = proposal.household_id, proposal.as_of.isoformat()
    transaction.on_commit(lambda: tasks.refresh_household_drift.delay(household_id, as_of))

"""The order desk: approved proposals' trades as orders, released to the custodian, filled.

Who: operations and firm admins release orders and book fills; advisors too when
the firm allows it (``Firm.advisors_release_orders``); clients never. Orders are
the trades of approved proposals (and of those executed by their fills) of the
households the user may see.

Release (``orders_release``) writes the order file with full account numbers and
lot instructions (specific identification: per lot, its acquisition date and the
shares) in the ``generic`` layout (one line per order) or as ``block`` orders (one
line per security and side, with the allocation per account), and marks the open
orders released.

Fills (``fills_book``) are checked whole before anything is written: each names
an open order of the proposal (account, security, side), a quantity above zero and
at most what is still open, and a price above zero; one bad line refuses them all
(400, by line). Then, in one transaction on the household's lock: a buy makes a
lot of the filled shares at the fill price, dated the fill day; a sale relieves
the proposal's lots in their order (the shares already filled first), basis pro
rata; cash moves by the fill amounts (an account that would go below zero refuses
all, 409); one transaction per fill or lot; taxable gains added to the year's.
An order filled in full is ``filled``, in part ``partially_filled``; what did not
fill stays open until filled or cancelled. When no order is left open the
proposal is ``executed``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from advisory.api_errors import ConflictError, DomainError
from advisory.engine.money import CENT, ZERO
from advisory.lib.format import plain_number
from policies.proposals.audit import audit_record
from policies.proposals.models import (
    AuditAction,
    HoldingTerm,
    OrderStatus,
    Proposal,
    ProposalStatus,
    ProposalTrade,
    TradeSide,
)
from portfolios.access import can_release_orders, households_for
from portfolios.locks import lock_household
from portfolios.models import Account, Household, Lot, Transaction, TransactionKind

if TYPE_CHECKING:
    from advisory.models import User

ORDER_STATUSES = (ProposalStatus.APPROVED, ProposalStatus.EXECUTED)
OPEN = (OrderStatus.OPEN, OrderStatus.RELEASED, OrderStatus.PARTIALLY_FILLED)
FILL_COLUMNS = ("account", "security", "side", "quantity", "price")


class FillsRefusedError(DomainError):
    code = "fills_refused"


class OrderStateError(ConflictError):
    code = "order_state"


def may_release(user: User) -> bool:
    return can_release_orders(user)


def order_list(*, user: User) -> QuerySet[ProposalTrade]:
    """Orders of the households the user may see: trades of approved or executed proposals."""
    return (
        ProposalTrade.objects.filter(
            proposal__household__in=households_for(user), proposal__status__in=ORDER_STATUSES
        )
        .select_related("proposal", "account", "security")
        .prefetch_related("lots")
        .order_by("proposal_id", "position")
    )


def account_number_of(account: Account) -> str:
    """The full number for the order file (the last four digits when no full one is kept)."""
    return account.account_number or account.number_last4


def _lot_instructions(trade: ProposalTrade) -> str:
    return "; ".join(
        f"lot {r.lot_number} acquired {r.acquired_on.isoformat()} qty {plain_number(r.quantity)}"
        for r in trade.lots.all()
    )


@transaction.atomic
def orders_release(*, user: User, proposal_ids: Sequence[int], layout: str) -> str:
    """The order file of the proposals' open orders (CSV text); the orders become released."""
    orders = list(
        order_list(user=user)
        .filter(proposal_id__in=proposal_ids, order_status=OrderStatus.OPEN)
        .select_for_update(of=("self",))  # by proposal, position: as every locker of orders
    )
    found = {o.proposal_id for o in orders}
    missing = sorted(set(proposal_ids) - found)
    if missing or not orders:
        raise DomainError(
            "Nothing to release.",
            field_errors={
                "proposals": [f"{pk} has no open orders you may release." for pk in missing]
                or ["Name at least one approved proposal."]
            },
        )
    text = _block_file(orders) if layout == "block" else _generic_file(orders)
    now = timezone.now()
    ProposalTrade.objects.filter(pk__in=[o.pk for o in orders]).update(
        order_status=OrderStatus.RELEASED, released_at=now, released_by=user
    )
    return text


def _generic_file(orders: list[ProposalTrade]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["order", "proposal", "account_number", "account", "custodian", "symbol", "side",
         "quantity", "lot_instructions"]
    )  # fmt: skip
    for o in orders:
        writer.writerow(
            [o.pk, o.proposal_id, account_number_of(o.account), o.account.name,
             o.account.custodian, o.security.symbol, o.side, plain_number(o.quantity),
             _lot_instructions(o)]
        )  # fmt: skip
    return out.getvalue()


def _block_file(orders: list[ProposalTrade]) -> str:
    blocks: dict[tuple[str, str], list[ProposalTrade]] = defaultdict(list)
    for o in orders:
        blocks[(o.security.symbol, o.side)].append(o)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["symbol", "side", "quantity", "allocation"])
    for (symbol, side), group in sorted(blocks.items()):
        total = sum((o.quantity for o in group), ZERO)
        allocation = "; ".join(
            f"{account_number_of(o.account)} {plain_number(o.quantity)}"
            + (f" [{_lot_instructions(o)}]" if o.side == TradeSide.SELL else "")
            for o in group
        )
        writer.writerow([symbol, side, plain_number(total), allocation])
    return out.getvalue()


@transaction.atomic
def order_cancel(*, order: ProposalTrade, user: User) -> ProposalTrade:
    """Cancel what is still open of an order (409 once filled or cancelled).

    Locks in the order booking fills takes (household, proposal, then its orders), so
    a cancel and a booking of the same proposal queue instead of deadlocking.
    """
    household_id = Proposal.objects.values_list("household_id", flat=True).get(pk=order.proposal_id)
    lock_household(household_id)
    Proposal.objects.select_for_update().get(pk=order.proposal_id)
    current = ProposalTrade.objects.select_for_update().get(pk=order.pk)
    if current.order_status not in OPEN:
        raise OrderStateError(f"A {current.order_status} order cannot be cancelled.")
    current.order_status = OrderStatus.CANCELLED
    current.save(update_fields=["order_status"])
    _finish_if_done(current.proposal_id, user)
    return current


# --- fills ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    account: int
    security: int
    side: str
    quantity: Decimal
    price: Decimal


def fills_from_csv(text: str) -> list[dict[str, Any]]:
    """A fills file's rows (header ``account,security,side,quantity,price``) as dicts."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in FILL_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FillsRefusedError(
            "The fills file is not valid.",
            field_errors={"file": [f"Missing column(s): {', '.join(missing)}."]},
        )
    return [dict(row) for row in reader]


def _parse(
    rows: Sequence[dict[str, Any]], orders: dict[tuple[int, int, str], ProposalTrade]
) -> list[Fill]:
    errors: dict[str, list[str]] = {}
    fills: list[Fill] = []
    asked: dict[tuple[int, int, str], Decimal] = defaultdict(lambda: ZERO)
    for n, row in enumerate(rows, start=1):
        problems: list[str] = []
        try:
            key = (int(row["account"]), int(row["security"]), str(row["side"]).strip())
            quantity = Decimal(str(row["quantity"]))
            price = Decimal(str(row["price"]))
        except (KeyError, ValueError, TypeError, InvalidOperation):
            errors[str(n)] = ["Give account and security ids, a side, a quantity and a price."]
            continue
        order = orders.get(key)
        if order is None:
            problems.append(
                f"No open order of this proposal for account {key[0]}, security {key[1]}, {key[2]}."
            )
        if not quantity.is_finite() or quantity <= 0:
            problems.append("The quantity must be above zero.")
        if not price.is_finite() or price <= 0:
            problems.append("The price must be above zero.")
        if order is not None and quantity.is_finite():
            asked[key] += quantity
            still_open = order.quantity - order.filled_quantity
            if asked[key] > still_open:
                problems.append(
                    f"{plain_number(asked[key])} shares is more than the "
                    f"{plain_number(still_open)} still open on the order."
                )
        if problems:
            errors[str(n)] = problems
        else:
            fills.append(Fill(key[0], key[1], key[2], quantity, price))
    if errors or not fills:
        raise FillsRefusedError(
            "The fills were refused; nothing was booked.",
            field_errors={"fills": errors or {"0": ["Give at least one fill."]}},
        )
    return fills


@transaction.atomic
def fills_book(
    *, proposal: Proposal, user: User, rows: Sequence[dict[str, Any]], on: date | None = None
) -> Proposal:
    """Book the custodian's fills of the proposal's orders (see the module notes)."""
    lock_household(proposal.household_id)
    current = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if current.status != ProposalStatus.APPROVED:
        raise OrderStateError(f"A {current.status} proposal has no open orders.")
    orders = {
        (o.account_id, o.security_id, o.side): o
        for o in ProposalTrade.objects.select_for_update()
        .filter(proposal=current, order_status__in=OPEN)
        .order_by("proposal_id", "position")  # the order every locker of orders takes
        .prefetch_related("lots")
    }
    fills = _parse(rows, orders)
    day = on or timezone.localdate()
    accounts = {
        a.pk: a
        for a in Account.objects.select_for_update().filter(household_id=current.household_id)
    }
    gains: dict[str, Decimal] = {HoldingTerm.SHORT: ZERO, HoldingTerm.LONG: ZERO}
    for fill in fills:
        order = orders[(fill.account, fill.security, fill.side)]
        amount = (fill.quantity * fill.price).quantize(CENT)
        account = accounts[fill.account]
        if fill.side == TradeSide.BUY:
            _book_buy(order, fill, amount, day)
            account.cash -= amount
        else:
            for term, gain in _book_sale(order, fill, day).items():
                gains[term] += gain if order.taxable else ZERO
            account.cash += amount
        order.filled_quantity += fill.quantity
        order.filled_amount += amount
        order.order_status = (
            OrderStatus.FILLED
            if order.filled_quantity == order.quantity
            else OrderStatus.PARTIALLY_FILLED
        )
        order.save(update_fields=["filled_quantity", "filled_amount", "order_status"])
    short = [a.name for a in accounts.values() if a.cash < 0]
    if short:
        raise OrderStateError(f"The fills would take {', '.join(short)} below zero cash.")
    for account in accounts.values():
        account.save(update_fields=["cash"])
    Household.objects.filter(pk=current.household_id).update(
        realized_st_ytd=F("realized_st_ytd") + gains[HoldingTerm.SHORT],
        realized_lt_ytd=F("realized_lt_ytd") + gains[HoldingTerm.LONG],
    )
    audit_record(
        household_id=current.household_id,
        proposal=current,
        action=AuditAction.FILLED,
        actor=user,
        detail={"fills": [{"order": orders[(f.account, f.security, f.side)].pk,
                           "quantity": str(f.quantity), "price": str(f.price)} for f in fills]},
    )  # fmt: skip
    _finish_if_done(current.pk, user)
    return Proposal.objects.get(pk=current.pk)


def _book_buy(order: ProposalTrade, fill: Fill, amount: Decimal, day: date) -> None:
    Lot.objects.create(
        account_id=fill.account, security_id=fill.security, quantity=fill.quantity,
        cost_basis=amount, acquired_on=day,
    )  # fmt: skip
    Transaction.objects.create(
        account_id=fill.account, security_id=fill.security, kind=TransactionKind.BUY,
        trade_date=day, quantity=fill.quantity, amount=-amount,
        description=f"Fill of order {order.pk}",
    )  # fmt: skip


def _book_sale(order: ProposalTrade, fill: Fill, day: date) -> dict[str, Decimal]:
    """Relieve the order's lots in order, skipping the shares earlier fills relieved."""
    already, left = order.filled_quantity, fill.quantity
    gains: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for relief in order.lots.all():
        skip = min(already, relief.quantity)
        already -= skip
        take = min(relief.quantity - skip, left)
        if take <= 0:
            continue
        left -= take
        lot = Lot.objects.select_for_update().get(pk=relief.lot_number)
        basis = (lot.cost_basis * take / lot.quantity).quantize(CENT)
        proceeds = (take * fill.price).quantize(CENT)
        gain = proceeds - basis
        gains[relief.term] += gain
        if take == lot.quantity:
            lot.delete()
        else:
            lot.quantity -= take
            lot.cost_basis -= basis
            lot.save(update_fields=["quantity", "cost_basis"])
        Transaction.objects.create(
            account_id=fill.account, security_id=fill.security, kind=TransactionKind.SELL,
            trade_date=day, quantity=take, amount=proceeds,
            realized_gain=gain if order.taxable else None,  # type: ignore[misc]
            description=f"Fill of order {order.pk}, lot {relief.lot_number}",
        )  # fmt: skip
        if left <= 0:
            break
    return gains


def _finish_if_done(proposal_id: int, user: User) -> None:
    if ProposalTrade.objects.filter(proposal_id=proposal_id, order_status__in=OPEN).exists():
        return
    proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
    if proposal.status != ProposalStatus.APPROVED:
        return
    proposal.status = ProposalStatus.EXECUTED
    proposal.executed_by = user
    proposal.executed_at = timezone.now()
    proposal.save(update_fields=["status", "executed_by", "executed_at"])
    audit_record(
        household_id=proposal.household_id,
        proposal=proposal,
        action=AuditAction.EXECUTED,
        actor=user,
        from_status=ProposalStatus.APPROVED,
        to_status=ProposalStatus.EXECUTED,
        detail={"by": "fills"},
    )

"""Writes to the book of record that touch several rows: recording and applying transactions.

One service for every way a transaction arrives (an import, the API, the form on
the account page): :func:`transaction_record` keeps it as history;
:func:`transaction_apply` (or ``transaction_record(..., apply=True)``) moves the book:

- buy / reinvest: a new lot of ``quantity`` shares costing ``-amount``, acquired
  on the trade date; cash moves by ``amount`` (negative).
- sell: lots are relieved first-in first-out, or the named lots
  (``lots={lot_id: shares}``); each lot's part becomes a :class:`SaleLot` with
  its proceeds (the sale's ``amount`` split by shares), basis and term, and the
  sale's realised gain is their sum; cash moves by ``amount``.
- deposit, dividend: cash up by ``amount``; withdrawal, fee: cash moves by the
  (negative) ``amount``. Cash may not go below zero.

After every applied trade the household's wash sales are matched
(``advisory.engine.wash_adjust``): a loss sale in a taxable account against lots
of the same substitute group acquired within 30 days in any account. A taxable
replacement's basis grows by the disallowed loss and its holding period starts
when the sold shares were bought; in an IRA, Roth, 401(k) or HSA the loss is
lost and no basis changes. The sale shows the disallowed amount (code W).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction as db_transaction
from django.db.models import F
from django.utils import timezone

from advisory.api_errors import DomainError
from advisory.engine.lots import holding_term
from advisory.engine.money import CENT, ZERO
from advisory.engine.types import TaxTreatment
from advisory.engine.wash_adjust import WASH_WINDOW_DAYS, LossSale, Purchase, match_wash_sales
from portfolios.locks import lock_household
from portfolios.models import (
    Account,
    Lot,
    SaleLot,
    Security,
    Transaction,
    TransactionKind,
)

TRADES = frozenset({TransactionKind.BUY, TransactionKind.REINVEST, TransactionKind.SELL})
CASH_SIGN = {
    TransactionKind.DEPOSIT: 1,
    TransactionKind.DIVIDEND: 1,
    TransactionKind.SELL: 1,
    TransactionKind.WITHDRAWAL: -1,
    TransactionKind.FEE: -1,
    TransactionKind.BUY: -1,
    TransactionKind.REINVEST: -1,
}


class TransactionRefused(DomainError):
    code = "transaction_refused"


def transaction_check(
    *,
    kind: str,
    security: Security | None,
    quantity: Decimal,
    amount: Decimal,
) -> dict[str, str]:
    """Field errors of a transaction (empty when it may be recorded)."""
    errors: dict[str, str] = {}
    if kind in TRADES:
        if security is None:
            errors["security"] = "Required for a buy, sell or reinvestment."
        if quantity <= 0:
            errors["quantity"] = "Must be more than 0."
    if amount and (amount > 0) != (CASH_SIGN[TransactionKind(kind)] > 0):
        sign = "positive" if CASH_SIGN[TransactionKind(kind)] > 0 else "negative"
        errors["amount"] = f"A {kind} moves cash the other way: the amount must be {sign}."
    return errors


@db_transaction.atomic
def transaction_record(
    *,
    account: Account,
    kind: str,
    trade_date: date,
    amount: Decimal,
    security: Security | None = None,
    quantity: Decimal = ZERO,
    description: str = "",
    apply: bool = False,
    lots: Mapping[int, Decimal] | None = None,
) -> Transaction:
    """Keep a transaction; with ``apply`` also move lots and cash (see the module docstring)."""
    errors = transaction_check(kind=kind, security=security, quantity=quantity, amount=amount)
    if errors:
        raise TransactionRefused(next(iter(errors.values())), field_errors=errors)
    record = Transaction.objects.create(
        account=account,
        security=security,
        kind=kind,
        trade_date=trade_date,
        quantity=quantity,
        amount=amount,
        description=description,
    )
    if apply:
        transaction_apply(transaction=record, lots=lots)
    return record


@db_transaction.atomic
def transaction_apply(
    *, transaction: Transaction, lots: Mapping[int, Decimal] | None = None
) -> Transaction:
    """Move the book by a recorded transaction, once (a second call is refused)."""
    lock_household(transaction.account.household_id)
    if transaction.applied_at is not None:
        raise TransactionRefused("This transaction has already moved the book.")
    account = Account.objects.select_for_update().get(pk=transaction.account_id)
    kind = TransactionKind(transaction.kind)
    if kind in (TransactionKind.BUY, TransactionKind.REINVEST):
        if transaction.security is None:
            raise TransactionRefused("A buy needs a security.")
        Lot.objects.create(
            account=account,
            security=transaction.security,
            quantity=transaction.quantity,
            cost_basis=-transaction.amount,
            acquired_on=transaction.trade_date,
        )
    elif kind == TransactionKind.SELL:
        _sell(transaction, account, lots)
    account.cash += transaction.amount
    if account.cash < 0:
        raise TransactionRefused(
            f"{account.name} has {account.cash - transaction.amount:,.2f} in cash: not enough.",
            field_errors={"amount": "Not enough cash in the account."},
        )
    account.save(update_fields=["cash"])
    transaction.applied_at = timezone.now()
    transaction.save()
    if kind in TRADES:
        wash_sales_match(household_id=account.household_id, around=transaction.trade_date)
        transaction.refresh_from_db()
    return transaction


def _sell(sale: Transaction, account: Account, chosen: Mapping[int, Decimal] | None) -> None:
    held = list(
        Lot.objects.select_for_update()
        .filter(account=account, security=sale.security)
        .order_by("acquired_on", "id")
    )
    if chosen:
        unknown = set(chosen) - {lot.pk for lot in held}
        if unknown:
            raise TransactionRefused(
                "A lot named is not a lot of this security in this account.",
                field_errors={"lots": f"Unknown lot ids: {sorted(unknown)}."},
            )
        takes = [(lot, chosen[lot.pk]) for lot in held if chosen.get(lot.pk, ZERO) > 0]
        if sum((q for _, q in takes), ZERO) != sale.quantity:
            raise TransactionRefused(
                "The lots named must add up to the shares sold.",
                field_errors={"lots": "The shares of the lots named differ from the quantity."},
            )
    else:
        takes, left = [], sale.quantity
        for lot in held:
            if left <= 0:
                break
            take = min(lot.quantity, left)
            takes.append((lot, take))
            left -= take
        if left > 0:
            raise TransactionRefused(
                f"Only {sale.quantity - left} shares are held: cannot sell {sale.quantity}.",
                field_errors={"quantity": "More shares than the account holds."},
            )
    proceeds_left, basis_total = sale.amount, ZERO
    for index, (lot, take) in enumerate(takes):
        if take > lot.quantity:
            raise TransactionRefused(
                f"Lot {lot.pk} holds {lot.quantity} shares, not {take}.",
                field_errors={"lots": "A lot is oversold."},
            )
        last = index == len(takes) - 1
        proceeds = proceeds_left if last else (sale.amount * take / sale.quantity).quantize(CENT)
        proceeds_left -= proceeds
        basis = lot.cost_basis if take == lot.quantity else (lot.cost_basis * take / lot.quantity)
        basis = basis.quantize(CENT)
        basis_total += basis
        SaleLot.objects.create(
            transaction=sale,
            lot=lot if take < lot.quantity else None,
            quantity=take,
            acquired_on=lot.holding_start,
            proceeds=proceeds,
            cost_basis=basis,
            term=holding_term(lot.holding_start, sale.trade_date).value,
        )
        if take == lot.quantity:
            lot.delete()
        else:
            lot.quantity -= take
            lot.cost_basis -= basis
            lot.replacing_quantity = min(lot.replacing_quantity, lot.quantity)
            lot.save()
    sale.cost_basis = basis_total
    sale.realized_gain = sale.amount - basis_total


def _taxable(account: Account) -> bool:
    return account.tax_treatment is TaxTreatment.TAXABLE


@db_transaction.atomic
def wash_sales_match(*, household_id: int, around: date) -> int:
    """Match the household's unmatched loss shares near ``around`` to replacements; how many."""
    window = timedelta(days=2 * WASH_WINDOW_DAYS)
    # Only lines with loss shares still unmatched, and only lots that could replace them
    # (their group, shares not yet replacing): what is read stays small however busy the
    # window is, so applying a long file costs the same a trade from the first to the last.
    lines = list(
        SaleLot.objects.filter(
            transaction__account__household_id=household_id,
            transaction__account__account_type="taxable",
            transaction__trade_date__gte=around - window,
            transaction__trade_date__lte=around + window,
            washed_quantity__lt=F("quantity"),
            cost_basis__gt=F("proceeds"),
        ).select_related("transaction__security")
    )
    sales = []
    for line in lines:
        remaining = line.quantity - line.washed_quantity
        loss = line.cost_basis - line.proceeds
        if remaining <= 0 or loss <= 0:
            continue
        sales.append(
            LossSale(
                id=line.pk,
                group=line.transaction.security.substitute_group,  # type: ignore[union-attr]
                sold_on=line.transaction.trade_date,
                quantity=remaining,
                loss=(loss * remaining / line.quantity).quantize(CENT),
                acquired_on=line.acquired_on,
                lot_id=line.lot_id,
            )
        )
    if not sales:
        return 0
    lots = {
        lot.pk: lot
        for lot in Lot.objects.select_for_update()
        .filter(
            account__household_id=household_id,
            acquired_on__gte=around - window - timedelta(days=WASH_WINDOW_DAYS),
            acquired_on__lte=around + window + timedelta(days=WASH_WINDOW_DAYS),
            security__substitute_group__in={sale.group for sale in sales},
            quantity__gt=F("replacing_quantity"),
        )
        .select_related("security", "account")
    }
    purchases = [
        Purchase(
            lot_id=lot.pk,
            group=lot.security.substitute_group,
            acquired_on=lot.acquired_on,
            quantity=lot.quantity - lot.replacing_quantity,
            taxable=_taxable(lot.account),
        )
        for lot in lots.values()
        if lot.quantity > lot.replacing_quantity
    ]
    by_id = {line.pk: line for line in lines}
    matches = match_wash_sales(sales, purchases)
    for match in matches:
        line = by_id[match.sale_id]
        line.wash_disallowed += match.disallowed
        line.washed_quantity += match.quantity
        line.save(update_fields=["wash_disallowed", "washed_quantity"])
        sale = line.transaction
        Transaction.objects.filter(pk=sale.pk).update(
            wash_disallowed=sale.wash_disallowed + match.disallowed
        )
        sale.wash_disallowed += match.disallowed
        lot = lots[match.lot_id]
        lot.replacing_quantity += match.quantity
        lot.cost_basis += match.basis_added
        lot.wash_adjustment += match.basis_added
        if match.holding_from is not None:
            lot.holding_from = min(lot.holding_from or match.holding_from, match.holding_from)
        lot.save()
    return len(matches)

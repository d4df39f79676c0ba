"""Pages that keep the book of record: people, accounts and lots (view, add, edit, archive).

Access as everywhere: the row's household goes through ``portfolios.access``
(outsiders 404, readers writing 403); writes go through ``views.save_form`` (and
``views.archive_row``: nothing is deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from advisory.api_errors import DomainError
from advisory.engine.lots import days_to_long_term, is_long_term, long_term_date
from advisory.http import AuthenticatedHttpRequest
from portfolios.access import Capability, has_capability, household_for
from portfolios.archiving import person_archive
from portfolios.forms import (
    AccountForm,
    LotForm,
    PersonForm,
    ReassignAccountsForm,
    TransactionForm,
)
from portfolios.models import Account, Lot, Person, Transaction
from portfolios.ownership import owned_accounts, owns_accounts_message
from portfolios.services import transaction_record
from portfolios.snapshots import HoldingRow, household_summary
from portfolios.views import (
    archive_row,
    confirm_archive,
    form_page,
    household_url,
    local_today,
    positions_of,
    save_form,
    visible_household,
)

RECENT_TRANSACTIONS = 50


# --- people -------------------------------------------------------------------------------


def _person_for(request: AuthenticatedHttpRequest, pk: int, *, write: bool) -> Person:
    person = get_object_or_404(Person.objects.select_related("household"), pk=pk)
    household_for(request.user, person.household_id, write=write)
    return person


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = visible_household(request, pk, write=True)
    form = PersonForm(
        request.POST or None, instance=Person(household=household), today=local_today()
    )
    if (person := save_form(request, form)) is not None:
        messages.success(request, f"{person} added.")
        return redirect(household_url(household.pk))
    return form_page(
        request,
        form,
        title="Add a person",
        cancel_url=household_url(household.pk),
        household=household,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk, write=True)
    form = PersonForm(request.POST or None, instance=person, today=local_today())
    if save_form(request, form) is not None:
        messages.success(request, f"{person} saved.")
        return redirect(household_url(person.household_id))
    return form_page(
        request,
        form,
        title=f"Edit {person}",
        cancel_url=household_url(person.household_id),
        household=person.household,
        delete_url=reverse("person_delete", args=[person.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Archive a person; one who owns accounts is refused until they go to someone else."""
    person = _person_for(request, pk, write=True)
    back = household_url(person.household_id)
    accounts = owned_accounts(person)
    form = ReassignAccountsForm(request.POST or None, person=person) if accounts else None
    if request.method == "POST" and (form is None or form.is_valid()):
        heir = form.cleaned_data["reassign_to"] if form is not None else None
        try:
            person_archive(person=person, user=request.user, reassign_to=heir)
        except DomainError as refusal:
            messages.error(request, refusal.message)
            return redirect(request.path)
        messages.success(request, f"{person} archived.")
        return redirect(back)
    context = {
        "title": f"Archive {person}?",
        "person": person,
        "household": person.household,
        "accounts": accounts,
        "reason": owns_accounts_message(person, accounts) if accounts else "",
        "form": form,
        "cancel_url": back,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "portfolios/person_delete.html", context, status=status)


# --- accounts -----------------------------------------------------------------------------


def _account_for(request: AuthenticatedHttpRequest, pk: int, *, write: bool) -> Account:
    account = get_object_or_404(Account.objects.select_related("household", "owner"), pk=pk)
    household_for(request.user, account.household_id, write=write)
    return account


@dataclass(frozen=True)
class LotLine:
    """A lot as the account page shows it."""

    holding: HoldingRow
    long_term_on: date
    days_to_long_term: int

    @property
    def gain_ratio(self) -> Decimal | None:
        basis = self.holding.lot.cost_basis
        return self.holding.unrealized_gain / basis if basis else None


@login_required
def account_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _account_for(request, pk, write=False)
    as_of = local_today()
    summary = household_summary(household=account.household, as_of=as_of)
    found = next(a for a in summary.accounts if a.account.pk == account.pk)
    lines = [
        LotLine(
            row, long_term_date(row.lot.acquired_on), days_to_long_term(row.lot.acquired_on, as_of)
        )
        for row in found.holdings
    ]
    transactions = Transaction.objects.filter(account=account).select_related("security")
    context = {
        "household": account.household,
        "account": found.account,
        "account_summary": found,
        "lines": lines,
        "positions": positions_of(found.holdings, found.market_value),
        "menu": list(found.account.allowed_asset_classes.all()),
        "transactions": list(transactions[:RECENT_TRANSACTIONS]),
        "recent_limit": RECENT_TRANSACTIONS,
        "can_edit": has_capability(request.user, Capability.EDIT_BOOK),
        "as_of": as_of,
    }
    return render(request, "portfolios/account_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = visible_household(request, pk, write=True)
    form = AccountForm(
        request.POST or None, instance=Account(household=household), household=household
    )
    if (account := save_form(request, form)) is not None:
        messages.success(request, f"Account “{account}” added.")
        return redirect("account_detail", pk=account.pk)
    return form_page(
        request,
        form,
        title="Add an account",
        cancel_url=household_url(household.pk),
        household=household,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _account_for(request, pk, write=True)
    form = AccountForm(request.POST or None, instance=account, household=account.household)
    if save_form(request, form) is not None:
        messages.success(request, "Account saved.")
        return redirect("account_detail", pk=account.pk)
    return form_page(
        request,
        form,
        title=f"Edit {account.name}",
        cancel_url=reverse("account_detail", args=[account.pk]),
        household=account.household,
        account=account,
        delete_url=reverse("account_delete", args=[account.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _account_for(request, pk, write=True)
    back = household_url(account.household_id)
    if request.method == "POST":
        return archive_row(
            request, account, done_url=back, message=f"Account “{account}” archived."
        )
    lots = account.lots.count()
    transactions = account.transactions.count()
    return confirm_archive(
        request,
        title=f"Archive {account.name}?",
        what=f"the account “{account}” of the {account.household} household",
        consequences=[
            f"Its {lots} lot{'s' if lots != 1 else ''} and {transactions} "
            f"transaction{'s' if transactions != 1 else ''} leave with it (and come back "
            "with it).",
        ],
        cancel_url=reverse("account_detail", args=[account.pk]),
    )


# --- lots ---------------------------------------------------------------------------------


def _lot_for(request: AuthenticatedHttpRequest, pk: int, *, write: bool) -> Lot:
    lot = get_object_or_404(
        Lot.objects.select_related("account__household", "security__asset_class"), pk=pk
    )
    household_for(request.user, lot.account.household_id, write=write)
    return lot


@login_required
def lot_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lot = _lot_for(request, pk, write=False)
    as_of = local_today()
    value = lot.quantity * lot.security.price
    gain = value - lot.cost_basis
    trades = Transaction.objects.filter(account=lot.account, security=lot.security).select_related(
        "security"
    )
    context = {
        "lot": lot,
        "account": lot.account,
        "household": lot.account.household,
        "market_value": value,
        "unrealized_gain": gain,
        "gain_ratio": gain / lot.cost_basis if lot.cost_basis else None,
        "unit_cost": lot.cost_basis / lot.quantity,
        "long_term": is_long_term(lot.acquired_on, as_of),
        "long_term_on": long_term_date(lot.acquired_on),
        "days_to_long_term": days_to_long_term(lot.acquired_on, as_of),
        "transactions": list(trades[:20]),
        "can_edit": has_capability(request.user, Capability.EDIT_BOOK),
        "as_of": as_of,
    }
    return render(request, "portfolios/lot_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lot_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _account_for(request, pk, write=True)
    form = LotForm(
        request.POST or None,
        instance=Lot(account=account),
        firm_id=account.household.firm_id,
        today=local_today(),
    )
    if (lot := save_form(request, form)) is not None:
        messages.success(request, f"Lot of {lot.security} added.")
        return redirect("account_detail", pk=account.pk)
    return form_page(
        request,
        form,
        title=f"Add a lot to {account.name}",
        cancel_url=reverse("account_detail", args=[account.pk]),
        household=account.household,
        account=account,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lot_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lot = _lot_for(request, pk, write=True)
    form = LotForm(
        request.POST or None,
        instance=lot,
        firm_id=lot.account.household.firm_id,
        today=local_today(),
    )
    if save_form(request, form) is not None:
        messages.success(request, "Lot saved.")
        return redirect("lot_detail", pk=lot.pk)
    return form_page(
        request,
        form,
        title=f"Edit lot of {lot.security}",
        cancel_url=reverse("lot_detail", args=[lot.pk]),
        household=lot.account.household,
        account=lot.account,
        delete_url=reverse("lot_delete", args=[lot.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def lot_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lot = _lot_for(request, pk, write=True)
    back = reverse("account_detail", args=[lot.account_id])
    if request.method == "POST":
        return archive_row(request, lot, done_url=back, message=f"Lot of {lot.security} archived.")
    return confirm_archive(
        request,
        title=f"Archive this lot of {lot.security}?",
        what=(
            f"{lot.quantity.normalize():f} shares of {lot.security} "
            f"bought {lot.acquired_on.isoformat()} in {lot.account}"
        ),
        consequences=["Transactions already recorded are kept."],
        cancel_url=reverse("lot_detail", args=[lot.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def transaction_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a transaction on the account page (staff who keep the book; never clients)."""
    account = _account_for(request, pk, write=True)
    form = TransactionForm(request.POST or None, account=account, initial={"apply": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transaction_record(
                account=account,
                kind=data["kind"],
                trade_date=data["trade_date"],
                security=data["security"],
                quantity=data["quantity"],
                amount=data["amount"],
                description=data["description"],
                apply=data["apply"],
                lots=data["lot_ids"] or None,
            )
        except DomainError as refused:
            for field, message in refused.field_errors.items():
                form.add_error(field if field in form.fields else None, str(message))
            if not refused.field_errors:
                form.add_error(None, refused.message)
        else:
            messages.success(request, "Transaction recorded.")
            return redirect("account_detail", pk=account.pk)
    return form_page(
        request,
        form,
        title=f"Record a transaction in {account.name}",
        cancel_url=reverse("account_detail", args=[account.pk]),
        household=account.household,
        account=account,
    )

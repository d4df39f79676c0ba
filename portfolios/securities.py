"""The securities master and the holdings search ("who holds VTI").

Admins and operations add and edit securities (asset class, substitute group,
price) on ``/securities/``; every staff member searches the holdings of the
households they may see (``portfolios.access``) by symbol on ``/holdings/``:
per account, the shares, the value at the security's price and the unrealised
gain split by holding term (long-term: held more than a year on ``as_of``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from advisory.engine.lots import is_long_term
from advisory.engine.money import CENT, ZERO
from advisory.http import AuthenticatedHttpRequest
from portfolios.access import can_edit_securities, firm_id_of, households_for, membership_of
from portfolios.models import AssetClass, Lot, Security


class SecurityForm(forms.ModelForm):
    class Meta:
        model = Security
        fields = ("symbol", "name", "asset_class", "substitute_group", "price", "price_date")
        widgets = {"price_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, firm_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.firm_id = firm_id
        self.fields["asset_class"].queryset = AssetClass.objects.filter(firm_id=firm_id)  # type: ignore[attr-defined]

    def clean_symbol(self) -> str:
        symbol: str = self.cleaned_data["symbol"].strip().upper()
        taken = Security.objects.filter(firm_id=self.firm_id, symbol=symbol)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"{symbol} is already a security of this firm.")
        return symbol

    def clean_price(self) -> Decimal:
        price: Decimal = self.cleaned_data["price"]
        if price < 0:
            raise forms.ValidationError("A price is never negative.")
        return price


def _editor_firm(request: AuthenticatedHttpRequest) -> int:
    firm_id = firm_id_of(request.user)
    if firm_id is None or not can_edit_securities(request.user):
        raise PermissionDenied("Only admins and operations keep the securities master.")
    return firm_id


@transaction.atomic
def security_save(*, form: SecurityForm) -> Security:
    security: Security = form.save(commit=False)
    security.firm_id = form.firm_id
    security.save()
    return security


@login_required
def security_list_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every security of the firm, and the form that adds one."""
    firm_id = _editor_firm(request)
    form = SecurityForm(request.POST or None, firm_id=firm_id)
    if request.method == "POST" and form.is_valid():
        security = security_save(form=form)
        messages.success(request, f"{security.symbol} added.")
        return redirect("security_list")
    securities = Security.objects.filter(firm_id=firm_id).select_related("asset_class")
    context = {"form": form, "securities": securities}
    return render(
        request, "portfolios/securities.html", context, status=400 if form.errors else 200
    )


@login_required
def security_edit_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    firm_id = _editor_firm(request)
    security = get_object_or_404(Security, pk=pk, firm_id=firm_id)
    form = SecurityForm(request.POST or None, instance=security, firm_id=firm_id)
    if request.method == "POST" and form.is_valid():
        security_save(form=form)
        messages.success(request, f"{security.symbol} saved.")
        return redirect("security_list")
    context = {"form": form, "security": security}
    return render(
        request, "portfolios/security_edit.html", context, status=400 if form.errors else 200
    )


@dataclass
class Holding:
    """One account's position in the searched security."""

    household_id: int
    household: str
    account: str
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    short_term_gain: Decimal = ZERO
    long_term_gain: Decimal = ZERO
    lots: list[int] = field(default_factory=list)


def holdings_of(*, user: Any, symbol: str, as_of: date) -> list[Holding]:
    """Accounts holding ``symbol`` among the households the user may see (one query)."""
    lots: Iterable[Lot] = (
        Lot.objects.filter(
            account__household__in=households_for(user),
            security__symbol__iexact=symbol.strip(),
            security__firm_id=firm_id_of(user),
        )
        .select_related("account__household", "security")
        .order_by("account__household__name", "account__name", "acquired_on", "pk")
    )
    by_account: dict[int, Holding] = {}
    for lot in lots:
        account = lot.account
        holding = by_account.setdefault(
            account.pk, Holding(account.household_id, account.household.name, account.name)
        )
        value = (lot.quantity * lot.security.price).quantize(CENT)
        gain = value - lot.cost_basis
        holding.quantity += lot.quantity
        holding.value += value
        if is_long_term(lot.acquired_on, as_of):
            holding.long_term_gain += gain
        else:
            holding.short_term_gain += gain
        holding.lots.append(lot.pk)
    return list(by_account.values())


@login_required
def holdings_search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who holds a security: households and accounts with values and gains by term."""
    membership = membership_of(request.user)
    if membership is None or not membership.is_staff_role:
        raise PermissionDenied("Holdings search is for the firm's staff.")
    symbol = request.GET.get("symbol", "").strip().upper()
    today = timezone.localdate()
    holdings = holdings_of(user=request.user, symbol=symbol, as_of=today) if symbol else []
    totals = {
        "quantity": sum((h.quantity for h in holdings), ZERO),
        "value": sum((h.value for h in holdings), ZERO),
        "short_term_gain": sum((h.short_term_gain for h in holdings), ZERO),
        "long_term_gain": sum((h.long_term_gain for h in holdings), ZERO),
    }
    context = {"symbol": symbol, "holdings": holdings, "totals": totals, "as_of": today}
    return render(request, "portfolios/holdings_search.html", context)

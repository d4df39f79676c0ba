"""Pages of the book of record: dashboard, household, account, lot.

The client portal is in ``policies.portal`` (it reads the IPS, proposals and reviews).

Every view finds its household through ``portfolios.access``: an outsider gets
404, a reader who tries to write gets 403, anonymous visitors go to the login
page. Writes are ModelForm saves (or services) inside one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from advisory.api_errors import DomainError
from advisory.engine.money import ZERO
from advisory.engine.types import TaxTreatment
from advisory.http import AuthenticatedHttpRequest
from advisory.models import Role
from advisory.services import household_assign
from portfolios.access import Capability, has_capability, household_for, role_of
from portfolios.archiving import record_archive
from portfolios.dashboard import book_totals, dashboard_cards, dashboard_rows
from portfolios.forms import HouseholdForm, SearchForm
from portfolios.models import Household, Person, Restriction, Security
from portfolios.records import Archivable
from portfolios.selectors import asset_class_list, household_list
from portfolios.snapshots import HoldingRow, HouseholdSummary, household_summary

HOUSEHOLDS_PER_PAGE = 25
RECENT_TRANSACTIONS = 50
CONFLICT_MESSAGE = "This could not be saved: it conflicts with the current data."
SORTS = {"name": ("name", "id"), "value": ("total_value", "id"), "-value": ("-total_value", "id")}


def local_today() -> date:
    return timezone.localdate()


def _is_htmx(request: AuthenticatedHttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


# --- dashboard ----------------------------------------------------------------------------


def _search(households: QuerySet[Household], text: str) -> QuerySet[Household]:
    # A household is found by its name or by the name of anyone in it.
    people = Person.objects.filter(
        Q(first_name__icontains=text) | Q(last_name__icontains=text)
    ).values("household_id")
    return households.filter(Q(name__icontains=text) | Q(pk__in=people))


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The advisor's households with value, allocation and flags; clients go to the portal."""
    if role_of(request.user) == Role.CLIENT:
        return redirect("client_portal")
    search = SearchForm(request.GET)
    text = search.cleaned_data["q"].strip() if search.is_valid() else ""
    sort = request.GET.get("sort", "name")
    households = household_list(user=request.user).select_related("primary_advisor")
    if text:
        households = _search(households, text)
    households = households.order_by(*SORTS.get(sort, SORTS["name"]))
    page = Paginator(households, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "search": search,
        "q": text,
        "sort": sort if sort in SORTS else "name",
        "page": page,
        "rows": dashboard_rows(list(page.object_list), as_of=local_today()),
        "can_create": has_capability(request.user, Capability.EDIT_BOOK),
    }
    if _is_htmx(request):
        response = render(request, "portfolios/_household_table.html", context)
    else:
        context["book_value"] = book_totals(household_list(user=request.user))
        context["classes"] = list(asset_class_list(user=request.user))
        context["household_count"] = page.paginator.count if not text else None
        context["cards"] = dashboard_cards(request.user, as_of=local_today())
        response = render(request, "portfolios/dashboard.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- household ----------------------------------------------------------------------------


@dataclass
class Position:
    """One security held, summed over its lots."""

    security: Security
    quantity: Decimal
    cost_basis: Decimal
    market_value: Decimal
    unrealized_gain: Decimal
    lot_count: int
    weight: Decimal  # share of the household's value

    @property
    def gain_ratio(self) -> Decimal | None:
        return self.unrealized_gain / self.cost_basis if self.cost_basis else None


def positions_of(rows: Iterable[HoldingRow], total: Decimal) -> list[Position]:
    """Lots summed by security, largest first; ``weight`` is of ``total`` (0 when it is 0)."""
    by_security: dict[int, list[HoldingRow]] = defaultdict(list)
    for row in rows:
        by_security[row.lot.security_id].append(row)
    positions = []
    for lots in by_security.values():
        value = sum((r.market_value for r in lots), ZERO)
        positions.append(
            Position(
                security=lots[0].lot.security,
                quantity=sum((r.lot.quantity for r in lots), ZERO),
                cost_basis=sum((r.lot.cost_basis for r in lots), ZERO),
                market_value=value,
                unrealized_gain=sum((r.unrealized_gain for r in lots), ZERO),
                lot_count=len(lots),
                weight=value / total if total else ZERO,
            )
        )
    return sorted(positions, key=lambda p: (-p.market_value, p.security.symbol))


def summary_context(summary: HouseholdSummary) -> dict[str, Any]:
    """What the household page and the client portal show of a summary."""
    taxable = [a for a in summary.accounts if a.account.tax_treatment == TaxTreatment.TAXABLE]
    total = summary.total_value
    return {
        "summary": summary,
        "taxable_st": sum((a.unrealized_st for a in taxable), ZERO),
        "taxable_lt": sum((a.unrealized_lt for a in taxable), ZERO),
        "has_taxable": bool(taxable),
        "positions_by_class": [
            (slice_, positions_of(rows, total)) for slice_, rows in summary.holdings_by_class
        ],
        "positions_by_account": [(a, positions_of(a.holdings, total)) for a in summary.accounts],
    }


def _household_page(
    request: AuthenticatedHttpRequest, household: Household, template: str
) -> HttpResponse:
    summary = household_summary(household=household, as_of=local_today())
    staff = role_of(request.user) not in (Role.CLIENT, None)
    context = {
        "household": household,
        "is_staff_view": staff,
        "restrictions": _restrictions_of(household) if staff else [],
        "people": list(household.people.all()),
        "team": list(household.team_members.all()),
        "can_edit": has_capability(request.user, Capability.EDIT_BOOK),
        "can_assign": role_of(request.user) == Role.ADMIN,
        **summary_context(summary),
    }
    return render(request, template, context)


def _restrictions_of(household: Household) -> list[Restriction]:
    """The household's standing restrictions, newest last (two queries).

    Each restricted security's substitute group is named by its symbols
    (``group_symbols``: "ITOT/VTI"), never by the internal code.
    """
    rows = list(
        Restriction.objects.filter(household=household)
        .select_related("security__asset_class", "account", "created_by")
        .order_by("created_at", "id")
    )
    groups = {
        r.security.substitute_group for r in rows if r.security and r.security.substitute_group
    }
    symbols: dict[str, list[str]] = {}
    for group, symbol in Security.objects.filter(
        firm_id=household.firm_id, substitute_group__in=groups
    ).values_list("substitute_group", "symbol"):
        symbols.setdefault(group, []).append(symbol)
    for row in rows:
        group = row.security.substitute_group if row.security else ""
        row.group_symbols = "/".join(sorted(symbols.get(group, []))) if group else ""  # type: ignore[attr-defined]
    return rows


def visible_household(
    request: AuthenticatedHttpRequest, pk: int, *, write: bool = False
) -> Household:
    household = household_for(request.user, pk, write=write)
    return Household.objects.select_related("primary_advisor").filter(pk=household.pk).get()


@login_required
def household_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = visible_household(request, pk)
    return _household_page(request, household, "portfolios/household_detail.html")


def _save_household(form: HouseholdForm) -> Household | None:
    """Save the household and, for admins, its assignment; None (with a form error) if refused."""
    try:
        with transaction.atomic():
            household: Household = form.save()
            assignment = form.assignment()
            if assignment is not None:
                household_assign(
                    household=household, primary_advisor=assignment[0], team_members=assignment[1]
                )
    except (DomainError, IntegrityError) as refused:
        message = refused.message if isinstance(refused, DomainError) else CONFLICT_MESSAGE
        form.add_error(None, message)
        return None
    return household


def _household_form_page(
    request: AuthenticatedHttpRequest, form: HouseholdForm, **context: Any
) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(
        request, "portfolios/household_form.html", {"form": form, **context}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_capability(request.user, Capability.EDIT_BOOK):
        raise PermissionDenied("You may not create households.")
    membership = request.user.membership
    can_assign = membership.role == Role.ADMIN
    household = Household(firm_id=membership.firm_id)
    if membership.role == Role.ADVISOR:
        household.primary_advisor = request.user
    form = HouseholdForm(
        request.POST or None, instance=household, firm_id=membership.firm_id, can_assign=can_assign
    )
    if request.method == "POST" and form.is_valid() and (saved := _save_household(form)):
        messages.success(request, f"Household “{saved.name}” created.")
        return redirect("household_detail", pk=saved.pk)
    return _household_form_page(request, form, title="New household", cancel_url=reverse("home"))


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = visible_household(request, pk, write=True)
    form = HouseholdForm(
        request.POST or None,
        instance=household,
        firm_id=household.firm_id,
        can_assign=role_of(request.user) == Role.ADMIN,
    )
    if request.method == "POST" and form.is_valid() and _save_household(form):
        messages.success(request, "Household saved.")
        return redirect("household_detail", pk=household.pk)
    return _household_form_page(
        request,
        form,
        household=household,
        title=f"Edit {household.name}",
        cancel_url=reverse("household_detail", args=[household.pk]),
    )


# --- shared form handling -----------------------------------------------------------------


def save_form(request: AuthenticatedHttpRequest, form: Any) -> Any | None:
    """Save a valid POSTed ModelForm in one transaction; None when there is nothing saved."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        # A rule the form could not see (a concurrent change, a trigger): say so, no 500.
        form.add_error(None, CONFLICT_MESSAGE)
    except DomainError as refused:  # a stale version: someone saved the row meanwhile
        form.add_error(None, refused.message)
    return None


def form_page(
    request: AuthenticatedHttpRequest, form: Any, *, title: str, cancel_url: str, **extra: Any
) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": title, "cancel_url": cancel_url, **extra}
    return render(request, "portfolios/form.html", context, status=status)


def confirm_archive(
    request: AuthenticatedHttpRequest,
    *,
    title: str,
    what: str,
    consequences: list[str],
    cancel_url: str,
) -> HttpResponse:
    """The confirmation page before archiving (a POST to the same URL archives)."""
    consequences = [
        *consequences,
        "It leaves every list, total, allocation and proposal; a firm admin can restore it "
        "from the archive.",
    ]
    context = {"title": title, "what": what, "consequences": consequences, "cancel_url": cancel_url}
    return render(request, "portfolios/confirm_archive.html", context)


def archive_row(
    request: AuthenticatedHttpRequest, row: Archivable, *, done_url: str, message: str
) -> HttpResponse:
    """Archive ``row`` (never delete it); a refusal (a person owning accounts) is said."""
    try:
        record_archive(record=row, user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect(request.path)
    messages.success(request, message)
    return redirect(done_url)


def household_url(household_id: int) -> str:
    return reverse("household_detail", args=[household_id])

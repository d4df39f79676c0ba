"""The asset-location page: options, the plan against today's holdings, and saving it.

Staff compute plans (the form reloads the result in place with htmx); saving
needs ``Capability.EDIT_POLICY``. Clients see their household's saved plan
only. Access goes through ``portfolios.access`` like every page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from advisory.api_errors import DomainError
from advisory.engine.drift import class_name
from advisory.engine.location import DEFAULT_CHURN_PENALTY_BP, LocationBasis, LocationOptions
from advisory.engine.types import ACCOUNT_TAX_TREATMENT
from advisory.http import AuthenticatedHttpRequest
from advisory.models import Role
from policies.location.models import LocationBasis as SavedBasis
from policies.location.models import SavedLocationPlan
from policies.location.selectors import current_location_plan_get
from policies.location.services import LocationResult, location_plan_compute, location_plan_save
from portfolios.access import Capability, has_capability, household_for, role_of
from portfolios.models import Household
from portfolios.selectors import firm_class_names

ZERO = Decimal("0.00")


class LocationForm(forms.Form):
    """The options of a plan; blank fields take their defaults."""

    horizon_years = forms.IntegerField(
        label="Horizon (years)",
        min_value=1,
        max_value=60,
        required=False,
        help_text="Blank: the IPS's horizon.",
    )
    basis = forms.ChoiceField(
        choices=SavedBasis.choices,
        required=False,
        initial=SavedBasis.PRE_TAX,
        help_text="How the household allocation is measured.",
    )
    churn_penalty_bp = forms.DecimalField(
        label="Churn penalty (bp per dollar moved)",
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=4,
        required=False,
        initial=DEFAULT_CHURN_PENALTY_BP,
        help_text="Money stays where it is unless moving it gains more than this.",
    )

    def location_options(self) -> LocationOptions:
        data = self.cleaned_data
        penalty = data.get("churn_penalty_bp")
        return LocationOptions(
            horizon_years=data.get("horizon_years"),
            basis=LocationBasis(data.get("basis") or SavedBasis.PRE_TAX),
            churn_penalty_bp=DEFAULT_CHURN_PENALTY_BP if penalty is None else penalty,
        )

    def query(self) -> str:
        """The cleaned options as a query string (to come back to the same plan)."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        return urlencode(data)


# --- the accounts x classes table ------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    recommended: Decimal | None  # None: no plan to compare with
    current: Decimal | None  # None: not known (a saved plan shows its amounts only)

    @property
    def empty(self) -> bool:
        return not self.recommended and not self.current


@dataclass(frozen=True)
class GridRow:
    account_name: str
    treatment: str  # TAXABLE, TRADITIONAL, ROTH, HSA
    cells: list[GridCell]
    recommended_total: Decimal | None
    current_total: Decimal | None

    @property
    def total(self) -> GridCell:
        return GridCell(self.recommended_total, self.current_total)


@dataclass(frozen=True)
class PlacementGrid:
    classes: list[tuple[str, str]]  # (code, name)
    rows: list[GridRow]
    totals: list[GridCell]
    recommended_total: Decimal | None
    current_total: Decimal | None

    @property
    def total(self) -> GridCell:
        return GridCell(self.recommended_total, self.current_total)


def _total(amounts: Iterable[Decimal | None]) -> Decimal | None:
    known = [a for a in amounts if a is not None]
    return sum(known, ZERO) if known else None


def placement_grid(
    accounts: list[tuple[int, str, str]],
    classes: list[tuple[str, str]],
    recommended: Mapping[tuple[int, str], Decimal] | None,
    current: Mapping[tuple[int, str], Decimal] | None,
) -> PlacementGrid:
    """Accounts (id, name, account type) by classes; ``None`` maps leave their side blank."""

    def amount(source: Mapping[tuple[int, str], Decimal] | None, key: Any) -> Decimal | None:
        return None if source is None else source.get(key, ZERO)

    rows = []
    for account_id, name, account_type in accounts:
        cells = [
            GridCell(amount(recommended, (account_id, c)), amount(current, (account_id, c)))
            for c, _ in classes
        ]
        rows.append(
            GridRow(
                name,
                ACCOUNT_TAX_TREATMENT[account_type].value,
                cells,
                _total(c.recommended for c in cells),
                _total(c.current for c in cells),
            )
        )
    totals = [
        GridCell(
            _total(r.cells[i].recommended for r in rows), _total(r.cells[i].current for r in rows)
        )
        for i in range(len(classes))
    ]
    return PlacementGrid(
        classes,
        rows,
        totals,
        _total(r.recommended_total for r in rows),
        _total(r.current_total for r in rows),
    )


def result_grid(result: LocationResult) -> PlacementGrid:
    names = result.class_names
    classes = [(code, names.get(code) or class_name(code)) for code in result.class_codes()]
    planned = (
        {(p.account_id, p.asset_class): p.amount for p in result.plan.placements}
        if result.plan.feasible
        else None
    )
    accounts = [(a.id, a.name, a.account_type) for a in result.accounts]
    return placement_grid(accounts, classes, planned, result.current)


def saved_grid(plan: SavedLocationPlan) -> PlacementGrid:
    placements = list(plan.placements.all())
    accounts = list(
        dict.fromkeys((p.account_id, p.account.name, p.account.account_type) for p in placements)
    )
    by_code = {p.asset_class.code: p.asset_class for p in placements}
    order = sorted(by_code.values(), key=lambda c: (c.sort_order, c.code))
    amounts = {(p.account_id, p.asset_class.code): p.amount for p in placements}
    return placement_grid(accounts, [(c.code, c.name) for c in order], amounts, None)


def _saved_explanations(
    household: Household, saved: SavedLocationPlan | None
) -> list[tuple[str, dict[str, Any]]]:
    if saved is None:
        return []
    names = firm_class_names(household.firm_id)
    return [
        (names.get(str(e["asset_class"]), str(e["asset_class"])), e) for e in saved.explanations
    ]


# --- pages -----------------------------------------------------------------------------------


def _result_context(household: Household, form: LocationForm) -> dict[str, Any]:
    if not form.is_valid():
        return {"result": None}
    try:
        result = location_plan_compute(
            household=household, as_of=timezone.localdate(), options=form.location_options()
        )
    except DomainError as refused:
        return {"result": None, "refused": refused.message}
    names = result.class_names
    return {
        "result": result,
        "grid": result_grid(result),
        "explanations": [
            (names.get(e.asset_class, e.asset_class), e) for e in result.plan.explanations
        ],
        "reserve_total": sum(result.reserve_set_aside.values(), ZERO),
        "query": form.query(),
        "options": form.cleaned_data,
    }


@login_required
@require_GET
def household_location(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Options, the recommended placement against today's, why, and the saved plan."""
    household = household_for(request.user, pk)
    saved = current_location_plan_get(household=household)
    context: dict[str, Any] = {
        "household": household,
        "saved": saved,
        "saved_grid": saved_grid(saved) if saved else None,
        "saved_explanations": _saved_explanations(household, saved),
        "can_compute": role_of(request.user) != Role.CLIENT,
        "can_save": has_capability(request.user, Capability.EDIT_POLICY),
    }
    if context["can_compute"]:
        form = LocationForm(request.GET or None)
        context["form"] = form
        context.update(_result_context(household, form if form.is_bound else LocationForm({})))
    if request.headers.get("HX-Request") and context["can_compute"]:
        return render(request, "policies/location/_result.html", context)
    return render(request, "policies/location/page.html", context)


@login_required
@require_POST
def household_location_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Compute the plan with the posted options and save it as the household's current plan."""
    household = household_for(request.user, pk, write=Capability.EDIT_POLICY)
    form = LocationForm(request.POST)
    page = reverse("household_location", args=[household.pk])
    if not form.is_valid():
        messages.error(request, "The options are not valid; nothing was saved.")
        return redirect(page)
    try:
        result = location_plan_compute(
            household=household, as_of=timezone.localdate(), options=form.location_options()
        )
        location_plan_save(household=household, user=request.user, result=result)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Saved as the household's location plan.")
    query = form.query()
    return redirect(f"{page}?{query}" if query else page)

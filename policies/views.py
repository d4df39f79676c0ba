"""Pages for IPS versions, the risk questionnaire, acknowledgements and drift.

Every view finds its household through ``portfolios.access`` (outsiders 404,
readers who try to write 403, anonymous visitors to the login page) and works
through the selectors and services the API uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from advisory.api_errors import DomainError
from advisory.engine.drift import DriftReport, band_half_width, class_name
from advisory.engine.money import HUNDRED
from advisory.engine.risk import score_questionnaire, suggest_allocation
from advisory.http import AuthenticatedHttpRequest
from advisory.lib.charts import chart_scale, chart_x, class_color, donut_arcs
from advisory.lib.format import plain_number
from advisory.models import Role
from policies.api import document_response
from policies.forms import WEIGHT_PREFIX, PolicyForm, RiskQuestionnaireForm, policy_initial
from policies.modelportfolios.follow_form import FollowingPolicyForm, following_initial
from policies.models import DocumentStatus, InvestmentPolicy, PolicyStatus
from policies.portal.views import plan_page
from policies.selectors import (
    acknowledgement_status,
    active_policy_get,
    household_drift,
    latest_drift_snapshot,
    next_review_of,
    policy_diff,
    policy_get,
    policy_list,
    questionnaire_rows,
    risk_profile_of,
    target_rows,
)
from policies.services import (
    policy_acknowledge,
    policy_activate,
    policy_create,
    policy_discard,
    policy_document_request,
    policy_update_draft,
)
from portfolios.access import Capability, has_capability, household_for, role_of
from portfolios.models import Household
from portfolios.selectors import eldest_age, firm_class_names

# --- drift bars ---


@dataclass(frozen=True)
class DriftBar:
    """One class's drift drawn in a 100-wide viewBox: band, target tick, current bar."""

    code: str
    name: str
    target: Decimal
    current: Decimal
    drift: Decimal
    band: Decimal
    lower: Decimal
    upper: Decimal
    in_band: bool
    color: str
    band_x: float
    band_width: float
    target_x: float
    current_width: float


def drift_bars(report: DriftReport, class_names: dict[str, str]) -> tuple[list[DriftBar], float]:
    """Bars on a common scale (the largest weight shown, rounded up to 10%); and the scale."""
    scale = chart_scale(max((float(max(r.upper, r.current)) for r in report.rows), default=0.1))

    def x(fraction: Decimal) -> float:
        return chart_x(fraction, scale)

    bars = [
        DriftBar(
            code=row.asset_class,
            name=class_names.get(row.asset_class) or class_name(row.asset_class),
            target=row.target,
            current=row.current,
            drift=row.drift,
            band=row.band,
            lower=row.lower,
            upper=row.upper,
            in_band=row.in_band,
            color=class_color(row.asset_class),
            band_x=x(row.lower),
            band_width=round(x(row.upper) - x(row.lower), 3),
            target_x=x(row.target),
            current_width=x(row.current),
        )
        for row in report.rows
    ]
    return bars, scale


def _drift_context(household: Household) -> dict[str, Any]:
    today = timezone.localdate()
    report = household_drift(household=household, as_of=today)
    bars, scale = drift_bars(report, firm_class_names(household.firm_id)) if report else ([], 0.0)
    return {
        "report": report,
        "bars": bars,
        "scale_percent": round(scale * 100),
        "snapshot": latest_drift_snapshot(household=household),
        "as_of": today,
    }


# --- the active IPS ---------------------------------------------------------------------------


def _policy_context(request: AuthenticatedHttpRequest, household: Household) -> dict[str, Any]:
    policy = active_policy_get(household=household)
    context: dict[str, Any] = {
        "household": household,
        "policy": policy,
        "can_edit": has_capability(request.user, Capability.EDIT_POLICY),
        "can_acknowledge": has_capability(request.user, Capability.ACKNOWLEDGE),
    }
    if policy is not None:
        rows = target_rows(policy=policy)
        status = acknowledgement_status(policy=policy)
        context.update(
            targets=rows,
            arcs=donut_arcs(rows),
            acknowledgements=status,
            acknowledged_by_me=any(a.user_id == request.user.pk for a in status.acknowledged),
            risk=risk_profile_of(policy),
            answers=questionnaire_rows(policy.questionnaire_answers or {}),
            next_review=next_review_of(policy, timezone.localdate()),
        )
    return context


@login_required
def policy_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The active IPS: targets and bands, method, risk profile, rationale, acknowledgements."""
    household = household_for(request.user, pk)
    context = _policy_context(request, household)
    if request.GET.get("fragment") == "document" and context["policy"] is not None:
        return render(request, "policies/_document_status.html", context)
    if role_of(request.user) == Role.CLIENT:
        return plan_page(request, household)  # the client reads their plan in plain words
    return render(request, "policies/policy_detail.html", context)


@login_required
def household_panels(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The household page's IPS and drift panels, loaded by htmx."""
    household = household_for(request.user, pk)
    context = _policy_context(request, household)
    if context["policy"] is not None:
        context.update(_drift_context(household))
    return render(request, "policies/_panels.html", context)


@login_required
def household_drift_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Drift of every class against the active IPS, as bars and a table."""
    household = household_for(request.user, pk)
    context = {
        "household": household,
        "policy": active_policy_get(household=household),
        "can_propose": has_capability(request.user, Capability.EDIT_POLICY),
    }
    context.update(_drift_context(household))
    return render(request, "policies/drift.html", context)


# --- history and diff ---


@login_required
def policy_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every version, newest first, with a side-by-side comparison of any two."""
    household = household_for(request.user, pk)
    versions = list(policy_list(household=household, user=request.user))
    return render(
        request,
        "policies/policy_history.html",
        {
            "household": household,
            "versions": versions,
            "can_edit": has_capability(request.user, Capability.EDIT_POLICY),
        },
    )


def _version_of(
    request: AuthenticatedHttpRequest, household: Household, raw: str | None
) -> InvestmentPolicy:
    try:
        return policy_list(household=household, user=request.user).get(pk=int(raw or ""))
    except (InvestmentPolicy.DoesNotExist, ValueError) as missing:
        raise Http404("No such version.") from missing


@login_required
def policy_diff_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Two versions side by side (``?a=&b=``; by default the two newest)."""
    household = household_for(request.user, pk)
    if request.GET.get("a") and request.GET.get("b"):
        a = _version_of(request, household, request.GET["a"])
        b = _version_of(request, household, request.GET["b"])
    else:
        newest = list(policy_list(household=household, user=request.user)[:2])
        if len(newest) < 2:
            messages.info(request, "There is only one version: nothing to compare yet.")
            return redirect("policy_history", pk=household.pk)
        b, a = newest
    if a.version > b.version:
        a, b = b, a
    diff = policy_diff(a=a, b=b)
    return render(request, "policies/policy_diff.html", {"household": household, "diff": diff})


# --- the editor ---


def _editor_initial(
    request: AuthenticatedHttpRequest, household: Household
) -> tuple[dict[str, Any], Any]:
    """Start from a draft being edited, a chosen version, or the active one; the
    questionnaire's suggestion (query string) overrides the weights."""
    draft = None
    source = None
    if request.GET.get("draft"):
        draft = _version_of(request, household, request.GET["draft"])
        if draft.status != PolicyStatus.DRAFT:
            raise Http404("Only a draft can be edited.")
        source = draft
    elif request.GET.get("from"):
        source = _version_of(request, household, request.GET["from"])
    else:
        source = active_policy_get(household=household)
    initial = {**policy_initial(source), **following_initial(source)} if source else {}
    if draft is not None:
        initial["rationale"] = draft.rationale
        initial["effective_date"] = draft.effective_date
    suggested = {k: v for k, v in request.GET.items() if k.startswith(WEIGHT_PREFIX)}
    if suggested:
        initial = {k: v for k, v in initial.items() if not k.startswith(WEIGHT_PREFIX)}
        initial.update(suggested)
        if request.GET.get("questionnaire_answers"):
            initial["questionnaire_answers"] = request.GET["questionnaire_answers"]
    return initial, draft


@login_required
def policy_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The IPS editor: a new version (activated now or kept as a draft), or a draft's edit."""
    household = household_for(request.user, pk, write=Capability.EDIT_POLICY)
    class_names = firm_class_names(household.firm_id)
    initial, draft = _editor_initial(request, household)
    form = FollowingPolicyForm(
        request.POST or None, initial=initial, class_names=class_names, firm_id=household.firm_id
    )
    if request.method == "POST" and form.is_valid():
        activate = request.POST.get("action") != "draft"
        try:
            policy = _save(request, household, form, draft, activate=activate)
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            word = "activated" if policy.status == PolicyStatus.ACTIVE else "saved as a draft"
            messages.success(request, f"IPS version {policy.version} {word}.")
            target = "policy_detail" if policy.status == PolicyStatus.ACTIVE else "policy_history"
            return redirect(target, pk=household.pk)
    return render(
        request,
        "policies/policy_form.html",
        {"household": household, "form": form, "draft": draft},
    )


def _save(
    request: AuthenticatedHttpRequest,
    household: Household,
    form: FollowingPolicyForm,
    draft: InvestmentPolicy | None,
    *,
    activate: bool,
) -> InvestmentPolicy:
    if draft is None:
        return policy_create(
            household=household,
            author=request.user,
            draft=form.draft(),
            activate=activate,
            following=form.following(),
        )
    updated = policy_update_draft(policy=draft, draft=form.draft(), following=form.following())
    if activate:
        return policy_activate(policy=updated, user=request.user)
    return updated


@login_required
@require_POST
def policy_validate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The editor's live check (htmx): the sum of the weights, bands and every rule broken."""
    household = household_for(request.user, pk, write=Capability.EDIT_POLICY)
    form = FollowingPolicyForm(
        request.POST, class_names=firm_class_names(household.firm_id), firm_id=household.firm_id
    )
    valid = form.is_valid()
    total = form.weight_total
    return render(
        request,
        "policies/_policy_validation.html",
        {
            "form": form,
            "valid": valid,
            "total": total,
            "total_text": plain_number(total),
            "remaining": HUNDRED - total,
            "remaining_text": plain_number(abs(HUNDRED - total)),
            "preview": _band_preview(form),
            "live_errors": [f for f in form if f.errors and f.name != "rationale"],
        },
    )


@dataclass(frozen=True)
class BandPreview:
    name: str
    weight: Decimal
    band: Decimal
    lower: Decimal
    upper: Decimal


def _band_preview(form: PolicyForm) -> list[BandPreview]:
    """Each typed target with the band it would get (nothing while a band is invalid)."""
    if form.errors.get("abs_band") or form.errors.get("rel_band"):
        return []
    data = form.cleaned_data
    abs_band = data["abs_band"] / HUNDRED if data.get("abs_band") is not None else None
    rel_band = data["rel_band"] / HUNDRED if data.get("rel_band") is not None else None
    rows = []
    for target in form.targets():
        band = band_half_width(target.weight, abs_band, rel_band)
        rows.append(
            BandPreview(
                form.class_names.get(target.asset_class) or class_name(target.asset_class),
                target.weight,
                band,
                max(Decimal(0), target.weight - band),
                min(Decimal(1), target.weight + band),
            )
        )
    return rows


# --- risk questionnaire ---


@login_required
def risk_questionnaire(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Capacity and tolerance questions -> scores and a suggested allocation for the editor."""
    household = household_for(request.user, pk, write=Capability.EDIT_POLICY)
    active = active_policy_get(household=household)
    initial: dict[str, Any] = dict(active.questionnaire_answers or {}) if active else {}
    initial["age"] = eldest_age(household, timezone.localdate())
    form = RiskQuestionnaireForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"household": household, "form": form}
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        scores = score_questionnaire(answers)
        suggestion = suggest_allocation(scores, form.cleaned_data["age"])
        class_names = firm_class_names(household.firm_id)
        query = {
            f"{WEIGHT_PREFIX}{code}": f"{(weight * HUNDRED).normalize():f}"
            for code, weight in suggestion.weights.items()
            if code in class_names and weight
        }
        query["questionnaire_answers"] = json.dumps(answers)
        context.update(
            scores=scores,
            suggestion=suggestion,
            suggested_rows=[
                (code, class_names.get(code), weight, class_color(code))
                for code, weight in suggestion.weights.items()
            ],
            missing=[code for code in suggestion.weights if code not in class_names],
            editor_url=f"{reverse('policy_new', args=[household.pk])}?{urlencode(query)}",
        )
    return render(request, "policies/risk_questionnaire.html", context)


# --- actions on a version ---


@login_required
@require_POST
def policy_acknowledge_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A client acknowledges the active IPS."""
    policy = policy_get(user=request.user, pk=pk, write=Capability.ACKNOWLEDGE)
    try:
        policy_acknowledge(policy=policy, user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Thank you: your acknowledgement is recorded.")
    return redirect("policy_detail", pk=policy.household_id)


@login_required
@require_POST
def policy_activate_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Activate a draft from the history page."""
    policy = policy_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
    try:
        policy_activate(policy=policy, user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("policy_history", pk=policy.household_id)
    messages.success(request, f"IPS version {policy.version} is now active.")
    return redirect("policy_detail", pk=policy.household_id)


@login_required
@require_POST
def policy_discard_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Delete a draft."""
    policy = policy_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
    try:
        policy_discard(policy=policy)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Draft version {policy.version} discarded.")
    return redirect("policy_history", pk=policy.household_id)


@login_required
def policy_document(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse | FileResponse:
    """The version's PDF, or a page that waits while it renders."""
    policy = policy_get(user=request.user, pk=pk)
    if policy.document_status == DocumentStatus.READY and policy.document:
        return document_response(policy)
    state = policy_document_request(policy=policy)
    context = {"policy": policy, "household": policy.household, "state": state}
    return render(request, "policies/document_pending.html", context, status=202)

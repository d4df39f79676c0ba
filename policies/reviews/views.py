"""Pages for reviews: a household's list, one review (the workflow), the dashboard and calendar.

Every view finds its review or household through the selectors, which go
through ``portfolios.access``: outsiders 404, readers who try to act 403.
Buttons come from the state table (``models.TRANSITIONS``), as the services' checks do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from advisory.api_errors import DomainError
from advisory.engine.risk import score_questionnaire
from advisory.http import AuthenticatedHttpRequest
from advisory.models import Membership, Role
from policies.forms import PolicyForm, RiskQuestionnaireForm, policy_initial
from policies.models import InvestmentPolicy
from policies.reviews.forms import ChecklistForm, SkipForm
from policies.reviews.models import Review, ReviewStatus
from policies.reviews.selectors import (
    attention_list,
    review_board,
    review_calendar,
    review_events,
    review_get,
    review_list,
)
from policies.reviews.services import (
    review_acknowledge,
    review_change_targets,
    review_complete,
    review_record_questionnaire,
    review_save_notes,
    review_skip,
    review_start,
)
from policies.selectors import active_policy_get
from portfolios.access import Capability, firm_id_of, has_capability, household_for, role_of
from portfolios.selectors import eldest_age, firm_class_names


def _today() -> date:
    return timezone.localdate()


def _buttons(request: AuthenticatedHttpRequest, review: Review) -> list[Any]:
    """The table's transitions from this state that this user may take."""
    may = {
        "advisor": has_capability(request.user, Capability.EDIT_POLICY),
        "client": has_capability(request.user, Capability.ACKNOWLEDGE),
    }
    return [t for t in review.transitions if may[t.by]]


@login_required
def household_reviews(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every review of one household, newest first."""
    household = household_for(request.user, pk)
    reviews = list(review_list(user=request.user, household=household.pk))
    context = {"household": household, "reviews": reviews, "today": _today()}
    return render(request, "policies/reviews/household_reviews.html", context)


def _detail_context(
    request: AuthenticatedHttpRequest, review: Review, **extra: Any
) -> dict[str, Any]:
    can_edit = has_capability(request.user, Capability.EDIT_POLICY)
    editing = can_edit and review.status == ReviewStatus.IN_PROGRESS
    return {
        "review": review,
        "household": review.household,
        "today": _today(),
        "overdue": review.is_overdue(_today()),
        "buttons": _buttons(request, review),
        "can_edit": can_edit,
        "editing": editing,
        "checklist_form": extra.pop("checklist_form", None)
        or (ChecklistForm(review=review) if editing else None),
        "skip_form": extra.pop("skip_form", None) or SkipForm(),
        "events": review_events(review),
        "active_policy": active_policy_get(household=review.household),
        **extra,
    }


@login_required
def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = review_get(request.user, pk)
    return render(request, "policies/reviews/review_detail.html", _detail_context(request, review))


@login_required
@require_POST
def review_start_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = review_get(request.user, pk, write=Capability.EDIT_POLICY)
    try:
        review_start(review=review, user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Review started.")
    return redirect("review_detail", pk=review.pk)


@login_required
@require_POST
def review_checklist_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save the notes so far, or complete the review (every item needs notes)."""
    review = review_get(request.user, pk, write=Capability.EDIT_POLICY)
    form = ChecklistForm(request.POST, review=review)
    form.is_valid()
    completing = request.POST.get("action") == "complete"
    try:
        if completing:
            done = review_complete(
                review=review,
                user=request.user,
                checklist=form.checklist(),
                summary=form.cleaned_data.get("summary", ""),
            )
        else:
            done = review_save_notes(
                review=review,
                user=request.user,
                checklist=form.checklist(),
                summary=form.cleaned_data.get("summary", ""),
            )
    except DomainError as refused:
        form.add_service_errors(refused.field_errors)
        if not refused.field_errors:
            form.add_error(None, refused.message)
        context = _detail_context(request, review, checklist_form=form)
        return render(request, "policies/reviews/review_detail.html", context, status=400)
    if not completing:
        messages.success(request, "Notes saved.")
    elif done.status == ReviewStatus.AWAITING_CLIENT:
        messages.success(request, "Review completed; the client is asked to acknowledge it.")
    else:
        messages.success(request, "Review completed.")
    return redirect("review_detail", pk=review.pk)


@login_required
@require_POST
def review_skip_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = review_get(request.user, pk, write=Capability.EDIT_POLICY)
    form = SkipForm(request.POST)
    if form.is_valid():
        try:
            review_skip(review=review, user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, "Review skipped.")
            return redirect("review_detail", pk=review.pk)
        return redirect("review_detail", pk=review.pk)
    context = _detail_context(request, review, skip_form=form)
    return render(request, "policies/reviews/review_detail.html", context, status=400)


@login_required
@require_POST
def review_acknowledge_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = review_get(request.user, pk, write=Capability.ACKNOWLEDGE)
    try:
        review_acknowledge(review=review, user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Thank you: your acknowledgement is recorded.")
    return redirect("review_detail", pk=review.pk)


@login_required
def review_questionnaire_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Re-answer the risk questionnaire during the review: capacity and tolerance apart."""
    review = review_get(request.user, pk, write=Capability.EDIT_POLICY)
    active = active_policy_get(household=review.household)
    initial: dict[str, Any] = dict(
        review.questionnaire_answers or (active.questionnaire_answers if active else {}) or {}
    )
    initial["age"] = eldest_age(review.household, _today())
    form = RiskQuestionnaireForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review_record_questionnaire(review=review, user=request.user, answers=form.answers())
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            scores = score_questionnaire(form.answers())
            messages.success(
                request,
                f"Risk capacity {scores.capacity}/100, risk tolerance {scores.tolerance}/100 "
                "recorded with the review.",
            )
            return redirect("review_detail", pk=review.pk)
    context = {"review": review, "household": review.household, "form": form, "active": active}
    return render(request, "policies/reviews/review_questionnaire.html", context)


@login_required
def review_targets_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change the targets during the review: a new IPS version, active, linked to the review."""
    review = review_get(request.user, pk, write=Capability.EDIT_POLICY)
    household = review.household
    class_names = firm_class_names(household.firm_id)
    active: InvestmentPolicy | None = active_policy_get(household=household)
    initial = policy_initial(active) if active else {}
    end = review.period_end
    initial["rationale"] = f"{review.get_kind_display()} of {end:%B} {end.day}, {end.year}: "
    form = PolicyForm(request.POST or None, initial=initial, class_names=class_names)
    if request.method == "POST" and form.is_valid():
        try:
            changed = review_change_targets(review=review, user=request.user, draft=form.draft())
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            version = changed.policy.version if changed.policy else ""
            messages.success(request, f"IPS version {version} is now active.")
            return redirect("review_detail", pk=review.pk)
    context = {"review": review, "household": household, "form": form}
    return render(request, "policies/reviews/review_targets.html", context)


# --- the firm's view ----------------------------------------------------------------------------


def _advisors(request: AuthenticatedHttpRequest) -> list[Any]:
    firm_id = firm_id_of(request.user)
    if firm_id is None:
        return []
    members = Membership.objects.filter(firm_id=firm_id, role__in=(Role.ADVISOR, Role.ADMIN))
    return [m.user for m in members.select_related("user").order_by("user__email")]


def _advisor_filter(request: AuthenticatedHttpRequest) -> int | None:
    raw = request.GET.get("advisor", "")
    return int(raw) if raw.isdigit() else None


def _staff_only(request: AuthenticatedHttpRequest) -> HttpResponse | None:
    if role_of(request.user) == Role.CLIENT:
        return redirect("client_portal")
    return None


@login_required
def review_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reviews due this month, overdue and awaiting the client; what needs the user."""
    if (away := _staff_only(request)) is not None:
        return away
    today = _today()
    advisor = _advisor_filter(request)
    context = {
        "board": review_board(user=request.user, today=today, advisor=advisor),
        "attention": attention_list(user=request.user, today=today),
        "advisors": _advisors(request),
        "advisor": advisor,
        "today": today,
    }
    return render(request, "policies/reviews/review_dashboard.html", context)


def _month(raw: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


@login_required
def review_calendar_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every review of the firm the user may see, by the day it is due, one month at a time."""
    if (away := _staff_only(request)) is not None:
        return away
    today = _today()
    month = _month(request.GET.get("month"), today)
    advisor = _advisor_filter(request)
    context = {
        "weeks": review_calendar(user=request.user, month=month, advisor=advisor),
        "month": month,
        "previous": _shift(month, -1),
        "next": _shift(month, 1),
        "advisors": _advisors(request),
        "advisor": advisor,
        "today": today,
    }
    return render(request, "policies/reviews/review_calendar.html", context)


@login_required
def portal_reviews(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The client portal's reviews panel (htmx): completed reviews and what awaits them."""
    reviews = (
        list(review_list(user=request.user)[:12]) if role_of(request.user) == Role.CLIENT else []
    )
    return render(
        request,
        "policies/reviews/_portal_reviews_panel.html",
        {"reviews": reviews, "attention": attention_list(user=request.user, today=_today())},
    )


# --- the packet --------------------------------------------------------------------------------


def _packet_of(review: Review) -> dict[str, Any]:
    from policies.reviews.packet import review_packet

    return review_packet(review.household, as_of=review.packet_as_of(_today()), review=review)


@login_required
def review_packet_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The packet on a page: the same figures as the PDF and the API."""
    from policies.reviews.pdf import packet_context

    review = review_get(request.user, pk)
    packet = _packet_of(review)
    context = packet_context(packet, firm_id=review.household.firm_id)
    context.update(review=review, household=review.household)
    return render(request, "policies/reviews/packet_page.html", context)


def _pdf_response(review: Review, *, client: bool) -> HttpResponse:
    from policies.reviews.pdf import review_pdf

    pdf = review_pdf(review, _packet_of(review), client=client, produced_on=_today())
    what = "Quarterly report" if client else "Review packet"
    name = f"{what} {review.household.name} {review.period_end:%Y-%m-%d}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
def review_packet_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _pdf_response(review_get(request.user, pk), client=False)


@login_required
def review_report_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The client-facing report: plain language, class names, no internal codes."""
    return _pdf_response(review_get(request.user, pk), client=True)

"""The client portal: their household in plain words, what waits for them, their documents.

Only clients have a portal; staff are sent to the dashboard. The household is
always the client's own (``client_link``), found through ``portfolios.access``;
the documents are served by the views that already check access by their own
URLs (another household's is a 404 there).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from advisory.api_errors import DomainError
from advisory.http import AuthenticatedHttpRequest
from advisory.models import Role
from policies.portal import selectors
from policies.portal.forms import NotificationPreferenceForm
from policies.portal.plan import client_plan
from policies.reviews.selectors import review_get
from policies.reviews.services import review_acknowledge
from policies.selectors import policy_get
from policies.services import policy_acknowledge
from portfolios.access import Capability, role_of
from portfolios.models import Household, NotificationPreference
from portfolios.snapshots import household_summary
from portfolios.views import local_today, summary_context, visible_household


def _own_household(request: AuthenticatedHttpRequest) -> Household | HttpResponse:
    """The client's household; a redirect for staff, the "no household" page when unlinked."""
    if role_of(request.user) != Role.CLIENT:
        return redirect("home")
    link = getattr(request.user, "client_link", None)
    if link is None:
        return render(request, "portfolios/portal_unlinked.html", status=404)
    return visible_household(request, link.household_id)


@login_required
def client_portal(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What they own, how it compares with their plan, what is coming, who their advisor is."""
    household = _own_household(request)
    if isinstance(household, HttpResponse):
        return household
    today = local_today()
    summary = household_summary(household=household, as_of=today)
    context = {
        "household": household,
        "plan_sentence": selectors.plan_summary(household=household, today=today),
        "coming": selectors.coming_up(household=household, today=today),
        "returns": selectors.returns_summary(household=household, today=today),
        "waiting": selectors.waiting_for(user=request.user, household=household),
        "advisor": household.primary_advisor,
        **summary_context(summary),
    }
    return render(request, "policies/portal/home.html", context)


def plan_page(request: AuthenticatedHttpRequest, household: Household) -> HttpResponse:
    """The client's plan in plain words (also what the IPS page shows a client)."""
    context = {
        "household": household,
        "plan": client_plan(user=request.user, household=household),
        "waiting_count": len(selectors.waiting_for(user=request.user, household=household)),
    }
    return render(request, "policies/portal/plan.html", context)


@login_required
def portal_plan(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Their target mix, the rebalancing rule, risk and rationale, and their acknowledgement."""
    household = _own_household(request)
    if isinstance(household, HttpResponse):
        return household
    return plan_page(request, household)


@login_required
def portal_documents(request: AuthenticatedHttpRequest) -> HttpResponse:
    household = _own_household(request)
    if isinstance(household, HttpResponse):
        return household
    documents = selectors.portal_documents(user=request.user, household=household)
    return render(
        request,
        "policies/portal/documents.html",
        {"household": household, "documents": documents},
    )


@login_required
def portal_waiting(request: AuthenticatedHttpRequest) -> HttpResponse:
    household = _own_household(request)
    if isinstance(household, HttpResponse):
        return household
    items = selectors.waiting_for(user=request.user, household=household)
    return render(request, "policies/portal/waiting.html", {"household": household, "items": items})


@login_required
@require_POST
def portal_acknowledge_ips(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The client acknowledges the active IPS from the list or their plan page; back there."""
    policy = policy_get(user=request.user, pk=pk, write=Capability.ACKNOWLEDGE)
    try:
        with transaction.atomic():
            policy_acknowledge(policy=policy, user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Thank you: your acknowledgement of your plan is recorded.")
    return redirect("portal_plan" if request.POST.get("from") == "plan" else "portal_waiting")


@login_required
@require_POST
def portal_acknowledge_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = review_get(request.user, pk, write=Capability.ACKNOWLEDGE)
    try:
        review_acknowledge(review=review, user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Thank you: your acknowledgement of the review is recorded.")
    return redirect("portal_waiting")


@login_required
@require_http_methods(["GET", "POST"])
def portal_notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The client's email choices: new documents, and what awaits their acknowledgement."""
    household = _own_household(request)
    if isinstance(household, HttpResponse):
        return household
    preference = NotificationPreference.objects.filter(user=request.user).first()
    form = NotificationPreferenceForm(
        request.POST or None,
        instance=preference or NotificationPreference(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email choices are saved.")
        return redirect("portal_notifications")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "policies/portal/notifications.html",
        {"household": household, "form": form},
        status=status,
    )

"""Pages for a household's standing restrictions: add one, remove one.

Who may change them is who may change the household (``Capability.EDIT_BOOK``
through ``portfolios.access``): an outsider gets 404, a client 403. The household
page lists them for staff only; every proposal, harvest and run applies them
(``policies.proposals.request.standing_restrictions``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from advisory.http import AuthenticatedHttpRequest
from portfolios.access import household_for
from portfolios.forms import RestrictionForm
from portfolios.models import Restriction
from portfolios.views import (
    form_page,
    household_url,
    save_form,
    visible_household,
)


@login_required
@require_http_methods(["GET", "POST"])
def restriction_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = visible_household(request, pk, write=True)
    form = RestrictionForm(
        request.POST or None,
        instance=Restriction(household=household, created_by=request.user),
        household=household,
    )
    if (restriction := save_form(request, form)) is not None:
        messages.success(request, f"Restriction kept: {restriction}.")
        return redirect(household_url(household.pk))
    return form_page(
        request,
        form,
        title="Add a restriction",
        cancel_url=household_url(household.pk),
        household=household,
    )


@login_required
@require_http_methods(["GET", "POST"])
def restriction_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; only a POST removes."""
    restriction = get_object_or_404(
        Restriction.objects.select_related("household", "security", "account"), pk=pk
    )
    household_for(request.user, restriction.household_id, write=True)
    back = household_url(restriction.household_id)
    if request.method == "POST":
        # A restriction is a standing instruction, not a financial record: it is removed
        # (the audit history keeps what it was, who removed it and when).
        with transaction.atomic():
            restriction.delete()
        messages.success(request, f"Restriction removed: {restriction}.")
        return redirect(back)
    context = {
        "title": "Remove this restriction?",
        "verb": "remove",
        "what": f"the restriction “{restriction}” of the {restriction.household} household",
        "consequences": ["Proposals computed from now on may trade it again."],
        "cancel_url": back,
    }
    return render(request, "portfolios/confirm_archive.html", context)

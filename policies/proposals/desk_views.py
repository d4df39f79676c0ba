"""The order desk's page: approved proposals' orders released as a file, fills booked from one."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from advisory.api_errors import DomainError
from advisory.http import AuthenticatedHttpRequest
from policies.proposals.desk import (
    fills_book,
    fills_from_csv,
    may_release,
    order_list,
    orders_release,
)
from policies.proposals.selectors import proposal_get


def _desk(request: AuthenticatedHttpRequest) -> None:
    if not may_release(request.user):
        raise PermissionDenied("The order desk is for operations and firm admins.")


@login_required
def order_desk(request: AuthenticatedHttpRequest) -> HttpResponse:
    _desk(request)
    orders = order_list(user=request.user).select_related("proposal__household")
    proposals = [
        {"proposal": group[0].proposal, "orders": group}
        for group in (list(g) for _, g in groupby(orders, key=lambda o: o.proposal_id))
    ]
    context: dict[str, Any] = {"proposals": proposals}
    return render(request, "policies/proposals/order_desk.html", context)


@login_required
@require_POST
def order_release_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    _desk(request)
    ids = [int(pk) for pk in request.POST.getlist("proposal") if pk.isdigit()]
    layout = "block" if request.POST.get("layout") == "block" else "generic"
    try:
        text = orders_release(user=request.user, proposal_ids=ids, layout=layout)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("order_desk")
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="orders.csv"'
    return response


@login_required
@require_POST
def order_fills_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get(user=request.user, pk=pk)
    _desk(request)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError("Choose the custodian's fills file.")
        rows = fills_from_csv(upload.read().decode("utf-8-sig"))
        booked = fills_book(proposal=proposal, user=request.user, rows=rows)
    except DomainError as refused:
        messages.error(request, _refusal_text(refused))
    else:
        messages.success(
            request, f"Fills booked for proposal {pk} ({booked.get_status_display()})."
        )
    return redirect("order_desk")


def _refusal_text(refused: DomainError) -> str:
    lines = refused.field_errors.get("fills") or refused.field_errors.get("file")
    if isinstance(lines, dict):
        return (
            refused.message + " " + " ".join(f"Line {n}: {' '.join(m)}" for n, m in lines.items())
        )
    return refused.message + (" " + " ".join(lines) if lines else "")

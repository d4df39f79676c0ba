"""Pages that archive a household or a transaction, and the firm's archive (restore).

People, accounts and lots are archived from their own pages (``book_views``); all go
through ``portfolios.archiving``. The archive is the firm admins': what was archived,
when and by whom, each with a Restore button (POST).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from advisory.api_errors import DomainError
from advisory.history import FIRM_PATHS
from advisory.http import AuthenticatedHttpRequest
from portfolios.access import can_manage_firm, firm_id_of, household_for
from portfolios.archiving import ARCHIVABLE, archived_rows, record_restore
from portfolios.models import Transaction
from portfolios.views import archive_row, confirm_archive, household_url, visible_household

ARCHIVE_PAGE_ROWS = 200
KIND_NAMES = {
    "households": "Households",
    "people": "People",
    "accounts": "Accounts",
    "lots": "Lots",
    "transactions": "Transactions",
}


@login_required
@require_http_methods(["GET", "POST"])
def household_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = visible_household(request, pk, write=True)
    if request.method == "POST":
        done = reverse("home")
        return archive_row(request, household, done_url=done, message=f"“{household}” archived.")
    return confirm_archive(
        request,
        title=f"Archive {household.name}?",
        what=f"the {household.name} household",
        consequences=[
            "Its people, accounts, lots, transactions, IPS versions, proposals and reviews "
            "leave with it, and its clients no longer see their portal.",
        ],
        cancel_url=household_url(household.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def transaction_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Transaction.objects.select_related("account", "security"), pk=pk)
    household_for(request.user, row.account.household_id, write=True)
    back = reverse("account_detail", args=[row.account_id])
    if request.method == "POST":
        return archive_row(request, row, done_url=back, message="Transaction archived.")
    return confirm_archive(
        request,
        title="Archive this transaction?",
        what=f"the {row.get_kind_display().lower()} of {row.trade_date.isoformat()} "
        f"in {row.account}",
        consequences=["The lots and cash it moved stay as they are: it is a record."],
        cancel_url=back,
    )


@dataclass(frozen=True)
class ArchivedLine:
    kind: str
    row: Any
    household: Any


def _household_path(kind: str) -> str | None:
    firm_path = FIRM_PATHS[ARCHIVABLE[kind]._meta.label]
    return firm_path.removesuffix("__firm") if firm_path != "firm" else None


def _lines(kind: str, firm_id: int | None) -> list[ArchivedLine]:
    path = _household_path(kind)
    rows = archived_rows(ARCHIVABLE[kind], firm_id=firm_id)
    if path:
        rows = rows.select_related(path)
    lines = []
    for row in rows[:ARCHIVE_PAGE_ROWS]:
        household = row
        for step in path.split("__") if path else []:
            household = getattr(household, step)
        lines.append(ArchivedLine(kind, row, household))
    return lines


def _admin_only(request: AuthenticatedHttpRequest) -> None:
    if not can_manage_firm(request.user):
        raise PermissionDenied("Only firm admins see the archive.")


@login_required
def archive_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Archived records of the firm, newest first; ``?kind=`` keeps one kind."""
    _admin_only(request)
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in ARCHIVABLE else list(ARCHIVABLE)
    firm_id = firm_id_of(request.user)
    sections = [(KIND_NAMES[k], _lines(k, firm_id)) for k in kinds]
    context = {"sections": sections, "kind": kind, "kinds": KIND_NAMES, "limit": ARCHIVE_PAGE_ROWS}
    return render(request, "portfolios/archive.html", context)


@login_required
@require_POST
def archive_restore(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    _admin_only(request)
    if kind not in ARCHIVABLE:
        raise Http404("No such kind of record.")
    model = ARCHIVABLE[kind]
    row = archived_rows(model, firm_id=firm_id_of(request.user)).filter(pk=pk).first()
    if row is None:
        raise Http404("No such archived record.")
    try:
        record_restore(record=row)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"“{row}” restored.")
    return redirect(f"{reverse('archive')}?kind={kind}")

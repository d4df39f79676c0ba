"""The import page (``/imports/``) and its CSV templates.

Staff who keep the book (admins, advisors on their households, operations)
upload a file and either check it (nothing is written) or import it (all rows
or none). Clients get 403, anonymous visitors go to the login page.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portfolios.forms import BookImportForm
from portfolios.imports.files import MAX_FILE_BYTES, MAX_ROWS
from portfolios.imports.services import (
    COLUMNS,
    NOTES,
    ImportKind,
    ImportReport,
    book_import,
    import_kinds_for,
    may_import,
    template_rows,
)
from portfolios.views import CONFLICT_MESSAGE

ERRORS_SHOWN = 500


def _kind_or_404(kind: str) -> ImportKind:
    try:
        return ImportKind(kind)
    except ValueError as unknown:
        raise Http404("No such import.") from unknown


@login_required
@require_http_methods(["GET", "POST"])
def book_import_page(request: HttpRequest) -> HttpResponse:
    kinds = import_kinds_for(request.user)
    if not kinds:
        raise PermissionDenied("You may not import into the book of record.")
    selected = request.GET.get("kind") or kinds[0].value
    form = BookImportForm(
        request.POST or None,
        request.FILES or None,
        kinds=[(k.value, k.label) for k in kinds],
        initial={"kind": selected},
    )
    report: ImportReport | None = None
    if request.method == "POST" and form.is_valid():
        kind = ImportKind(form.cleaned_data["kind"])
        selected = kind.value
        upload = form.cleaned_data["file"]
        try:
            report = book_import(
                kind=kind,
                user=request.user,
                upload=upload,
                dry_run=request.POST.get("action") != "import",  # Enter, or anything else, checks
            )
        except IntegrityError:
            form.add_error(None, CONFLICT_MESSAGE)
        else:
            if report.written:
                messages.success(request, f"{upload.name}: {report.summary()}")
                return redirect(f"{reverse('book_import')}?kind={kind.value}")
    upload_name = getattr(request.FILES.get("file"), "name", "")
    refused = bool(form.errors) or (report is not None and not report.ok)
    context = {
        "form": form,
        "report": report,
        "upload_name": upload_name,
        "row_errors": report.row_errors[:ERRORS_SHOWN] if report else [],
        "selected": selected,
        "formats": [(k, COLUMNS[k], NOTES[k]) for k in kinds],
        "max_megabytes": MAX_FILE_BYTES // 2**20,
        "max_rows": f"{MAX_ROWS:,}",
    }
    status = 400 if request.method == "POST" and refused else 200
    return render(request, "portfolios/imports.html", context, status=status)


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The header line and one example row of a ``kind`` file."""
    import_kind = _kind_or_404(kind)
    if not may_import(request.user, import_kind):
        raise PermissionDenied(f"You may not import {kind}.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{import_kind.value}-template.csv"'
    csv.writer(response).writerows(template_rows(import_kind))
    return response

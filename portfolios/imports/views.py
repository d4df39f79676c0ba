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
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from advisory.http import AuthenticatedHttpRequest
from portfolios.access import (
    Capability,
    can_edit_securities,
    firm_id_of,
    has_capability,
    household_for,
)
from portfolios.imports.exports import EXPORTS, FORMATS, export_file, export_table
from portfolios.imports.files import MAX_FILE_BYTES, MAX_ROWS
from portfolios.imports.forms import BookImportForm, ImportMappingForm
from portfolios.imports.gains import realized_gains, tax_year_close
from portfolios.imports.kinds import (
    COLUMNS,
    NOTES,
    ImportKind,
    ImportReport,
    import_kinds_for,
    may_import,
    template_rows,
)
from portfolios.imports.models import ImportMapping, ImportRecord
from portfolios.imports.progress import import_progress_of
from portfolios.imports.services import NewSecurity, book_import
from portfolios.imports.tasks import import_queue, is_large
from portfolios.models import AssetClass
from portfolios.views import CONFLICT_MESSAGE

ERRORS_SHOWN = 500


def _kind_or_404(kind: str) -> ImportKind:
    try:
        return ImportKind(kind)
    except ValueError as unknown:
        raise Http404("No such import.") from unknown


@login_required
@require_http_methods(["GET", "POST"])
def book_import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    kinds = import_kinds_for(request.user)
    if not kinds:
        raise PermissionDenied("You may not import into the book of record.")
    selected = request.GET.get("kind") or kinds[0].value
    form = BookImportForm(
        request.POST or None,
        request.FILES or None,
        kinds=[(k.value, k.label) for k in kinds],
        initial={"kind": selected},
        firm_id=firm_id_of(request.user),
    )
    report: ImportReport | None = None
    if request.method == "POST" and form.is_valid():
        kind = ImportKind(form.cleaned_data["kind"])
        selected = kind.value
        upload = form.cleaned_data["file"]
        dry_run = request.POST.get("action") != "import"  # Enter, or anything else, checks
        if is_large(upload):
            record = import_queue(
                kind=kind.value,
                user=request.user,
                upload=upload,
                mapping=form.cleaned_data["mapping"],
                apply=form.cleaned_data["apply"],
                dry_run=dry_run,
            )
            return redirect("import_progress", pk=record.pk)
        try:
            report = book_import(
                kind=kind,
                user=request.user,
                upload=upload,
                dry_run=dry_run,
                mapping=form.cleaned_data["mapping"],
                apply=form.cleaned_data["apply"],
                new_securities=_new_securities(request),
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
        "may_create_securities": can_edit_securities(request.user),
        "asset_classes": AssetClass.objects.filter(firm_id=firm_id_of(request.user)),  # type: ignore[misc]
        "max_rows": f"{MAX_ROWS:,}",
    }
    status = 400 if request.method == "POST" and refused else 200
    return render(request, "portfolios/imports.html", context, status=status)


def _new_securities(request: AuthenticatedHttpRequest) -> dict[str, NewSecurity]:
    """The unknown symbols the user chose to create: ``new_symbol`` with its class and group."""
    if not can_edit_securities(request.user):
        return {}
    classes = {c.code: c for c in AssetClass.objects.filter(firm_id=firm_id_of(request.user))}  # type: ignore[misc]
    chosen: dict[str, NewSecurity] = {}
    for symbol in request.POST.getlist("new_symbol"):
        symbol = symbol.strip().upper()[:20]
        asset_class = classes.get(request.POST.get(f"new_class_{symbol}", ""))
        if symbol and asset_class is not None:
            group = request.POST.get(f"new_group_{symbol}", "").strip()[:60]
            chosen[symbol] = NewSecurity(asset_class, group or symbol.lower())
    return chosen


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


def _book_keeper(request: AuthenticatedHttpRequest) -> int:
    """The firm of a user who keeps the book (403 for clients)."""
    firm_id = firm_id_of(request.user)
    if firm_id is None or not has_capability(request.user, Capability.EDIT_BOOK):
        raise PermissionDenied("Only staff who keep the book see imports.")
    return firm_id


@login_required
def import_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every import kept: file, who, when, kind and what it did."""
    firm_id = _book_keeper(request)
    records = ImportRecord.objects.filter(firm_id=firm_id).select_related("created_by")[:200]
    return render(request, "portfolios/imports/history.html", {"records": records})


@login_required
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A queued import's progress; htmx polls the bar fragment until it is done."""
    firm_id = _book_keeper(request)
    record = get_object_or_404(ImportRecord, pk=pk, firm_id=firm_id)
    template = (
        "portfolios/imports/_progress.html"
        if request.headers.get("HX-Request")
        else "portfolios/imports/progress.html"
    )
    return render(request, template, {"record": record, "progress": import_progress_of(record)})


@login_required
@require_http_methods(["GET", "POST"])
def mapping_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The firm's saved column mappings, and a form for a new one."""
    firm_id = _book_keeper(request)
    form = ImportMappingForm(request.POST or None, firm_id=firm_id)
    if request.method == "POST" and form.is_valid():
        mapping = form.save()
        messages.success(request, f"Mapping “{mapping.name}” saved.")
        return redirect("import_mappings")
    context = {"form": form, "mappings": ImportMapping.objects.filter(firm_id=firm_id)}
    return render(
        request,
        "portfolios/imports/mappings.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def exports_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download links: every export, as CSV or XLSX, of what the user may see."""
    if firm_id_of(request.user) is None:
        raise PermissionDenied("You belong to no firm.")
    kinds = [*EXPORTS, "proposals"]
    return render(request, "portfolios/imports/exports.html", {"kinds": kinds})


def _year(request: AuthenticatedHttpRequest) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() and 1900 < int(text) < 3000 else timezone.localdate().year


@login_required
@require_http_methods(["GET", "POST"])
def realized_gains_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The household's realised gains of a tax year (``?format=csv`` downloads it)."""
    household = household_for(request.user, pk)
    year = _year(request)
    if request.method == "POST":
        household = household_for(request.user, pk, write=True)
        tax_year_close(household=household, year=year)
        messages.success(request, f"{year} closed: its carry-forward is now the household's.")
        return redirect(f"{reverse('realized_gains', args=[pk])}?year={year}")
    if request.GET.get("format") in FORMATS:
        table = export_table(
            "realized-gains", user=request.user, household_id=household.pk, year=year
        )
        content, content_type, name = export_file("realized-gains", table, request.GET["format"])
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context = {
        "household": household,
        "report": realized_gains(household=household, year=year),
        "year": year,
        "can_close": has_capability(request.user, Capability.EDIT_BOOK),
    }
    return render(request, "portfolios/imports/realized_gains.html", context)


@login_required
def realized_gains_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = household_for(request.user, pk)
    year = _year(request)
    context = {
        "household": household,
        "report": realized_gains(household=household, year=year),
        "year": year,
        "document": True,
    }
    html = render_to_string("portfolios/imports/realized_gains_document.html", context)
    from weasyprint import HTML

    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="realized-gains-{year}.pdf"'
    return response

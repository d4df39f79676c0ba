"""Imports of the book of record: positions, lots, transactions, cash and daily prices.

Each kind is streamed in chunks, in bounded memory, by its own module
(``portfolios.imports.positions``, ``lots``, ``transactions``, ``cash``, ``prices``);
these are the services that run them, keep their records and create the
securities a file names that the firm lacks.

All or nothing: every row is checked first (types, numbers, dates, the account
among those the user may change, the symbol among the firm's securities,
duplicates in the file and in the book). If any row has an error nothing is
written and the report lists every error by spreadsheet row and column;
otherwise everything is written in one transaction. A dry run checks and
reports what would be written, and writes nothing.

- Lots are created (an identical lot already in the book is an error, so a
  file imported twice is refused rather than doubling the holdings). An
  account with an investment menu (a 401(k)) takes only lots of its classes.
- Transactions are history, or, when the user applies them, move the book (lots
  and cash, with the realised gain and wash sales).
- Positions reconcile the book's lots to the custodian's; cash sets balances.
- Prices are upserted by (security, date); a price dated on or after the
  security's newest one (its price points and its ``price_date``) also becomes
  the security's last price.

Who: lots and transactions need ``Capability.EDIT_BOOK`` and land only in
accounts of ``households_for(user, write=True)``; an account outside them is
"unknown", exactly like one that does not exist. Prices are kept by admins and
operations (``can_edit_securities``), as securities are.

Reading the file is ``portfolios.imports.files``; checking a row is
``portfolios.imports.checks``; the first pass they share, ``portfolios.imports.streams``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from advisory.history import bulk_history
from portfolios.access import can_edit_securities, firm_id_of
from portfolios.imports.cash import cash_stream
from portfolios.imports.checks import price_days_in_book, repriced_securities
from portfolios.imports.files import Layout, progress_hook
from portfolios.imports.kinds import ImportKind, ImportReport, may_import
from portfolios.imports.lots import lots_stream
from portfolios.imports.models import ImportMapping, ImportRecord, ImportStatus
from portfolios.imports.positions import positions_stream
from portfolios.imports.prices import prices_stream, upsert_prices
from portfolios.imports.progress import report_progress
from portfolios.imports.transactions import transactions_stream
from portfolios.models import AssetClass, PricePoint, Security

# --- services ---------------------------------------------------------------------------------


def _may(user: Any, kind: ImportKind) -> None:
    if not may_import(user, kind):
        raise PermissionDenied(f"You may not import {kind.value}.")


@transaction.atomic
def lots_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
) -> ImportReport:
    """Create the file's lots in accounts the user may change, or nothing.

    Streamed in chunks, in bounded memory: ``portfolios.imports.lots``.
    """
    _may(user, ImportKind.LOTS)
    today = today or timezone.localdate()
    return lots_stream(user=user, upload=upload, dry_run=dry_run, today=today, layout=layout)


@transaction.atomic
def transactions_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
    apply: bool = False,
) -> ImportReport:
    """Record the file's transactions, or nothing; with ``apply`` they also move the book.

    Applied in trade-date order (then file order) through ``transaction_apply``; a
    transaction the book cannot take (more shares sold than held, cash below zero)
    is that row's error and nothing is written. Streamed in chunks, in bounded
    memory: ``portfolios.imports.transactions``.
    """
    _may(user, ImportKind.TRANSACTIONS)
    return transactions_stream(
        user=user,
        upload=upload,
        dry_run=dry_run,
        today=today or timezone.localdate(),
        layout=layout,
        apply=apply,
    )


@transaction.atomic
def prices_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
) -> ImportReport:
    """Upsert the file's daily closes by (security, date), move last prices forward; or nothing.

    Streamed in chunks, in bounded memory: ``portfolios.imports.prices``.
    """
    _may(user, ImportKind.PRICES)
    today = today or timezone.localdate()
    return prices_stream(user=user, upload=upload, dry_run=dry_run, today=today, layout=layout)


@transaction.atomic
def prices_upsert(points: list[PricePoint]) -> tuple[int, int]:
    """Upsert daily closes per (security, date), moving last prices forward: (created, updated)."""
    existing = price_days_in_book(points)
    updated = sum((p.security_id, p.date) in existing for p in points)
    upsert_prices(points, repriced_securities(points))
    return len(points) - updated, updated


@transaction.atomic
def positions_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
) -> ImportReport:
    """Reconcile the book's lots to a custodian's positions file (or report what would change).

    Streamed in chunks, in bounded memory: ``portfolios.imports.positions``.
    """
    _may(user, ImportKind.POSITIONS)
    return positions_stream(
        user=user,
        upload=upload,
        dry_run=dry_run,
        today=today or timezone.localdate(),
        layout=layout,
    )


@transaction.atomic
def cash_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
) -> ImportReport:
    """Set each account's cash to the file's balance; the differences are the report's changes.

    Streamed in chunks: ``portfolios.imports.cash``.
    """
    _may(user, ImportKind.CASH)
    today = today or timezone.localdate()
    return cash_stream(user=user, upload=upload, dry_run=dry_run, today=today, layout=layout)


IMPORTERS: dict[ImportKind, Callable[..., ImportReport]] = {
    ImportKind.POSITIONS: positions_import,
    ImportKind.LOTS: lots_import,
    ImportKind.TRANSACTIONS: transactions_import,
    ImportKind.CASH: cash_import,
    ImportKind.PRICES: prices_import,
}


@transaction.atomic
def book_import(
    *,
    kind: ImportKind,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    mapping: ImportMapping | None = None,
    apply: bool = False,
    record: ImportRecord | None = None,
    new_securities: Mapping[str, NewSecurity] | None = None,
) -> ImportReport:
    """Run the import of ``kind`` and keep its record when written.

    ``record``: a queued import's own record, filled in instead of a new one.
    ``new_securities``: symbols the file names that the firm lacks, created (with
    their class and substitute group) in the same step; kept only if the import is.
    Raises PermissionDenied when the user may not import ``kind``.
    """
    options: dict[str, Any] = {"layout": layout_of(mapping)}
    if kind == ImportKind.TRANSACTIONS:
        options["apply"] = apply
    savepoint = transaction.savepoint_create()
    with bulk_history(import_kind=kind.value, user=user.pk):
        created = securities_create(user=user, new=new_securities or {})
        report = IMPORTERS[kind](user=user, upload=upload, dry_run=dry_run, today=today, **options)
    report = dataclasses.replace(report, securities_created=tuple(created))
    if not report.written:
        transaction.savepoint_rollback(savepoint)  # a check or a refusal creates nothing
        return report
    transaction.savepoint_commit(savepoint)
    if record is not None:
        return report
    record = import_record_create(
        kind=kind, user=user, upload=upload, report=report, mapping=mapping, apply=apply
    )
    return dataclasses.replace(report, record_id=record.pk)


@dataclass(frozen=True)
class NewSecurity:
    """A security to create for an unknown symbol: its class and substitute group."""

    asset_class: AssetClass
    substitute_group: str
    name: str = ""


def securities_create(*, user: Any, new: Mapping[str, NewSecurity]) -> list[str]:
    """Create the firm's securities for unknown symbols (admins and operations only)."""
    if not new:
        return []
    if not can_edit_securities(user):
        raise PermissionDenied("Only admins and operations create securities.")
    firm_id = firm_id_of(user)
    existing = set(
        Security.objects.filter(firm_id=firm_id, symbol__in=list(new)).values_list(  # type: ignore[misc]
            "symbol", flat=True
        )
    )
    rows = [
        Security(
            firm_id=firm_id,
            symbol=symbol,
            name=spec.name or symbol,
            asset_class=spec.asset_class,
            substitute_group=spec.substitute_group or symbol.lower(),
        )
        for symbol, spec in sorted(new.items())
        if symbol not in existing and spec.asset_class.firm_id == firm_id
    ]
    Security.objects.bulk_create(rows)
    return [s.symbol for s in rows]


def import_record_run(*, record_id: int) -> str:
    """Run a queued import from its stored file; the record ends done or rejected."""
    with transaction.atomic():
        record = ImportRecord.objects.select_for_update().filter(pk=record_id).first()
        if record is None or record.status != ImportStatus.QUEUED:
            return "skipped"
        record.status = ImportStatus.RUNNING
        record.save(update_fields=["status"])
    record.file.open("rb")
    try:
        content = record.file.read()
    finally:
        record.file.close()
    token = progress_hook.set(lambda rows: report_progress(record_id, rows))
    try:
        report = book_import(
            kind=ImportKind(record.kind),
            user=record.created_by,
            upload=content,
            dry_run=bool(record.summary.get("dry_run")),
            mapping=record.mapping,
            apply=record.apply,
            record=record,
        )
    finally:
        progress_hook.reset(token)
    record.status = ImportStatus.DONE if report.ok else ImportStatus.REJECTED
    record.rows_total = max(record.rows_total, report.rows_read)
    record.rows_done = report.rows_read
    record.summary = {
        **summary_json(report),
        "dry_run": report.dry_run,
        "errors": [
            {"row": e.row, "column": e.column, "message": e.message} for e in report.errors[:500]
        ],
        "error_count": report.error_total,
        "changes": list(report.changes[:500]),
    }
    record.save()
    return record.status


def import_record_create(
    *,
    kind: ImportKind,
    user: Any,
    upload: IO[bytes] | bytes,
    report: ImportReport,
    mapping: ImportMapping | None,
    apply: bool = False,
) -> ImportRecord:
    """Keep the file, who ran it, when, and the summary of a written import."""
    name = str(getattr(upload, "name", "") or f"{kind.value}.csv")
    if isinstance(upload, bytes):
        content = upload
    else:
        upload.seek(0)
        content = upload.read()
    record = ImportRecord(
        firm_id=firm_id_of(user),  # type: ignore[misc]
        kind=kind.value,
        file_name=Path(name).name[:255],
        mapping=mapping,
        created_by=user,
        rows_total=report.rows_read,
        rows_done=report.rows_read,
        apply=apply,
        summary=summary_json(report),
    )
    record.file.save(Path(name).name, ContentFile(content), save=False)
    record.save()
    return record


def summary_json(report: ImportReport) -> dict[str, Any]:
    return {
        "rows_read": report.rows_read,
        "created": report.created,
        "updated": report.updated,
        "closed": report.closed,
        "unchanged": report.unchanged,
        "securities_repriced": report.securities_repriced,
        "summary": report.summary(),
    }


def layout_of(mapping: ImportMapping | None) -> Layout | None:
    """A saved mapping as the file reader's layout (None: the generic layout)."""
    if mapping is None:
        return None
    return Layout(
        columns=dict(mapping.columns or {}),
        date_format=mapping.date_format,
        decimal_separator=mapping.decimal_separator,
        thousands_separator=mapping.thousands_separator,
        negative_parentheses=mapping.negative_parentheses,
        encoding=mapping.encoding,
        delimiter=mapping.delimiter,
    )

"""CSV imports of the book of record: lots, transactions and daily prices (the services).

All or nothing: every row is checked first (types, numbers, dates, the account
among those the user may change, the symbol among the firm's securities,
duplicates in the file and in the book). If any row has an error nothing is
written and the report lists every error by spreadsheet row and column;
otherwise everything is written in one transaction. A dry run checks and
reports what would be written, and writes nothing.

- Lots are created (an identical lot already in the book is an error, so a
  file imported twice is refused rather than doubling the holdings). An
  account with an investment menu (a 401(k)) takes only lots of its classes.
- Transactions are history only: importing them changes neither lots nor cash.
- Prices are upserted by (security, date); a price dated on or after the
  security's newest one (its price points and its ``price_date``) also becomes
  the security's last price.

Who: lots and transactions need ``Capability.EDIT_BOOK`` and land only in
accounts of ``households_for(user, write=True)``; an account outside them is
"unknown", exactly like one that does not exist. Prices are kept by admins and
operations (``can_edit_securities``), as securities are.

Reading the file is ``portfolios.imports.files``; checking its rows against the
book, in bulk, is ``portfolios.imports.checks``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from advisory.api_errors import DomainError
from portfolios.access import can_edit_securities, firm_id_of
from portfolios.imports.checks import (
    check_cash,
    check_lots,
    check_positions,
    check_prices,
    check_transactions,
    price_days_in_book,
    repriced_securities,
)
from portfolios.imports.files import (
    FileRefused,
    Layout,
    Record,
    RowError,
    progress_hook,
    read_table,
)
from portfolios.imports.kinds import (
    COLUMNS,
    WRITE_BATCH,
    ImportKind,
    ImportReport,
    may_import,
)
from portfolios.imports.models import ImportMapping, ImportRecord, ImportStatus
from portfolios.imports.progress import report_progress
from portfolios.locks import lock_household
from portfolios.models import Account, AssetClass, Lot, PricePoint, Security, Transaction
from portfolios.services import transaction_record

# --- services ---------------------------------------------------------------------------------


def _create_rows(
    kind: ImportKind,
    check: Callable[..., tuple[list[Any], list[RowError]]],
    model: type[Lot] | type[Transaction],
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool,
    today: date | None,
    layout: Layout | None = None,
) -> ImportReport:
    """Read, check every row, then create them all (unless a dry run or any error)."""
    report, records = _read(kind, user=user, upload=upload, dry_run=dry_run, layout=layout)
    if not report.ok:
        return report
    rows, errors = check(records, user=user, today=today or timezone.localdate())
    report = _with(report, errors, created=len(rows))
    if report.written:
        model.objects.bulk_create(rows, batch_size=WRITE_BATCH)
    return report


@transaction.atomic
def lots_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
) -> ImportReport:
    """Create the file's lots in accounts the user may change, or nothing."""
    return _create_rows(
        ImportKind.LOTS,
        check_lots,
        Lot,
        user=user,
        upload=upload,
        dry_run=dry_run,
        today=today,
        layout=layout,
    )


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
    is that row's error and nothing is written.
    """
    report = _create_rows(
        ImportKind.TRANSACTIONS,
        check_transactions,
        Transaction,
        user=user,
        upload=upload,
        dry_run=dry_run or apply,
        today=today,
        layout=layout,
    )
    if not apply or not report.ok:
        return report
    report = dataclasses.replace(report, dry_run=dry_run)
    _, records = _read(
        ImportKind.TRANSACTIONS, user=user, upload=upload, dry_run=dry_run, layout=layout
    )
    rows, _ = check_transactions(records, user=user, today=today or timezone.localdate())
    numbered = sorted(zip(records, rows, strict=True), key=lambda p: (p[1].trade_date, p[0].row))
    with transaction.atomic():
        sid = transaction.savepoint_create()
        errors: list[RowError] = []
        for record, row in numbered:
            try:
                transaction_record(
                    account=row.account,
                    kind=row.kind,
                    trade_date=row.trade_date,
                    amount=row.amount,
                    security=row.security,
                    quantity=row.quantity,
                    description=row.description,
                    apply=True,
                )
            except DomainError as refused:
                errors.append(RowError(record.row, None, refused.message))
                break
        if errors or dry_run:
            transaction.savepoint_rollback(sid)
        else:
            transaction.savepoint_commit(sid)
    return _with(report, errors)


@transaction.atomic
def prices_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
) -> ImportReport:
    """Upsert the file's daily closes by (security, date), move last prices forward; or nothing."""
    report, records = _read(
        ImportKind.PRICES, user=user, upload=upload, dry_run=dry_run, layout=layout
    )
    if not report.ok:
        return report
    points, errors = check_prices(records, user=user, today=today or timezone.localdate())
    if errors:
        return _with(report, errors)
    existing = price_days_in_book(points)
    repriced = repriced_securities(points)
    updated = sum((p.security_id, p.date) in existing for p in points)
    report = _with(
        report,
        [],
        created=len(points) - updated,
        updated=updated,
        securities_repriced=len(repriced),
    )
    if report.written:
        _upsert(points, repriced)
    return report


def _upsert(points: list[PricePoint], repriced: list[Security]) -> None:
    PricePoint.objects.bulk_create(
        points,
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=("security", "date"),
        update_fields=("close",),
    )
    Security.objects.bulk_update(repriced, ("price", "price_date"), batch_size=WRITE_BATCH)


@transaction.atomic
def prices_upsert(points: list[PricePoint]) -> tuple[int, int]:
    """Upsert daily closes per (security, date), moving last prices forward: (created, updated)."""
    existing = price_days_in_book(points)
    updated = sum((p.security_id, p.date) in existing for p in points)
    _upsert(points, repriced_securities(points))
    return len(points) - updated, updated


def _basis_per_share(lot: Lot) -> Decimal:
    return lot.cost_basis / lot.quantity


def reconcile_positions(rows: list[Lot]) -> tuple[list[Lot], list[tuple[Lot, Lot]], list[Lot], int]:
    """(added, changed as (book lot, file lot), closed, unchanged) of a positions file.

    A row matches a lot by account, security and acquisition date; several lots
    that day match by basis per share first, then in order (the book's by id, the
    file's by row). Lots of accounts the file names that no row matched are closed.
    """
    accounts = {lot.account_id for lot in rows}
    book: dict[tuple[int, int, date], list[Lot]] = defaultdict(list)
    for lot in Lot.objects.filter(account_id__in=accounts).order_by("id"):
        book[(lot.account_id, lot.security_id, lot.acquired_on)].append(lot)
    grouped: dict[tuple[int, int, date], list[Lot]] = defaultdict(list)
    for lot in rows:
        grouped[(lot.account_id, lot.security_id, lot.acquired_on)].append(lot)
    added: list[Lot] = []
    changed: list[tuple[Lot, Lot]] = []
    unchanged = 0
    for key, file_lots in grouped.items():
        free = book.pop(key, [])
        pending: list[Lot] = []
        pairs: list[tuple[Lot, Lot]] = []
        for new in file_lots:
            same = next((b for b in free if _basis_per_share(b) == _basis_per_share(new)), None)
            if same is None:
                pending.append(new)
            else:
                free.remove(same)
                pairs.append((same, new))
        pairs.extend(zip(free, pending, strict=False))
        added.extend(pending[len(free) :])
        leftover = free[len(pending) :]
        book[key] = leftover
        for old, new in pairs:
            if (old.quantity, old.cost_basis) == (new.quantity, new.cost_basis):
                unchanged += 1
            else:
                changed.append((old, new))
    closed = [lot for lots in book.values() for lot in lots]
    return added, changed, closed, unchanged


def _lot_line(action: str, lot: Lot, new: Lot | None = None) -> dict[str, str]:
    line = {
        "action": action,
        "account": lot.account.name,
        "symbol": lot.security.symbol,
        "acquired_on": lot.acquired_on.isoformat(),
        "quantity": str(lot.quantity),
        "cost_basis": str(lot.cost_basis),
    }
    if new is not None:
        line.update(new_quantity=str(new.quantity), new_cost_basis=str(new.cost_basis))
    return line


def _read_checked[T](
    kind: ImportKind,
    check: Callable[..., tuple[T, list[RowError]]],
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool,
    today: date | None,
    layout: Layout | None,
) -> tuple[ImportReport, T | None]:
    """Read a file and check its rows: the report, and the checked rows (None: refused)."""
    report, records = _read(kind, user=user, upload=upload, dry_run=dry_run, layout=layout)
    if not report.ok:
        return report, None
    checked, errors = check(records, user=user, today=today or timezone.localdate())
    if errors:
        return _with(report, errors), None
    return report, checked


@transaction.atomic
def positions_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
) -> ImportReport:
    """Reconcile the book's lots to a custodian's positions file (or report what would change)."""
    report, rows = _read_checked(
        ImportKind.POSITIONS, check_positions, user, upload, dry_run, today, layout
    )
    if rows is None:
        return report
    added, changed, closed, unchanged = reconcile_positions(rows)
    changes = (
        [_lot_line("added", lot) for lot in added]
        + [_lot_line("changed", old, new) for old, new in changed]
        + [_lot_line("closed", lot) for lot in closed]
    )
    report = _with(
        report,
        [],
        created=len(added),
        updated=len(changed),
        closed=len(closed),
        unchanged=unchanged,
        changes=tuple(changes),
    )
    if report.written:
        locked = {a.household_id for a in {lot.account for lot in rows}}
        for household_id in sorted(locked):
            lock_household(household_id)
        Lot.objects.bulk_create(added, batch_size=WRITE_BATCH)
        for old, new in changed:
            old.quantity, old.cost_basis = new.quantity, new.cost_basis
            old.replacing_quantity = min(old.replacing_quantity, new.quantity)
        Lot.objects.bulk_update(
            [old for old, _ in changed],
            ("quantity", "cost_basis", "replacing_quantity"),
            batch_size=WRITE_BATCH,
        )
        # A lot the custodian no longer holds is archived (kept for the record), not deleted.
        Lot.objects.filter(pk__in=[lot.pk for lot in closed]).update(
            archived_at=timezone.now(), archived_by=user
        )
    return report


@transaction.atomic
def cash_import(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
    layout: Layout | None = None,
) -> ImportReport:
    """Set each account's cash to the file's balance; the differences are the report's changes."""
    report, balances = _read_checked(
        ImportKind.CASH, check_cash, user, upload, dry_run, today, layout
    )
    if balances is None:
        return report
    moved = [(a, cash) for a, cash in balances if a.cash != cash]
    changes = tuple(
        {
            "action": "changed",
            "account": a.name,
            "cash": str(a.cash),
            "new_cash": str(cash),
            "difference": str(cash - a.cash),
        }
        for a, cash in moved
    )
    report = _with(
        report, [], updated=len(moved), unchanged=len(balances) - len(moved), changes=changes
    )
    if report.written:
        for account, cash in moved:
            account.cash = cash
        Account.objects.bulk_update([a for a, _ in moved], ("cash",), batch_size=WRITE_BATCH)
    return report


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
        "error_count": len(report.errors),
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


def _read(
    kind: ImportKind,
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool,
    layout: Layout | None = None,
) -> tuple[ImportReport, list[Record]]:
    if not may_import(user, kind):
        raise PermissionDenied(f"You may not import {kind.value}.")
    report = ImportReport(kind=kind, dry_run=dry_run)
    filename = getattr(upload, "name", "") or ""
    try:
        table = read_table(upload, COLUMNS[kind], layout, filename=str(filename))
    except FileRefused as refused:
        refusal = RowError(refused.row, None, refused.message)
        return dataclasses.replace(_with(report, [refusal]), file_refused=True), []
    if kind == ImportKind.TRANSACTIONS and not table.errors and table.records:
        cells = table.records[0].cells
        if "account" not in cells and "account_number" not in cells:
            table.errors.append(RowError(1, "account_number", "This column is missing."))
    return _with(report, table.errors, rows_read=len(table.records)), table.records


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


def _with(report: ImportReport, errors: list[RowError], **counts: Any) -> ImportReport:
    ordered = tuple(sorted(errors, key=lambda e: e.row or 0))  # stable: columns keep their order
    if ordered:
        counts.pop("created", None)  # nothing is created when anything is wrong
    return dataclasses.replace(report, errors=report.errors + ordered, **counts)

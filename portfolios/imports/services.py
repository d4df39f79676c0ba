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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portfolios.access import Capability, can_edit_securities, has_capability
from portfolios.imports.checks import (
    check_lots,
    check_prices,
    check_transactions,
    price_days_in_book,
    repriced_securities,
)
from portfolios.imports.files import Column, FileRefused, Record, RowError, read_table
from portfolios.models import Lot, PricePoint, Security, Transaction

WRITE_BATCH = 1000


class ImportKind(StrEnum):
    LOTS = "lots"
    TRANSACTIONS = "transactions"
    PRICES = "prices"

    @property
    def label(self) -> str:
        return self.value.title()


_ACCOUNT = Column(
    "account", "The account's id: the number in its page's address (/accounts/42/).", "42"
)
COLUMNS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.LOTS: (
        _ACCOUNT,
        Column("symbol", "A security of your firm.", "VTI"),
        Column("quantity", "Shares, more than 0, up to 6 decimal places.", "10.5"),
        Column("cost_basis", "What the whole lot cost, in dollars (0 or more).", "2450.75"),
        Column("acquired_on", "Acquisition date, YYYY-MM-DD, not in the future.", "2024-06-14"),
    ),
    ImportKind.TRANSACTIONS: (
        _ACCOUNT,
        Column("symbol", "Required for buy, sell and reinvest; blank for cash.", "VTI"),
        Column("kind", "buy, sell, deposit, withdrawal, dividend, reinvest or fee.", "sell"),
        Column("trade_date", "YYYY-MM-DD, not in the future.", "2024-06-14"),
        Column("quantity", "Shares (more than 0 for buy, sell, reinvest); blank is 0.", "5"),
        Column(
            "amount",
            "Signed effect on cash: buys, withdrawals, fees and reinvestments negative; "
            "sells, deposits and dividends positive.",
            "1250.00",
        ),
        Column("realized_gain", "Sells only, signed. Optional.", "310.25", required=False),
        Column("description", "Up to 200 characters. Optional.", "Trim", required=False),
    ),
    ImportKind.PRICES: (
        Column("symbol", "A security of your firm.", "VTI"),
        Column(
            "date", "The day of the closing price, YYYY-MM-DD, not in the future.", "2024-06-14"
        ),
        Column("price", "Closing price per share, more than 0, up to 6 decimals.", "250.31"),
    ),
}
NOTES: dict[ImportKind, str] = {
    ImportKind.LOTS: (
        "Each row creates a tax lot. A lot identical to one already in the account is "
        "refused, so the same file cannot be imported twice. An account with an investment "
        "menu (a 401(k)) takes only securities of the classes on its menu."
    ),
    ImportKind.TRANSACTIONS: (
        "Importing transactions records history only: it does not change lots or cash. "
        "Keep the lots and the account's cash up to date separately."
    ),
    ImportKind.PRICES: (
        "Daily closing prices. A price for a day the security already has replaces it. "
        "A security's newest price also becomes its last price, which values every holding."
    ),
}
NOUNS = {ImportKind.LOTS: "lot", ImportKind.TRANSACTIONS: "transaction", ImportKind.PRICES: "price"}


@dataclass(frozen=True)
class ImportReport:
    """What an import read, and created and updated (or, on a dry run, would have)."""

    kind: ImportKind
    dry_run: bool
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    securities_repriced: int = 0
    errors: tuple[RowError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def file_errors(self) -> list[str]:
        return [e.message for e in self.errors if e.row is None]

    @property
    def row_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.row is not None]

    def summary(self) -> str:
        if not self.ok:
            count = len(self.errors)
            return f"{count} error{'s' if count != 1 else ''}; nothing was imported."
        noun = NOUNS[self.kind]
        verb = "would be " if self.dry_run else ""
        parts = [f"{_count(self.created, noun)} {verb}created"]
        if self.updated:
            parts.append(f"{self.updated} {verb}updated")
        if self.securities_repriced:
            parts.append(f"{_count(self.securities_repriced, 'last price')} {verb}updated")
        done = "checked" if self.dry_run else "imported"
        tail = " Nothing was written." if self.dry_run else ""
        return f"{_count(self.rows_read, 'row')} {done}: {', '.join(parts)}.{tail}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' if n != 1 else ''}"


def may_import(user: Any, kind: ImportKind) -> bool:
    if kind == ImportKind.PRICES:
        return can_edit_securities(user)
    return has_capability(user, Capability.EDIT_BOOK)


def import_kinds_for(user: Any) -> list[ImportKind]:
    return [kind for kind in ImportKind if may_import(user, kind)]


def template_rows(kind: ImportKind) -> list[list[str]]:
    """The header and one example row, for the downloadable template."""
    columns = COLUMNS[kind]
    return [[c.name for c in columns], [c.example for c in columns]]


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
) -> ImportReport:
    """Read, check every row, then create them all (unless a dry run or any error)."""
    report, records = _read(kind, user=user, upload=upload, dry_run=dry_run)
    if not report.ok:
        return report
    rows, errors = check(records, user=user, today=today or timezone.localdate())
    report = _with(report, errors, created=len(rows))
    if report.written:
        model.objects.bulk_create(rows, batch_size=WRITE_BATCH)
    return report


@transaction.atomic
def lots_import(
    *, user: Any, upload: IO[bytes] | bytes, dry_run: bool = False, today: date | None = None
) -> ImportReport:
    """Create the file's lots in accounts the user may change, or nothing."""
    return _create_rows(
        ImportKind.LOTS, check_lots, Lot, user=user, upload=upload, dry_run=dry_run, today=today
    )


@transaction.atomic
def transactions_import(
    *, user: Any, upload: IO[bytes] | bytes, dry_run: bool = False, today: date | None = None
) -> ImportReport:
    """Record the file's transactions (history only: lots and cash are not touched), or nothing."""
    return _create_rows(
        ImportKind.TRANSACTIONS,
        check_transactions,
        Transaction,
        user=user,
        upload=upload,
        dry_run=dry_run,
        today=today,
    )


@transaction.atomic
def prices_import(
    *, user: Any, upload: IO[bytes] | bytes, dry_run: bool = False, today: date | None = None
) -> ImportReport:
    """Upsert the file's daily closes by (security, date), move last prices forward; or nothing."""
    report, records = _read(ImportKind.PRICES, user=user, upload=upload, dry_run=dry_run)
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
        PricePoint.objects.bulk_create(
            points,
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=("security", "date"),
            update_fields=("close",),
        )
        Security.objects.bulk_update(repriced, ("price", "price_date"), batch_size=WRITE_BATCH)
    return report


IMPORTERS: dict[ImportKind, Callable[..., ImportReport]] = {
    ImportKind.LOTS: lots_import,
    ImportKind.TRANSACTIONS: transactions_import,
    ImportKind.PRICES: prices_import,
}


def book_import(
    *,
    kind: ImportKind,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Run the import of ``kind``; raises PermissionDenied when the user may not."""
    return IMPORTERS[kind](user=user, upload=upload, dry_run=dry_run, today=today)


def _read(
    kind: ImportKind, *, user: Any, upload: IO[bytes] | bytes, dry_run: bool
) -> tuple[ImportReport, list[Record]]:
    if not may_import(user, kind):
        raise PermissionDenied(f"You may not import {kind.value}.")
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        table = read_table(upload, COLUMNS[kind])
    except FileRefused as refused:
        return _with(report, [RowError(None, None, refused.message)]), []
    return _with(report, table.errors, rows_read=len(table.records)), table.records


def _with(report: ImportReport, errors: list[RowError], **counts: Any) -> ImportReport:
    ordered = tuple(sorted(errors, key=lambda e: e.row or 0))  # stable: columns keep their order
    if ordered:
        counts.pop("created", None)  # nothing is created when anything is wrong
    return dataclasses.replace(report, errors=report.errors + ordered, **counts)

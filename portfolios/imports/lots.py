"""A lots file, streamed: checked a chunk at a time, kept as compact keys, then created.

The first pass reads ``settings.IMPORT_CHUNK_ROWS`` rows at a time: accounts by id or
by the custodian's account number (a file gives one column or the other), with their
investment menus, and symbols are looked up in bulk a chunk at a time,
every row is checked, and of a good row only its six whole numbers are kept
(``portfolios.imports.reconcile.Lots``). Then, across the whole file: a lot identical
to an earlier row's is refused (naming that row), and so is one identical to a lot
already in the account, so the same file cannot be imported twice.

Only when no row has an error is anything written, in the caller's transaction:
the households are locked and the lots created from the kept keys, ``WRITE_BATCH``
at a time (the file is not read again).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from portfolios.imports.checks import CheckedRow, menu_of
from portfolios.imports.files import Layout, RowError
from portfolios.imports.kinds import ImportKind, ImportReport
from portfolios.imports.positions import Scan, book_lots, create_lots
from portfolios.imports.reconcile import Lots, duplicates
from portfolios.imports.streams import Lookups
from portfolios.models import Account


@dataclass
class LotScan(Scan):
    """A positions file's first pass, but each account (by id or number) with its menu."""

    kind = ImportKind.LOTS
    menus = True
    account_either = True
    menu_by_account: dict[int, frozenset[int]] = field(default_factory=dict)

    def account_of(self, row: CheckedRow, lookups: Lookups) -> tuple[Account | None, Set[int]]:
        if "account_number" in row.record.cells:
            account = row.account_by_number(lookups.by_number)
        else:
            account = row.account(lookups.by_id)
        if account is None:
            return None, frozenset()
        if account.pk not in self.menu_by_account:  # once an account, not once a row
            self.menu_by_account[account.pk] = menu_of(account)
        return account, self.menu_by_account[account.pk]

    def across(self) -> Iterator[RowError]:
        repeated = duplicates(self.lots)
        for row, earlier in repeated:
            yield RowError(row, None, f"The same lot as row {earlier}.")
        for row in in_book(self.lots, {row for row, _ in repeated}):
            yield RowError(row, None, "This lot is already in the book.")


def in_book(lots: Lots, skip: set[int]) -> list[int]:
    """The rows (other than ``skip``) whose lot is already in its account, identical."""
    book = book_lots(set(lots.account))
    keys = {
        (book.account[i], book.security[i], book.day[i], book.quantity[i], book.basis[i])
        for i in range(len(book))
    }
    return [
        lots.ref[i]
        for i in range(len(lots))
        if lots.ref[i] not in skip
        and (lots.account[i], lots.security[i], lots.day[i], lots.quantity[i], lots.basis[i])
        in keys
    ]


def lots_stream(
    *, user: Any, upload: IO[bytes] | bytes, dry_run: bool, today: date, layout: Layout | None
) -> ImportReport:
    """Check and (unless a dry run or any error) create a lots file's lots."""
    report = ImportReport(kind=ImportKind.LOTS, dry_run=dry_run)
    scan, lookups = LotScan(), Lookups(user)
    if (failed := scan.first_pass(report, upload, layout, lookups, today)) is not None:
        return failed
    report = dataclasses.replace(report, rows_read=scan.rows_read, created=len(scan.lots))
    if report.written:
        lookups.lock_households(set(scan.lots.account))
        create_lots(scan.lots, range(len(scan.lots)))
    return report

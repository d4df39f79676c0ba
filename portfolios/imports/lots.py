"""A lots file, streamed: checked a chunk at a time, kept as compact keys, then created.

The first pass reads ``settings.IMPORT_CHUNK_ROWS`` rows at a time: accounts by id
(with their investment menus) and symbols are looked up in bulk a chunk at a time,
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
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from portfolios.imports.checks import CheckedRow, lot_of, menu_of
from portfolios.imports.files import FileRefused, Layout, Record, RowError
from portfolios.imports.kinds import ImportKind, ImportReport
from portfolios.imports.positions import book_lots, create_lots
from portfolios.imports.reconcile import Lots, duplicates
from portfolios.imports.streams import Lookups, StreamScan, refused


@dataclass
class LotScan(StreamScan):
    lots: Lots = field(default_factory=Lots)
    menus: dict[int, frozenset[int]] = field(default_factory=dict)  # by account id

    def check(self, records: list[Record], lookups: Lookups, today: date) -> None:
        for record in records:
            row = CheckedRow(record)
            account = row.account(lookups.by_id)
            menu = frozenset[int]()
            if account is not None:
                menu = self.menus.setdefault(account.pk, menu_of(account))
            found = lot_of(row, account, lookups.securities, today=today, menu=menu)
            if found is None:
                self.refuse(row)
                continue
            account, security, quantity, basis, acquired = found
            self.lots.add(record.row, account.pk, security.pk, acquired, quantity, basis)


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
    try:
        for records in scan.chunks(upload, ImportKind.LOTS, layout):
            lookups.look_up(records)
            scan.check(records, lookups, today)
    except FileRefused as why:
        return refused(report, why)
    if not scan.shape.count:
        repeated = duplicates(scan.lots)
        scan.errors.extend(
            RowError(row, None, f"The same lot as row {earlier}.") for row, earlier in repeated
        )
        scan.errors.extend(
            RowError(row, None, "This lot is already in the book.")
            for row in in_book(scan.lots, {row for row, _ in repeated})
        )
    if scan.wrong.count:
        return scan.failed(report)
    report = dataclasses.replace(report, rows_read=scan.rows_read, created=len(scan.lots))
    if report.written:
        lookups.lock_households(set(scan.lots.account))
        create_lots(scan.lots, range(len(scan.lots)))
    return report

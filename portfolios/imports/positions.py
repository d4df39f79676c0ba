"""A positions file, streamed: checked a chunk at a time, reconciled on compact keys.

The first pass reads ``settings.IMPORT_CHUNK_ROWS`` rows at a time (default 5,000):
a chunk's new account numbers and symbols are looked up in bulk (remembered for
the next chunks, so the queries grow with the accounts and securities, not the
rows), every row is checked, and of a good row only its compact key is kept
(``portfolios.imports.reconcile.Lots``), never the record or a model instance.
The report keeps the first ``ERRORS_KEPT`` errors by row and counts them all,
and the first ``CHANGES_KEPT`` lines of what changes.

Only when no row has an error is anything written, in the caller's transaction:
the households are locked, then added lots are bulk-created, changed ones
bulk-updated and closed ones archived (kept for the record), ``WRITE_BATCH`` at a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import batched
from typing import IO, Any

from django.db.models import F
from django.utils import timezone

from portfolios.imports.checks import (
    LOOKUP_CHUNK,
    CheckedRow,
    accounts_numbered,
    position_of,
    securities_named,
)
from portfolios.imports.files import FileRefused, Layout, Record, RowError, read_chunks
from portfolios.imports.kinds import CHANGES_KEPT, COLUMNS, WRITE_BATCH, ImportKind, ImportReport
from portfolios.imports.reconcile import Lots, Reconciled, cents, duplicates, reconcile, shares
from portfolios.imports.streams import KeptErrors, chunk_rows, failed, refused
from portfolios.locks import lock_household
from portfolios.models import Account, Lot, Security


@dataclass
class Scan:
    """What the first pass keeps: the good rows' keys, the lookups, the errors."""

    lots: Lots = field(default_factory=Lots)
    accounts: dict[str, Account] = field(default_factory=dict)
    securities: dict[str, Security] = field(default_factory=dict)
    looked_up: set[str] = field(default_factory=set)  # "n:" numbers and "s:" symbols asked
    shape: KeptErrors = field(default_factory=KeptErrors)  # rows the reader refused
    errors: KeptErrors = field(default_factory=KeptErrors)  # rows the checks refused
    unknown_symbols: set[str] = field(default_factory=set)
    rows_read: int = 0

    def look_up(self, user: Any, records: Sequence[Record]) -> None:
        numbers = {r.cells.get("account_number", "") for r in records}
        numbers = {n for n in numbers if f"n:{n}" not in self.looked_up}
        symbols = {r.cells.get("symbol", "").upper() for r in records}
        symbols = {s for s in symbols if f"s:{s}" not in self.looked_up}
        self.accounts.update(accounts_numbered(user, numbers))
        self.securities.update(securities_named(user, symbols))
        self.looked_up.update({f"n:{n}" for n in numbers} | {f"s:{s}" for s in symbols})

    def check(self, records: Sequence[Record], today: date) -> None:
        for record in records:
            row = CheckedRow(record)
            found = position_of(row, self.accounts, self.securities, today=today)
            if found is None:
                self.errors.extend(row.errors)
                self.unknown_symbols.update(
                    e.value for e in row.errors if e.column == "symbol" and e.value
                )
                continue
            account, security, quantity, basis, acquired = found
            self.lots.add(record.row, account.pk, security.pk, acquired, quantity, basis)


def scan_positions(
    upload: IO[bytes] | bytes, *, user: Any, today: date, layout: Layout | None
) -> Scan:
    """The first pass over the file. Raises FileRefused as the reader does."""
    scan = Scan()
    filename = str(getattr(upload, "name", "") or "")
    columns = COLUMNS[ImportKind.POSITIONS]
    for part in read_chunks(upload, columns, layout, filename=filename, size=chunk_rows()):
        scan.shape.extend(part.errors)
        scan.rows_read += len(part.records)
        if scan.shape.count:
            continue  # rows the reader refused are the report: the checks would be dropped
        scan.look_up(user, part.records)
        scan.check(part.records, today)
    return scan


def positions_stream(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool,
    today: date,
    layout: Layout | None,
) -> ImportReport:
    """Check, reconcile and (unless a dry run or any error) write a positions file."""
    report = ImportReport(kind=ImportKind.POSITIONS, dry_run=dry_run)
    try:
        scan = scan_positions(upload, user=user, today=today, layout=layout)
    except FileRefused as why:
        return refused(report, why)
    report = dataclasses.replace(report, rows_read=scan.rows_read)
    if not scan.shape.count:
        scan.errors.extend(
            [
                RowError(row, None, f"A duplicate lot: the same as row {earlier}.")
                for row, earlier in duplicates(scan.lots)
            ]
        )
    wrong = scan.shape if scan.shape.count else scan.errors
    if wrong.count:
        return failed(report, wrong, symbols_unknown=tuple(sorted(scan.unknown_symbols)))
    accounts = {a.pk: a for a in scan.accounts.values()}
    named = set(scan.lots.account)
    book = book_lots(named)
    done = reconcile(scan.lots, book)
    report = dataclasses.replace(
        report,
        created=len(done.added),
        updated=len(done.changed),
        closed=len(done.closed),
        unchanged=done.unchanged,
        changes=tuple(change_lines(scan, book, done, accounts)),
    )
    if report.written:
        for household_id in sorted({accounts[pk].household_id for pk in named}):
            lock_household(household_id)
        write_positions(scan.lots, book, done, user=user)
    return report


def book_lots(account_ids: Iterable[int]) -> Lots:
    """The book's lots of these accounts as compact keys, by id within each account."""
    book = Lots()
    fields = (
        "id",
        "account_id",
        "security_id",
        "acquired_on",
        "quantity",
        "cost_basis",
        "replacing_quantity",
    )
    for ids in batched(sorted(account_ids), LOOKUP_CHUNK):
        lots = Lot.objects.filter(account_id__in=ids).order_by("id").values_list(*fields)
        for values in lots.iterator(chunk_size=WRITE_BATCH):
            book.add(*values)
    return book


def write_positions(file: Lots, book: Lots, done: Reconciled, *, user: Any) -> None:
    for batch in batched(done.added, WRITE_BATCH):
        Lot.objects.bulk_create(
            [
                Lot(
                    account_id=file.account[i],
                    security_id=file.security[i],
                    quantity=shares(file.quantity[i]),
                    cost_basis=cents(file.basis[i]),
                    acquired_on=date.fromordinal(file.day[i]),
                )
                for i in batch
            ]
        )
    for pairs in batched(done.changed, WRITE_BATCH):
        Lot.objects.bulk_update(
            [
                Lot(
                    pk=book.ref[old],
                    quantity=shares(file.quantity[new]),
                    cost_basis=cents(file.basis[new]),
                    replacing_quantity=shares(min(book.replacing[old], file.quantity[new])),
                )
                for old, new in pairs
            ],
            ("quantity", "cost_basis", "replacing_quantity"),
        )
    now = timezone.now()
    for closed in batched(done.closed, LOOKUP_CHUNK):
        # A lot the custodian no longer holds is archived (kept for the record), not deleted.
        Lot.objects.filter(pk__in=[book.ref[b] for b in closed]).update(
            archived_at=now, archived_by=user, version=F("version") + 1
        )


def change_lines(
    scan: Scan, book: Lots, done: Reconciled, accounts: dict[int, Account]
) -> Iterator[dict[str, str]]:
    """The first ``CHANGES_KEPT`` lines: added, then changed, then closed."""
    kept: list[tuple[str, Lots, int, int | None]]  # action, the lot's side and index, new
    kept = [("added", scan.lots, i, None) for i in done.added[:CHANGES_KEPT]]
    kept += [("changed", book, old, new) for old, new in done.changed[: CHANGES_KEPT - len(kept)]]
    kept += [("closed", book, b, None) for b in done.closed[: CHANGES_KEPT - len(kept)]]
    symbols = {s.pk: s.symbol for s in scan.securities.values()}
    missing = {lots.security[at] for _, lots, at, _ in kept} - symbols.keys()
    symbols.update(Security.objects.filter(pk__in=missing).values_list("pk", "symbol"))
    for action, lots, at, new in kept:
        line = {
            "action": action,
            "account": accounts[lots.account[at]].name,
            "symbol": symbols[lots.security[at]],
            "acquired_on": date.fromordinal(lots.day[at]).isoformat(),
            "quantity": str(shares(lots.quantity[at])),
            "cost_basis": str(cents(lots.basis[at])),
        }
        if new is not None:
            line["new_quantity"] = str(shares(scan.lots.quantity[new]))
            line["new_cost_basis"] = str(cents(scan.lots.basis[new]))
        yield line

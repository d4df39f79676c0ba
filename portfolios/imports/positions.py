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
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from datetime import date
from itertools import batched
from typing import IO, Any

from django.db.models import F
from django.utils import timezone

from portfolios.imports.checks import LOOKUP_CHUNK, CheckedRow, lot_of
from portfolios.imports.files import Layout, Record, RowError
from portfolios.imports.kinds import CHANGES_KEPT, WRITE_BATCH, ImportKind, ImportReport
from portfolios.imports.reconcile import Lots, Reconciled, cents, duplicates, reconcile, shares
from portfolios.imports.streams import Lookups, StreamScan
from portfolios.models import Account, Lot, Security


@dataclass
class Scan(StreamScan):
    """What the first pass keeps: the good rows' keys, the lookups, the errors."""

    kind = ImportKind.POSITIONS

    lots: Lots = field(default_factory=Lots)

    def account_of(self, row: CheckedRow, lookups: Lookups) -> tuple[Account | None, Set[int]]:
        """The row's account (by number) and the classes it may hold (empty: any)."""
        return row.account_by_number(lookups.by_number), frozenset()

    def check(self, records: Sequence[Record], lookups: Lookups, today: date) -> None:
        for record in records:
            row = CheckedRow(record)
            account, menu = self.account_of(row, lookups)
            found = lot_of(row, account, lookups.securities, today=today, menu=menu)
            if found is None:
                self.refuse(row)
                continue
            account, security, quantity, basis, acquired = found
            self.lots.add(record.row, account.pk, security.pk, acquired, quantity, basis)

    def across(self) -> Iterator[RowError]:
        for row, earlier in duplicates(self.lots):
            yield RowError(row, None, f"A duplicate lot: the same as row {earlier}.")


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
    scan, lookups = Scan(), Lookups(user)
    if (failed := scan.first_pass(report, upload, layout, lookups, today)) is not None:
        return failed
    accounts = lookups.accounts()
    named = set(scan.lots.account)
    book = book_lots(named)
    done = reconcile(scan.lots, book)
    report = dataclasses.replace(
        report,
        rows_read=scan.rows_read,
        created=len(done.added),
        updated=len(done.changed),
        closed=len(done.closed),
        unchanged=done.unchanged,
        changes=tuple(change_lines(scan, lookups, book, done, accounts)),
    )
    if report.written:
        lookups.lock_households(named)
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


def create_lots(file: Lots, indices: Iterable[int]) -> None:
    """Create the file's lots at these indices, ``WRITE_BATCH`` at a time."""
    for batch in batched(indices, WRITE_BATCH):
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


def write_positions(file: Lots, book: Lots, done: Reconciled, *, user: Any) -> None:
    create_lots(file, done.added)
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
    scan: Scan, lookups: Lookups, book: Lots, done: Reconciled, accounts: dict[int, Account]
) -> Iterator[dict[str, str]]:
    """The first ``CHANGES_KEPT`` lines: added, then changed, then closed."""
    kept: list[tuple[str, Lots, int, int | None]]  # action, the lot's side and index, new
    kept = [("added", scan.lots, i, None) for i in done.added[:CHANGES_KEPT]]
    kept += [("changed", book, old, new) for old, new in done.changed[: CHANGES_KEPT - len(kept)]]
    kept += [("closed", book, b, None) for b in done.closed[: CHANGES_KEPT - len(kept)]]
    symbols = {s.pk: s.symbol for s in lookups.securities.values()}
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

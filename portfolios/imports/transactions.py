"""A transactions file, streamed: checked a chunk at a time, kept in compact columns.

The first pass reads ``settings.IMPORT_CHUNK_ROWS`` rows at a time (accounts by id
or by number, and symbols, looked up in bulk a chunk at a time) and keeps of each
good row its whole numbers in typed arrays (:class:`Kept`: account, security,
kind, day, millionths of a share, cents of the amount and of the gain) and its
description (one string for every row that repeats it), with the hash of its key:
some 100 bytes a row with the index, where records and model instances took
kilobytes. Once the file is read the rows are sorted by that hash (no dictionary):
a row identical to an earlier one is refused, naming it, equal hashes always
compared exactly. Then the book's transactions of the file's accounts and days are read
once, as a stream, and a row identical to one of them is refused too, so the same
file cannot be imported twice.

Only when no row has an error is anything written, in the caller's transaction,
from the kept columns (the file is not read again): kept as history,
``WRITE_BATCH`` at a time; or, applied, one by one in trade-date order (then file
order) through ``transaction_record``, which moves lots and cash with the
realised gain and wash sales; a row the book cannot take (more shares sold than
held) is that row's error and nothing is written.
"""

from __future__ import annotations

import dataclasses
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import batched
from typing import IO, Any

from django.db import transaction

from advisory.api_errors import DomainError
from portfolios.imports.checks import LOOKUP_CHUNK, CheckedRow, transaction_of
from portfolios.imports.files import Layout, Record, RowError, progress_hook
from portfolios.imports.kinds import WRITE_BATCH, ImportKind, ImportReport
from portfolios.imports.reconcile import MONEY_PLACES, SHARE_PLACES, cents, shares
from portfolios.imports.streams import Lookups, StreamScan
from portfolios.models import Security, Transaction, TransactionKind
from portfolios.services import transaction_record

KINDS = tuple(TransactionKind)
APPLY_PROGRESS_EVERY = 500
NO_GAIN = -(2**63)  # the gain column of a row without one
BOOK_FIELDS = (
    "account_id",
    "security_id",
    "kind",
    "trade_date",
    "quantity",
    "amount",
    "realized_gain",
    "description",
)

Key = tuple[int, int, int, int, int, int, int, str]


def _column() -> array[int]:
    return array("q")


def key_hash(key: Key) -> int:
    """Where a key is first looked for (equal hashes are then compared exactly)."""
    return hash(key)


def key_of(
    account: int,
    security: int | None,
    kind: str,
    day: date,
    quantity: Decimal,
    amount: Decimal,
    gain: Decimal | None,
    description: str,
) -> Key:
    """A transaction as whole numbers (and its description): what makes two the same."""
    return (
        account,
        security or 0,
        KINDS.index(TransactionKind(kind)),
        day.toordinal(),
        int(quantity.scaleb(SHARE_PLACES)),
        int(amount.scaleb(MONEY_PLACES)),
        NO_GAIN if gain is None else int(gain.scaleb(MONEY_PLACES)),
        description,
    )


@dataclass
class Kept:
    """The good rows as parallel columns, and an index of them by the hash of their key.

    Rows are kept as read; ``index`` then sorts them by hash once (two more integers
    a row, no dictionary), finds the repeats (equal hashes compared exactly) and
    answers ``find`` by bisection.
    """

    row: array[int] = field(default_factory=_column)
    account: array[int] = field(default_factory=_column)
    security: array[int] = field(default_factory=_column)  # 0: none (a cash transaction)
    kind: array[int] = field(default_factory=_column)  # index into KINDS
    day: array[int] = field(default_factory=_column)  # ordinal
    quantity: array[int] = field(default_factory=_column)  # millionths of a share
    amount: array[int] = field(default_factory=_column)  # cents
    gain: array[int] = field(default_factory=_column)  # cents, or NO_GAIN
    hashes: array[int] = field(default_factory=_column)
    description: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # one string per distinct description
    order: array[int] = field(default_factory=_column)  # indices by (hash, index)
    ordered_hashes: array[int] = field(default_factory=_column)
    repeats: set[int] = field(default_factory=set)  # indices of rows equal to an earlier one

    def __len__(self) -> int:
        return len(self.row)

    def key(self, i: int) -> Key:
        return (
            self.account[i],
            self.security[i],
            self.kind[i],
            self.day[i],
            self.quantity[i],
            self.amount[i],
            self.gain[i],
            self.description[i],
        )

    def add(self, row: int, key: Key) -> None:
        self.row.append(row)
        for column, value in zip(
            (self.account, self.security, self.kind, self.day, self.quantity, self.amount),
            key[:6],
            strict=True,
        ):
            column.append(value)
        self.gain.append(key[6])
        self.description.append(self.texts.setdefault(key[7], key[7]))
        self.hashes.append(key_hash(key))

    def index(self) -> list[tuple[int, int]]:
        """Sort by hash; the (row, earlier row) of every row equal to an earlier one."""
        width = max(len(self), 1).bit_length()
        packed = sorted(((h + 2**63) << width) | i for i, h in enumerate(self.hashes))
        mask = (1 << width) - 1
        self.order = array("q", (p & mask for p in packed))
        del packed
        self.ordered_hashes = array("q", (self.hashes[i] for i in self.order))
        found: list[tuple[int, int]] = []
        firsts: list[int] = []  # the distinct keys of the current hash, by first index
        for n, i in enumerate(self.order):
            if n == 0 or self.ordered_hashes[n] != self.ordered_hashes[n - 1]:
                firsts = []
            key = self.key(i)
            first = next((f for f in firsts if self.key(f) == key), None)
            if first is None:
                firsts.append(i)
            else:
                found.append((self.row[i], self.row[first]))
                self.repeats.add(i)
        return sorted(found)

    def find(self, key: Key) -> int | None:
        """The index of the first kept row with exactly this key, or None (after ``index``)."""
        h = key_hash(key)
        n = bisect_left(self.ordered_hashes, h)
        while n < len(self.order) and self.ordered_hashes[n] == h:
            i = self.order[n]
            if i not in self.repeats and self.key(i) == key:
                return i
            n += 1
        return None

    def arguments(self, i: int) -> dict[str, Any]:
        """The kept row ``i`` as a transaction's fields (ids for the account and security)."""
        return {
            "account_id": self.account[i],
            "security_id": self.security[i] or None,
            "kind": KINDS[self.kind[i]].value,
            "trade_date": date.fromordinal(self.day[i]),
            "quantity": shares(self.quantity[i]),
            "amount": cents(self.amount[i]),
            "realized_gain": None if self.gain[i] == NO_GAIN else cents(self.gain[i]),
            "description": self.description[i],
        }


@dataclass
class TransactionScan(StreamScan):
    kind = ImportKind.TRANSACTIONS
    account_either = True
    kept: Kept = field(default_factory=Kept)

    def check(self, records: list[Record], lookups: Lookups, today: date) -> None:
        for record in records:
            row = CheckedRow(record)
            found = transaction_of(
                row, lookups.by_id, lookups.by_number, lookups.securities, today=today
            )
            if found is None:
                self.refuse(row)
                continue
            key = key_of(
                found.account.pk,
                found.security.pk if found.security else None,
                found.kind,
                found.trade_date,
                found.quantity,
                found.amount,
                found.realized_gain,
                found.description,
            )
            self.kept.add(record.row, key)

    def across(self) -> Iterator[RowError]:
        for row, earlier in self.kept.index():
            yield RowError(row, None, f"The same transaction as row {earlier}.")
        for row in sorted(set(in_book(self.kept))):
            yield RowError(row, None, "This transaction is already in the book.")


def in_book(kept: Kept) -> Iterator[int]:
    """The rows identical to a transaction already in the book (read once, streamed).

    A row without a realised gain matches a book sale whatever its gain: applying a
    sale computes and keeps its gain, and the same file applied again must still be
    the same file.
    """
    if not kept:
        return
    first, last = min(kept.day), max(kept.day)
    accounts = sorted(set(kept.account))
    for ids in batched(accounts, LOOKUP_CHUNK):
        book = Transaction.objects.filter(
            account_id__in=ids,
            trade_date__gte=date.fromordinal(first),
            trade_date__lte=date.fromordinal(last),
        ).values_list(*BOOK_FIELDS)
        for values in book.iterator(chunk_size=WRITE_BATCH):
            key = key_of(*values)
            found = kept.find(key)
            if found is None and key[6] != NO_GAIN:
                found = kept.find((*key[:6], NO_GAIN, key[7]))
            if found is not None:
                yield kept.row[found]


def transactions_stream(
    *,
    user: Any,
    upload: IO[bytes] | bytes,
    dry_run: bool,
    today: date,
    layout: Layout | None,
    apply: bool,
) -> ImportReport:
    """Check and (unless a dry run or any error) record, or apply, a transactions file."""
    report = ImportReport(kind=ImportKind.TRANSACTIONS, dry_run=dry_run)
    scan, lookups = TransactionScan(), Lookups(user)
    told = progress_hook.get()
    # Applied, the bar's first half is the reading and its second half the applying.
    token = progress_hook.set(None if told is None or not apply else (lambda row: told(row // 2)))
    try:
        failed = scan.first_pass(report, upload, layout, lookups, today)
    finally:
        progress_hook.reset(token)
    if failed is not None:
        return failed
    kept = scan.kept
    report = dataclasses.replace(report, rows_read=scan.rows_read, created=len(kept))
    if not apply:
        if report.written:
            for batch in batched(range(len(kept)), WRITE_BATCH):
                Transaction.objects.bulk_create([Transaction(**kept.arguments(i)) for i in batch])
        return report
    error = apply_in_order(kept, lookups, dry_run=dry_run, told=told)
    if error is not None:
        return dataclasses.replace(report, created=0, errors=(error,))
    return report


def apply_in_order(
    kept: Kept, lookups: Lookups, *, dry_run: bool, told: Callable[[int], None] | None = None
) -> RowError | None:
    """Record and apply the rows by trade date, then row; the first the book refuses, or None.

    In a savepoint: rolled back on a refusal and on a dry run (which still tries every
    row, so it reports what the book would refuse). ``told`` (a queued import's
    progress) hears the row it stands for every ``APPLY_PROGRESS_EVERY`` rows applied:
    from half the last row (the reading done) to the last row.
    """
    accounts = lookups.accounts()
    securities: dict[int, Security] = {s.pk: s for s in lookups.securities.values()}
    row_width = max(kept.row, default=0).bit_length()
    order = sorted(range(len(kept)), key=lambda i: (kept.day[i] << row_width) | kept.row[i])
    lookups.lock_households(set(kept.account))
    error = None
    with transaction.atomic():
        savepoint = transaction.savepoint_create()
        last_row = max(kept.row, default=0)
        for done, i in enumerate(order, start=1):
            fields = kept.arguments(i)
            try:
                transaction_record(
                    account=accounts[fields["account_id"]],
                    kind=fields["kind"],
                    trade_date=fields["trade_date"],
                    amount=fields["amount"],
                    security=securities.get(fields["security_id"] or 0),
                    quantity=fields["quantity"],
                    description=fields["description"],
                    apply=True,
                )
            except DomainError as why:
                error = RowError(kept.row[i], None, why.message)
                break
            if told is not None and (done % APPLY_PROGRESS_EVERY == 0 or done == len(order)):
                told(last_row // 2 + last_row * done // (2 * len(order)))
        if error is not None or dry_run:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
    return error

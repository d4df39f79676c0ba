"""A transactions file, streamed: checked a chunk at a time, kept in compact columns.

The first pass reads ``settings.IMPORT_CHUNK_ROWS`` rows at a time (accounts by id
or by number, and symbols, looked up in bulk a chunk at a time) and keeps of each
good row its whole numbers in typed arrays (:class:`Kept`: account, security,
kind, day, millionths of a share, cents of the amount and of the gain) and its
description (one string for every row that repeats it): some 70 bytes a row, where
records and model instances took kilobytes. A row identical to an earlier one is
refused, naming it: rows are found by the hash of their key, every match compared
exactly. Then the book's transactions of the file's accounts and days are read
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import batched
from typing import IO, Any

from django.db import transaction

from advisory.api_errors import DomainError
from portfolios.imports.checks import LOOKUP_CHUNK, CheckedRow, transaction_of
from portfolios.imports.files import Layout, Record, RowError
from portfolios.imports.kinds import WRITE_BATCH, ImportKind, ImportReport
from portfolios.imports.reconcile import MONEY_PLACES, SHARE_PLACES, cents, shares
from portfolios.imports.streams import Lookups, StreamScan
from portfolios.models import Security, Transaction, TransactionKind
from portfolios.services import transaction_record

KINDS = tuple(TransactionKind)
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
    """The good rows as parallel columns, and where each distinct key first appeared."""

    row: array[int] = field(default_factory=_column)
    account: array[int] = field(default_factory=_column)
    security: array[int] = field(default_factory=_column)  # 0: none (a cash transaction)
    kind: array[int] = field(default_factory=_column)  # index into KINDS
    day: array[int] = field(default_factory=_column)  # ordinal
    quantity: array[int] = field(default_factory=_column)  # millionths of a share
    amount: array[int] = field(default_factory=_column)  # cents
    gain: array[int] = field(default_factory=_column)  # cents, or NO_GAIN
    description: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # one string per distinct description
    by_hash: dict[int, int] = field(default_factory=dict)  # hash of a key -> first index
    colliding: dict[Key, int] = field(default_factory=dict)  # keys whose hash was taken

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

    def find(self, key: Key) -> int | None:
        """The index of the kept row with exactly this key, or None."""
        i = self.by_hash.get(key_hash(key))
        if i is not None and self.key(i) == key:
            return i
        return self.colliding.get(key)

    def add(self, row: int, key: Key) -> int | None:
        """Keep a row; or, if an earlier row has the same key, keep nothing: that row."""
        earlier = self.find(key)
        if earlier is not None:
            return self.row[earlier]
        i = len(self.row)
        if self.by_hash.setdefault(key_hash(key), i) != i:
            self.colliding[key] = i  # another key has this hash: kept exactly
        self.row.append(row)
        for column, value in zip(
            (self.account, self.security, self.kind, self.day),
            key[:4],
            strict=True,
        ):
            column.append(value)
        self.quantity.append(key[4])
        self.amount.append(key[5])
        self.gain.append(key[6])
        self.description.append(self.texts.setdefault(key[7], key[7]))
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
            if (earlier := self.kept.add(record.row, key)) is not None:
                self.errors.extend(
                    [RowError(record.row, None, f"The same transaction as row {earlier}.")]
                )

    def across(self) -> Iterator[RowError]:
        for row in sorted(in_book(self.kept)):
            yield RowError(row, None, "This transaction is already in the book.")


def in_book(kept: Kept) -> Iterator[int]:
    """The rows identical to a transaction already in the book (read once, streamed)."""
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
            found = kept.find(key_of(*values))
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
    if (failed := scan.first_pass(report, upload, layout, lookups, today)) is not None:
        return failed
    kept = scan.kept
    report = dataclasses.replace(report, rows_read=scan.rows_read, created=len(kept))
    if not apply:
        if report.written:
            for batch in batched(range(len(kept)), WRITE_BATCH):
                Transaction.objects.bulk_create([Transaction(**kept.arguments(i)) for i in batch])
        return report
    error = apply_in_order(kept, lookups, dry_run=dry_run)
    if error is not None:
        return dataclasses.replace(report, created=0, errors=(error,))
    return report


def apply_in_order(kept: Kept, lookups: Lookups, *, dry_run: bool) -> RowError | None:
    """Record and apply the rows by trade date, then row; the first the book refuses, or None.

    In a savepoint: rolled back on a refusal and on a dry run (which still tries every
    row, so it reports what the book would refuse).
    """
    accounts = lookups.accounts()
    securities: dict[int, Security] = {s.pk: s for s in lookups.securities.values()}
    row_width = max(kept.row, default=0).bit_length()
    order = sorted(range(len(kept)), key=lambda i: (kept.day[i] << row_width) | kept.row[i])
    lookups.lock_households(set(kept.account))
    error = None
    with transaction.atomic():
        savepoint = transaction.savepoint_create()
        for i in order:
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
        if error is not None or dry_run:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
    return error

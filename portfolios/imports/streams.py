"""What the streamed imports share: the chunk size, the first pass, the lookups, the reports.

Every kind of file is read ``settings.IMPORT_CHUNK_ROWS`` rows at a time
(:meth:`StreamScan.chunks`). A chunk's new account ids or numbers and symbols are
looked up in bulk (:class:`Lookups`: remembered for the next chunks, so the queries
grow with the accounts and securities, not the rows). Of a good row only what the
cross-row checks and the writes need is kept, in compact form (the kind's own
module says what); of the errors the first ``ERRORS_KEPT`` by row, and how many.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, ClassVar

from django.conf import settings

from portfolios.imports.checks import (
    CheckedRow,
    accounts_identified,
    accounts_numbered,
    securities_named,
)
from portfolios.imports.files import FileRefused, Layout, Record, RowError, read_chunks
from portfolios.imports.kinds import COLUMNS, ERRORS_KEPT, ImportKind, ImportReport
from portfolios.locks import lock_household
from portfolios.models import Account, Security

CHUNK_ROWS = 5000


def chunk_rows() -> int:
    """Rows read, checked and reported at a time (``settings.IMPORT_CHUNK_ROWS``)."""
    return max(1, int(getattr(settings, "IMPORT_CHUNK_ROWS", CHUNK_ROWS)))


class KeptErrors:
    """The first ``ERRORS_KEPT`` errors by row (stable within a row), and how many in all."""

    def __init__(self) -> None:
        self.kept: list[RowError] = []
        self.count = 0

    def extend(self, errors: Iterable[RowError]) -> None:
        errors = list(errors)
        self.kept.extend(errors)
        self.count += len(errors)
        if len(self.kept) > 2 * ERRORS_KEPT:
            self._trim()

    def _trim(self) -> None:
        self.kept.sort(key=lambda e: e.row or 0)
        del self.kept[ERRORS_KEPT:]

    def first(self) -> tuple[RowError, ...]:
        self._trim()
        return tuple(self.kept)


@dataclass
class StreamScan:
    """The first pass over a file: rows read, the reader's and the checks' errors.

    A kind's scan names its ``kind`` and checks a chunk's records in ``check``.
    """

    kind: ClassVar[ImportKind]
    symbols: ClassVar[bool] = True  # whether its rows name securities
    menus: ClassVar[bool] = False  # whether accounts come with their investment menus
    account_either: ClassVar[bool] = False  # an account by id or by number, one column of two
    shape: KeptErrors = field(default_factory=KeptErrors)  # rows the reader refused
    errors: KeptErrors = field(default_factory=KeptErrors)  # rows the checks refused
    unknown_symbols: set[str] = field(default_factory=set)
    rows_read: int = 0

    def chunks(
        self, upload: IO[bytes] | bytes, kind: ImportKind, layout: Layout | None
    ) -> Iterator[list[Record]]:
        """The file's records a chunk at a time. Raises FileRefused as the reader does.

        Once the reader has refused a row, the rest is only read and counted: rows
        the reader refused are the report, the checks' errors would be dropped.
        """
        filename = str(getattr(upload, "name", "") or "")
        for part in read_chunks(
            upload, COLUMNS[kind], layout, filename=filename, size=chunk_rows()
        ):
            self.shape.extend(part.errors)
            self.rows_read += len(part.records)
            if not self.shape.count:
                yield part.records

    def read(
        self, upload: IO[bytes] | bytes, layout: Layout | None, lookups: Lookups, today: date
    ) -> None:
        """Check the whole file, a chunk at a time. Raises FileRefused as the reader does."""
        for n, records in enumerate(self.chunks(upload, self.kind, layout)):
            if n == 0 and self.account_either and records and _no_account_column(records[0]):
                self.shape.extend([RowError(1, "account_number", "This column is missing.")])
                continue
            lookups.look_up(records, symbols=self.symbols, menus=self.menus)
            self.check(records, lookups, today)

    def check(self, records: list[Record], lookups: Lookups, today: date) -> None:
        raise NotImplementedError

    def across(self) -> Iterable[RowError]:
        """The errors found across rows once all are read (none unless the kind says)."""
        return ()

    def first_pass(
        self,
        report: ImportReport,
        upload: IO[bytes] | bytes,
        layout: Layout | None,
        lookups: Lookups,
        today: date,
    ) -> ImportReport | None:
        """Read and check the file: the report of its errors, or None when every row is good."""
        try:
            self.read(upload, layout, lookups, today)
        except FileRefused as why:
            return refused(report, why)
        if not self.shape.count:
            self.errors.extend(self.across())
        if self.wrong.count:
            return self.failed(report)
        return None

    def refuse(self, row: CheckedRow) -> None:
        """Keep a bad row's errors (and its unknown symbol, offered for creation)."""
        self.errors.extend(row.errors)
        self.unknown_symbols.update(e.value for e in row.errors if e.column == "symbol" and e.value)

    @property
    def wrong(self) -> KeptErrors:
        return self.shape if self.shape.count else self.errors

    def failed(self, report: ImportReport) -> ImportReport:
        """The report of a file with errors: the first of them, counted, and what was read."""
        return dataclasses.replace(
            report,
            rows_read=self.rows_read,
            errors=self.wrong.first(),
            error_count=self.wrong.count,
            symbols_unknown=tuple(sorted(self.unknown_symbols)),
        )


def _no_account_column(record: Record) -> bool:
    return "account" not in record.cells and "account_number" not in record.cells


@dataclass
class Lookups:
    """The accounts (by number or id, among those the user may change) and securities a file
    names, each asked once."""

    user: Any
    by_number: dict[str, Account] = field(default_factory=dict)
    by_id: dict[int, Account] = field(default_factory=dict)
    securities: dict[str, Security] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)  # "n:" numbers, "i:" ids and "s:" symbols

    def _new(self, prefix: str, values: Iterable[str]) -> set[str]:
        fresh = {v for v in values if f"{prefix}{v}" not in self.asked}
        self.asked.update(f"{prefix}{v}" for v in fresh)
        return fresh

    def look_up(
        self, records: Sequence[Record], *, symbols: bool = True, menus: bool = False
    ) -> None:
        """Look up the chunk's account numbers, account ids and (unless told not) symbols;
        ``menus``: the accounts with their investment menus prefetched."""
        numbers = self._new("n:", {r.cells.get("account_number", "") for r in records})
        self.by_number.update(accounts_numbered(self.user, numbers, menus=menus))
        ids = self._new("i:", {r.cells.get("account", "") for r in records})
        self.by_id.update(accounts_identified(self.user, ids))
        if symbols:
            named = self._new("s:", {r.cells.get("symbol", "").upper() for r in records})
            self.securities.update(securities_named(self.user, named))

    def accounts(self) -> dict[int, Account]:
        """Every account found, by id."""
        return {**{a.pk: a for a in self.by_number.values()}, **self.by_id}

    def lock_households(self, account_ids: Iterable[int]) -> None:
        """Lock the households of these accounts, in id order (inside the write's transaction)."""
        accounts = self.accounts()
        for household_id in sorted({accounts[pk].household_id for pk in account_ids}):
            lock_household(household_id)


def refused(report: ImportReport, why: FileRefused) -> ImportReport:
    """The report of a file that cannot be read at all: its one error says why."""
    error = RowError(why.row, None, why.message)
    return dataclasses.replace(report, errors=(error,), file_refused=True)

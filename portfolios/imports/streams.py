"""What the streamed imports share: the chunk size, the kept errors, the refused report."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from django.conf import settings

from portfolios.imports.files import FileRefused, RowError
from portfolios.imports.kinds import ERRORS_KEPT, ImportReport

CHUNK_ROWS = 5000


def chunk_rows() -> int:
    """Rows read, checked and reported at a time (``settings.IMPORT_CHUNK_ROWS``)."""
    return max(1, int(getattr(settings, "IMPORT_CHUNK_ROWS", CHUNK_ROWS)))


class KeptErrors:
    """The first ``ERRORS_KEPT`` errors by row (stable within a row), and how many in all."""

    def __init__(self) -> None:
        self.kept: list[RowError] = []
        self.count = 0

    def extend(self, errors: Sequence[RowError]) -> None:
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


def refused(report: ImportReport, why: FileRefused) -> ImportReport:
    """The report of a file that cannot be read at all: its one error says why."""
    error = RowError(why.row, None, why.message)
    return dataclasses.replace(report, errors=(error,), file_refused=True)


def failed(report: ImportReport, errors: KeptErrors, **more: object) -> ImportReport:
    return dataclasses.replace(
        report,
        errors=errors.first(),
        error_count=errors.count,
        **more,  # type: ignore[arg-type]
    )

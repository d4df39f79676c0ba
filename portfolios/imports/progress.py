"""Progress of a queued import, kept in the cache so a request can read it mid-run."""

from __future__ import annotations

from django.core.cache import cache

from portfolios.imports.models import ImportRecord, ImportStatus

PROGRESS_KEY = "import-progress-{}"


def report_progress(record_id: int, rows: int) -> None:
    cache.set(PROGRESS_KEY.format(record_id), rows, timeout=24 * 3600)


def import_progress_of(record: ImportRecord) -> int:
    """Percent done: 100 when finished, else rows read so far of the rows estimated."""
    if record.status in (ImportStatus.DONE, ImportStatus.REJECTED):
        return 100
    rows = cache.get(PROGRESS_KEY.format(record.pk)) or 0
    if not record.rows_total:
        return 0
    return min(99, 100 * int(rows) // record.rows_total)

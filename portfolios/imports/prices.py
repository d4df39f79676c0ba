"""A daily prices file, streamed: checked a chunk at a time, then upserted a chunk at a time.

The first pass reads ``settings.IMPORT_CHUNK_ROWS`` rows at a time, checks them
(``check_prices``: the chunk's symbols in one query) and keeps of each good row
only what the cross-row checks and the counts need: its (security, day) packed in
one integer with its row (a duplicate in another chunk names its first row), and
per security the newest close (what becomes its last price). The second pass,
only when no row has an error and not on a dry run, reads the file again and
upserts each chunk, in the caller's transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from portfolios.imports.checks import check_prices, price_days_in_book, repriced_securities
from portfolios.imports.files import FileRefused, Layout, Record, RowError, Table, read_chunks
from portfolios.imports.kinds import COLUMNS, WRITE_BATCH, ImportKind, ImportReport
from portfolios.imports.streams import StreamScan, chunk_rows, refused
from portfolios.models import PricePoint, Security

DAY_BITS = 22  # date.max.toordinal() < 2**22


@dataclass
class PriceScan(StreamScan):
    kind = ImportKind.PRICES
    seen: dict[int, int] = field(default_factory=dict)  # packed (security, day) -> first row
    newest: dict[int, PricePoint] = field(default_factory=dict)  # by security
    points: int = 0
    updated: int = 0

    def take(self, points: list[PricePoint], rows: list[int]) -> None:
        """A chunk's good points (``rows``: their rows): duplicates of earlier chunks refused."""
        fresh = []
        for point, row in zip(points, rows, strict=True):
            key = (point.security_id << DAY_BITS) | point.date.toordinal()
            earlier = self.seen.setdefault(key, row)
            if earlier != row:
                self.errors.extend(
                    [RowError(row, None, f"The same symbol and date as row {earlier}.")]
                )
                continue
            fresh.append(point)
            newest = self.newest.get(point.security_id)
            if newest is None or point.date > newest.date:
                self.newest[point.security_id] = point
        self.points += len(fresh)
        self.updated += len(price_days_in_book(fresh) & {(p.security_id, p.date) for p in fresh})


def _point_rows(records: list[Record], errors: list[RowError]) -> list[int]:
    """The rows of the points ``check_prices`` kept: those without an error, in order."""
    wrong = {e.row for e in errors}
    return [r.row for r in records if r.row not in wrong]


def _chunks(upload: IO[bytes] | bytes, layout: Layout | None) -> Iterator[Table]:
    filename = str(getattr(upload, "name", "") or "")
    return read_chunks(
        upload, COLUMNS[ImportKind.PRICES], layout, filename=filename, size=chunk_rows()
    )


def scan_prices(
    upload: IO[bytes] | bytes, *, user: Any, today: date, layout: Layout | None
) -> PriceScan:
    scan = PriceScan()
    for records in scan.chunks(upload, ImportKind.PRICES, layout):
        points, errors = check_prices(records, user=user, today=today)
        scan.errors.extend(errors)
        scan.take(points, _point_rows(records, errors))
    return scan


def prices_stream(
    *, user: Any, upload: IO[bytes] | bytes, dry_run: bool, today: date, layout: Layout | None
) -> ImportReport:
    """Check, count and (unless a dry run or any error) upsert a prices file."""
    report = ImportReport(kind=ImportKind.PRICES, dry_run=dry_run)
    try:
        scan = scan_prices(upload, user=user, today=today, layout=layout)
    except FileRefused as why:
        return refused(report, why)
    if scan.wrong.count:
        return scan.failed(report)
    repriced = repriced_securities(list(scan.newest.values()))
    report = dataclasses.replace(
        report,
        rows_read=scan.rows_read,
        created=scan.points - scan.updated,
        updated=scan.updated,
        securities_repriced=len(repriced),
    )
    if report.written:
        for part in _chunks(upload, layout):
            points, _ = check_prices(part.records, user=user, today=today)
            upsert_prices(points, [])
        upsert_prices([], repriced)
    return report


def upsert_prices(points: list[PricePoint], repriced: list[Security]) -> None:
    PricePoint.objects.bulk_create(
        points,
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=("security", "date"),
        update_fields=("close",),
    )
    Security.objects.bulk_update(repriced, ("price", "price_date"), batch_size=WRITE_BATCH)

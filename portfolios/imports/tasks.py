"""Large imports on the workers: queued with the file stored, run once, progress in the cache.

A file larger than ``settings.IMPORT_ASYNC_BYTES`` (default 1 MB, about 20,000 rows)
is not read in the request: :func:`import_queue` keeps it as an ``ImportRecord``
(``queued``) and queues :func:`import_run` on commit; the page polls
``/imports/runs/<id>/`` with htmx and the API answers 202 with the id to poll at
``/api/v1/imports/<id>/``. The worker publishes rows read so far in the cache
(``portfolios.imports.progress``), which a request can read while the import's own
transaction is still open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from portfolios.access import firm_id_of
from portfolios.imports.files import XLSX_MAGIC
from portfolios.imports.models import ImportMapping, ImportRecord, ImportStatus


def is_large(upload: Any) -> bool:
    size = getattr(upload, "size", None)
    if size is None and isinstance(upload, bytes):
        size = len(upload)
    limit = getattr(settings, "IMPORT_ASYNC_BYTES", 1024 * 1024)
    return size is not None and size > limit


def _rows_estimate(content: bytes) -> int:
    if content.startswith(XLSX_MAGIC):
        return 0  # unknown until the sheet is read: the bar shows rows read
    return max(0, content.count(b"\n") - 1 + (0 if content.endswith(b"\n") else 1))


def import_queue(
    *,
    kind: str,
    user: Any,
    upload: Any,
    mapping: ImportMapping | None,
    apply: bool,
    dry_run: bool,
) -> ImportRecord:
    """Keep the file and queue its import; the record says how far it got."""
    if isinstance(upload, bytes):
        content, name = upload, f"{kind}.csv"
    else:
        upload.seek(0)
        content, name = upload.read(), Path(upload.name).name
    record = ImportRecord(  # type: ignore[misc]
        firm_id=firm_id_of(user),
        kind=kind,
        file_name=name[:255],
        mapping=mapping,
        created_by=user,
        status=ImportStatus.QUEUED,
        rows_total=_rows_estimate(content),
        apply=apply,
        summary={"dry_run": dry_run},
    )
    record.file.save(name, ContentFile(content), save=False)
    record.save()
    transaction.on_commit(lambda: import_run.delay(record.pk))
    return record


@shared_task(name="portfolios.import_run", acks_late=True)
def import_run(record_id: int) -> str:
    """Run a queued import once (a record no longer queued is left alone)."""
    from portfolios.imports.services import import_record_run

    return import_record_run(record_id=record_id)

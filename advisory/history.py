"""Audit history of the book of record and the policies (django-pghistory).

PostgreSQL triggers copy every insert, update (bulk ``QuerySet.update`` included)
and delete of a tracked model into its event table, with the request's user and URL
(``pghistory.middleware.HistoryMiddleware``); the app only ever reads those tables.

Tracking a model is one line above its class, naming the path to its firm (for the
firm admin's history page, ``/firm/history/``)::

    @tracked("household__firm")
    class Restriction(models.Model): ...

then ``makemigrations``. On SQLite (the demo) pgtrigger installs no triggers, so no
field history is recorded there; the history page says so (see README).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pghistory
from django.db import connection, models

# label ("portfolios.Lot") -> the path from the tracked row to its firm
FIRM_PATHS: dict[str, str] = {}


def tracked[M: type[models.Model]](firm_path: str) -> Callable[[M], M]:
    """Record every insert, update and delete of the model (its values after each)."""

    def track(model: M) -> M:
        # New trackers for each model: pghistory binds them to the model they decorate.
        tracker = pghistory.track(
            pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent()
        )
        FIRM_PATHS[model._meta.label] = firm_path
        return tracker(model)

    return track


def event_model(label: str) -> type[models.Model]:
    from django.apps import apps

    app_label, name = label.split(".")
    return apps.get_model(app_label, f"{name}Event")


@contextmanager
def bulk_history(**metadata: Any) -> Iterator[None]:
    """Many rows written under the audit trail, at a constant cost a row (PostgreSQL).

    The trigger functions of pgtrigger and pghistory read their settings
    (``pgtrigger.ignore``, ``pghistory.context_id``) inside an EXCEPTION block: when a
    setting is missing the read raises, and every aborted subtransaction makes the
    next row of the same transaction dearer (100,000 new lots in one import: 910
    rows/s, against 4,452 at 10,000). With both present nothing raises: this sets
    ``pgtrigger.ignore`` to no trigger for the transaction and opens a pghistory
    context with ``metadata`` (the request's context, when one is open, gains it).
    Use inside ``transaction.atomic``; on SQLite (no triggers) it does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
    with pghistory.context(**metadata):
        yield

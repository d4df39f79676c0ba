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

from collections.abc import Callable

import pghistory
from django.db import models

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

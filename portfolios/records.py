"""Archiving and versions of the financial records (households, people, accounts, lots,
transactions).

A record is never deleted through the app: it is **archived** (``archived_at`` and
``archived_by`` set) and can be restored. Every model's default manager, ``objects``,
answers live rows only: a row whose own ``archived_at`` is set, or whose household
(or account) is archived, is not there. So lists, totals, allocations, drift,
proposals and reviews, which all read through ``objects`` (or the reverse relations,
which use it too), leave archived rows out without a filter of their own;
``all_objects`` sees every row (the archive page and restoring).

``version`` counts the row's saves: an edit carries the version it was read at, and
``portfolios.versions`` refuses it (409) when the row moved on since.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models


class LiveQuerySet[M: models.Model](models.QuerySet[M]):
    def select_for_update(
        self,
        nowait: bool = False,
        skip_locked: bool = False,
        of: Sequence[str] = (),
        no_key: bool = False,
    ) -> LiveQuerySet[M]:
        # The live filter joins the household (and account); lock only the row asked for.
        return super().select_for_update(
            nowait=nowait, skip_locked=skip_locked, of=of or ("self",), no_key=no_key
        )


class LiveManager[M: models.Model](models.Manager[M]):
    """Rows that are live: neither they nor their household (or account) archived."""

    def get_queryset(self) -> LiveQuerySet[M]:
        queryset = LiveQuerySet[M](self.model, using=self._db)
        conditions = {
            f"{path}archived_at__isnull": True
            for path in ("", *getattr(self.model, "live_through", ()))
        }
        return queryset.filter(**conditions)


class Archivable(models.Model):
    """The archive and version columns every financial record carries."""

    # Paths to the parents whose archiving hides this row too ("household__").
    live_through: ClassVar[tuple[str, ...]] = ()

    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts the saves; an edit names the one it read."
    )

    if TYPE_CHECKING:  # declared on each model (the default manager comes first)
        objects: LiveManager[Any]
        all_objects: models.Manager[Any]

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

"""The nightly drift scan: one snapshot per household and day, and drift rows as JSON.

The scan measures every household against its active IPS in a constant number of
queries (policies.selectors builds the values and policies in bulk) and upserts
that day's DriftSnapshot rows; dashboards and alerts read the snapshots.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from advisory.engine.drift import DriftReport
from advisory.engine.money import ZERO
from policies.models import (
    DriftSnapshot,
)
from policies.selectors import (
    ActivePolicyRow,
    active_policies_bulk,
    drift_of,
    household_values_bulk,
)
from portfolios.models import Household

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

DRIFT_SNAPSHOT_KEEP_DAYS = 400
DRIFT_PLACES = Decimal("0.000001")
SNAPSHOT_FIELDS = (
    "policy",
    "computed_at",
    "has_policy",
    "needs_rebalance",
    "calendar_due",
    "reason",
    "total_value",
    "max_abs_drift",
    "out_of_band_classes",
    "rows",
    "next_review_date",
)


@dataclass(frozen=True)
class ScanResult:
    as_of: date
    households: int
    with_policy: int
    needs_rebalance: int


def drift_rows_json(report: DriftReport) -> list[dict[str, Any]]:
    """A drift table as JSON: fractions as strings with 6 places."""
    return [
        {
            "asset_class": row.asset_class,
            "target": str(row.target.quantize(DRIFT_PLACES)),
            "current": str(row.current.quantize(DRIFT_PLACES)),
            "drift": str(row.drift.quantize(DRIFT_PLACES)),
            "band": str(row.band.quantize(DRIFT_PLACES)),
            "in_band": row.in_band,
        }
        for row in report.rows
    ]


def _snapshot_of(
    household_id: int,
    values: Mapping[str, Decimal],
    policy: ActivePolicyRow | None,
    as_of: date,
    now: datetime,
) -> DriftSnapshot:
    if policy is None:
        total = sum(values.values(), ZERO).quantize(Decimal("0.01"))
        return DriftSnapshot(
            household_id=household_id,
            computed_on=as_of,
            computed_at=now,
            has_policy=False,
            reason="No active IPS",
            total_value=total,
        )
    report = drift_of(values, policy, as_of)
    return DriftSnapshot(
        household_id=household_id,
        policy_id=policy.policy_id,
        computed_on=as_of,
        computed_at=now,
        needs_rebalance=report.needs_rebalance,
        calendar_due=report.calendar_due,
        reason=report.reason[:500],
        total_value=report.total_value,
        max_abs_drift=max((abs(r.drift) for r in report.rows), default=ZERO).quantize(DRIFT_PLACES),
        out_of_band_classes=[row.asset_class for row in report.out_of_band],
        rows=drift_rows_json(report),
        next_review_date=report.next_review_date,
    )


def _upsert_snapshots(snapshots: Sequence[DriftSnapshot]) -> None:
    """Insert the day's snapshots, replacing any of the same household and day.

    On PostgreSQL through ``COPY`` into a temporary table and one
    ``INSERT ... ON CONFLICT``: binding 10,000 rows of JSON as query parameters
    costs several times more than the scan itself.
    """
    if connection.vendor != "postgresql":
        DriftSnapshot.objects.bulk_create(
            snapshots,
            update_conflicts=True,
            unique_fields=("household", "computed_on"),
            update_fields=SNAPSHOT_FIELDS,
            batch_size=2000,
        )
        return
    fields = [f for f in DriftSnapshot._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    keys = {"household_id", "computed_on"}
    updates = ", ".join(
        f"{name} = EXCLUDED.{name}"
        for name in (connection.ops.quote_name(str(f.column)) for f in fields)
        if name.strip('"') not in keys
    )
    table = DriftSnapshot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS incoming_drift_snapshot ON COMMIT DROP "  # noqa: S608
            f"AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute("TRUNCATE incoming_drift_snapshot")
        copy_statement = f"COPY incoming_drift_snapshot ({columns}) FROM STDIN"
        with cursor.cursor.copy(copy_statement) as copy:
            for snapshot in snapshots:
                copy.write_row([_copy_value(f, snapshot) for f in fields])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_drift_snapshot "  # noqa: S608
            f"ON CONFLICT (household_id, computed_on) DO UPDATE SET {updates}"
        )


def _copy_value(model_field: Any, snapshot: DriftSnapshot) -> Any:
    value = getattr(snapshot, model_field.attname)
    if isinstance(model_field, JSONField):
        return json.dumps(value)
    return value


@transaction.atomic
def drift_scan(*, as_of: date, household_ids: Collection[int] | None = None) -> ScanResult:
    """Measure every household's drift (of every firm, or ``household_ids``) and store it.

    A fixed number of queries whatever the number of households: values summed
    in the database, active versions with their targets, one upsert of the
    day's snapshots (one row per household and day), one purge of old ones.
    """
    households = Household.objects.order_by("pk")
    if household_ids is not None:
        households = households.filter(pk__in=household_ids)
    ids = list(households.values_list("pk", flat=True))
    values = household_values_bulk(household_ids)
    policies = active_policies_bulk(household_ids)
    now = timezone.now()
    snapshots = [_snapshot_of(hh, values.get(hh, {}), policies.get(hh), as_of, now) for hh in ids]
    _upsert_snapshots(snapshots)
    if household_ids is None:
        cutoff = as_of - timedelta(days=DRIFT_SNAPSHOT_KEEP_DAYS)
        DriftSnapshot.objects.filter(computed_on__lt=cutoff).delete()
    return ScanResult(
        as_of=as_of,
        households=len(ids),
        with_policy=sum(1 for hh in ids if hh in policies),
        needs_rebalance=sum(1 for s in snapshots if s.needs_rebalance),
    )

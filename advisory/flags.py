"""What needs attention on a household, from its IPS and the nightly drift scan.

``household_flags`` reads in bulk (three queries whatever the number of
households): each household's latest ``DriftSnapshot``, its active IPS with
the number of acknowledgements, and how many client logins it has.

Flags, most urgent first:
- **Rebalance due** / **Out of band** (alert): the IPS method says rebalance
  now: a class left its band (threshold), a calendar review date passed
  (calendar), or both (hybrid).
- **Review due** (warn): a hybrid review date passed and every class is in band.
- **Out of band** (info): a class left its band, but the calendar or hybrid
  method waits for the next review date.
- **No active IPS** (warn).
- **IPS not acknowledged** (info): nobody acknowledged the active version, or
  some of the household's client logins have not.

A snapshot measured against an older version than the active one (the IPS
changed since the scan, and the refresh after activation has not run yet) is
not used for drift flags: it would describe targets that no longer apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery

from advisory.engine.drift import class_label
from policies.models import DriftSnapshot, InvestmentPolicy, PolicyStatus
from portfolios.dashboard import Flag
from portfolios.models import ClientLink, Household


def _latest_snapshots(ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    latest_day = (
        DriftSnapshot.objects.filter(household_id=OuterRef("household_id"))
        .order_by("-computed_on")
        .values("computed_on")[:1]
    )
    rows = DriftSnapshot.objects.filter(
        household_id__in=ids, computed_on=Subquery(latest_day)
    ).values(
        "household_id",
        "policy_id",
        "computed_on",
        "needs_rebalance",
        "calendar_due",
        "reason",
        "out_of_band_classes",
        "next_review_date",
    )
    return {row["household_id"]: row for row in rows}


def _active_policies(ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    by_client = Q(acknowledgements__user__client_link__household_id=F("household_id"))
    rows = (
        InvestmentPolicy.objects.filter(household_id__in=ids, status=PolicyStatus.ACTIVE)
        .order_by()
        .annotate(
            acknowledged=Count("acknowledgements", distinct=True),
            acknowledged_by_clients=Count("acknowledgements", filter=by_client, distinct=True),
        )
        .values("pk", "household_id", "version", "acknowledged", "acknowledged_by_clients")
    )
    return {row["household_id"]: row for row in rows}


def _client_counts(ids: Sequence[int]) -> dict[int, int]:
    rows = (
        ClientLink.objects.filter(household_id__in=ids)
        .order_by()
        .values("household_id")
        .annotate(clients=Count("pk"))
        .values_list("household_id", "clients")
    )
    return dict(rows)


def _out_of_band_label(codes: Sequence[str]) -> str:
    if len(codes) <= 2:
        return f"Out of band: {' and '.join(class_label(code) for code in codes)}"
    return f"Out of band: {len(codes)} classes"


def _drift_flags(snapshot: Mapping[str, Any]) -> list[Flag]:
    """One flag from the latest scan, by what the IPS method makes of it."""
    out = snapshot["out_of_band_classes"] or []
    reason = snapshot["reason"]
    if snapshot["needs_rebalance"]:
        label = "Rebalance due" if snapshot["calendar_due"] else _out_of_band_label(out)
        return [Flag("alert", label, reason)]
    if snapshot["calendar_due"]:
        return [Flag("warn", "Review due", reason)]
    if out:
        # Calendar and hybrid methods wait for the review date; worth knowing, not acting on.
        return [Flag("info", _out_of_band_label(out), reason)]
    return []


def _acknowledgement_flag(policy: Mapping[str, Any], clients: int) -> Flag | None:
    pending = clients - policy["acknowledged_by_clients"]
    if policy["acknowledged"] and pending <= 0:
        return None
    if clients == 0:
        detail = f"Version {policy['version']}: no client login to acknowledge it online."
    else:
        detail = f"Version {policy['version']}: {pending} of {clients} client(s) to acknowledge."
    return Flag("info", "IPS not acknowledged", detail)


def household_flags(household_ids: Iterable[int]) -> dict[int, list[Flag]]:
    """IPS and drift flags of each household (3 queries whatever the number of households).

    Access is the caller's business: pass only households the user may see.
    """
    ids = list(dict.fromkeys(household_ids))
    flags: dict[int, list[Flag]] = {household_id: [] for household_id in ids}
    if not ids:
        return flags
    snapshots = _latest_snapshots(ids)
    policies = _active_policies(ids)
    clients = _client_counts(ids)
    for household_id in ids:
        policy = policies.get(household_id)
        if policy is None:
            flags[household_id].append(
                Flag("warn", "No active IPS", "Targets and bands are needed to measure drift.")
            )
            continue
        snapshot = snapshots.get(household_id)
        if snapshot is not None and snapshot["policy_id"] == policy["pk"]:
            flags[household_id].extend(_drift_flags(snapshot))
        acknowledgement = _acknowledgement_flag(policy, clients.get(household_id, 0))
        if acknowledgement is not None:
            flags[household_id].append(acknowledgement)
    return flags


def dashboard_flags(households: Sequence[Household], as_of: date) -> dict[int, list[Flag]]:
    """``household_flags`` in the shape of ``portfolios.dashboard.register_flag_provider``."""
    return household_flags([household.pk for household in households])

"""The review packet: everything a review looks at, for the page, the PDF and the API.

Built in a fixed number of queries whatever the number of lots: the values by
class come from the database's sums, the drift at the last review from its
stored snapshot, the year's realised gains from one aggregate, and the figures
(returns, RMDs, contribution room, stress, correlations) from
``policies.reviews.figures``, which build their engine inputs in bulk.

Everything is turned into plain JSON values here (decimals as strings, dates
ISO), so the API, the page and the PDF read the same dict.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from advisory.engine.drift import class_name
from advisory.engine.money import ZERO, to_cents
from advisory.engine.tax_tables import LIMIT_GROUP_LABELS
from policies.drift import drift_rows_json
from policies.models import DriftSnapshot, InvestmentPolicy, PolicyStatus
from policies.proposals.models import Proposal
from policies.reviews.figures import (
    household_contribution_room,
    household_correlations,
    household_returns,
    household_rmds,
    household_stress,
)
from policies.reviews.models import CLIENT_VISIBLE_STATUSES, Review
from policies.selectors import active_policies_bulk, drift_of, household_values_bulk
from portfolios.models import Household, Transaction, TransactionKind
from portfolios.selectors import firm_class_names

logger = logging.getLogger(__name__)


def plain(value: Any) -> Any:
    """Dataclasses, mappings, decimals, dates and enums as JSON values (decimals as strings)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{Decimal(str(value)):f}"
    return value


def _last_review(household: Household, as_of: date, exclude: int | None) -> Review | None:
    reviews = Review.objects.filter(
        household=household, status__in=CLIENT_VISIBLE_STATUSES, period_end__lt=as_of
    )
    if exclude is not None:
        reviews = reviews.exclude(pk=exclude)
    return reviews.order_by("-period_end").first()


def _allocation_and_drift(household: Household, as_of: date) -> dict[str, Any]:
    """Money and weight per class now, against the active IPS targets (4 queries)."""
    names = firm_class_names(household.firm_id)
    values = household_values_bulk([household.pk]).get(household.pk, {})
    policy = active_policies_bulk([household.pk]).get(household.pk)
    total = sum(values.values(), ZERO)
    targets = dict(policy.targets.targets) if policy else {}
    codes = [code for code in names if code in values or code in targets]
    allocation = [
        {
            "asset_class": code,
            "name": names.get(code) or class_name(code),
            "value": to_cents(values.get(code, ZERO)),
            "weight": (values.get(code, ZERO) / total).quantize(Decimal("0.000001"))
            if total
            else ZERO,
            "target": targets.get(code),
        }
        for code in codes
    ]
    drift: dict[str, Any] = {"rows": [], "needs_rebalance": False, "reason": "No active IPS."}
    if policy is not None:
        report = drift_of(values, policy, as_of)
        drift = {
            "rows": drift_rows_json(report),
            "needs_rebalance": report.needs_rebalance,
            "reason": report.reason,
        }
    return {"total_value": to_cents(total), "allocation": allocation, "drift": drift}


def _drift_at(household: Household, review: Review | None) -> dict[str, Any] | None:
    """The stored drift snapshot on or before the last review's date (1 query)."""
    if review is None:
        return None
    snapshot = (
        DriftSnapshot.objects.filter(household=household, computed_on__lte=review.period_end)
        .order_by("-computed_on")
        .first()
    )
    if snapshot is None:
        return None
    return {
        "computed_on": snapshot.computed_on,
        "total_value": snapshot.total_value,
        "rows": snapshot.rows,
        "needs_rebalance": snapshot.needs_rebalance,
        "reason": snapshot.reason,
    }


def _realized(household: Household, year: int, as_of: date) -> dict[str, Any]:
    """The year's realised gains and losses from sell transactions (1 query)."""
    sells = Transaction.objects.filter(
        account__household=household,
        kind=TransactionKind.SELL,
        trade_date__year=year,
        trade_date__lte=as_of,
        realized_gain__isnull=False,
    )
    sums = sells.aggregate(
        gains=Sum("realized_gain", filter=Q(realized_gain__gt=0)),
        losses=Sum("realized_gain", filter=Q(realized_gain__lt=0)),
        sales=Count("id"),
    )
    gains, losses = to_cents(sums["gains"] or ZERO), to_cents(sums["losses"] or ZERO)
    return {
        "year": year,
        "gains": gains,
        "losses": losses,
        "net": gains + losses,
        "sales": sums["sales"],
    }


def _changes(household: Household, since: date | None, as_of: date) -> dict[str, Any]:
    """IPS versions activated and proposals executed since the last review (2 queries)."""
    policies = InvestmentPolicy.objects.filter(household=household).exclude(
        status=PolicyStatus.DRAFT
    )
    proposals = Proposal.objects.filter(household=household, status="executed")
    if since is not None:
        policies = policies.filter(effective_date__gt=since)
        proposals = proposals.filter(executed_at__date__gt=since)
    policies = policies.filter(effective_date__lte=as_of).order_by("version")
    proposals = proposals.filter(executed_at__date__lte=as_of).order_by("executed_at")
    return {
        "policies": [
            {
                "id": p.pk,
                "version": p.version,
                "effective_date": p.effective_date,
                "rationale": p.rationale,
            }
            for p in policies
        ],
        "proposals": [
            {"id": p.pk, "kind": p.kind, "executed_on": timezone.localdate(p.executed_at)}
            for p in proposals.only("pk", "kind", "executed_at")
        ],
    }


def _section(name: str, build: Callable[[], Any]) -> Any:
    """One figures section; a figure that cannot be computed says why instead of failing."""
    try:
        return plain(build())
    except (ValueError, LookupError) as problem:
        logger.info("Packet section %s unavailable: %s", name, problem)
        return {"unavailable": str(problem)}


def _rmd_rows(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            "account": row.account.pk,
            "account_name": row.account.name,
            "person": row.person.pk,
            "person_name": str(row.person),
            "year": row.rmd.year,
            "age": row.rmd.age,
            "divisor": row.rmd.divisor,
            "prior_year_end_value": row.rmd.prior_year_end_value,
            "prior_year_end_source": "custodian" if row.custodian_figure else "computed",
            "amount": row.rmd.amount,
            "distributed": row.rmd.distributed,
            "remaining": row.rmd.remaining,
        }
        for row in rows
    ]


def _room_rows(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            "person": row.person.pk,
            "person_name": str(row.person),
            "account_type": row.group,
            "account_type_label": LIMIT_GROUP_LABELS[row.group],
            "limit": row.room.limit.base,
            "catch_up": row.room.limit.catch_up,
            "contributed": row.room.contributed,
            "remaining": row.room.remaining,
        }
        for row in rows
    ]


def _stress_rows(results: Any) -> dict[str, Any]:
    scenarios = [
        {
            "name": result.name,
            "impact": to_cents(result.impact),
            "impact_pct": result.impact_pct,
            "by_class": [
                {"asset_class": c.code, "shock": c.shock, "impact": to_cents(c.impact)}
                for c in sorted(result.by_class, key=lambda c: c.impact)
            ],
        }
        for result in results
    ]
    return {"scenarios": scenarios}


def _correlation_rows(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            "asset_class": row.asset_class.code,
            "correlation": row.report.correlation,
            "median_1y": row.report.median_1y,
            "flagged": row.report.flagged,
            "flagged_since": row.report.flagged_since,
            "series": [[day, value] for day, value in row.report.series],
        }
        for row in rows
    ]


def _returns(found: Any) -> dict[str, Any]:
    return {
        "periods": [
            {
                "period": p.window.period,
                "label": p.window.label,
                "start": p.window.start,
                "end": p.window.end,
                "annualised": p.window.annualised,
                "twr": p.twr,
                "mwr": p.mwr,
                "benchmark": p.benchmark,
            }
            for p in found.periods
        ],
        "growth": [{"day": day, "value": value} for day, value in found.growth],
        "benchmark_growth": [{"day": day, "value": value} for day, value in found.benchmark],
    }


def _figures(household: Household, as_of: date, since: date | None) -> dict[str, Any]:
    """The engine's figures for the packet, each section on its own (see ``_section``)."""
    return {
        "returns": _section(
            "returns",
            lambda: _returns(household_returns(household=household, as_of=as_of, since=since)),
        ),
        "rmds": _section(
            "rmds",
            lambda: _rmd_rows(household_rmds(household=household, year=as_of.year, as_of=as_of)),
        ),
        "contribution_room": _section(
            "contribution_room",
            lambda: _room_rows(household_contribution_room(household=household, year=as_of.year)),
        ),
        "stress": _section(
            "stress", lambda: _stress_rows(household_stress(household=household, as_of=as_of))
        ),
        "correlations": _section(
            "correlations",
            lambda: _correlation_rows(household_correlations(household=household, as_of=as_of)),
        ),
    }


def review_packet(
    household: Household, *, as_of: date, review: Review | None = None
) -> dict[str, Any]:
    """The packet of ``household`` on ``as_of`` (for ``review``: its period's end).

    "The last review" is the household's latest review completed (or awaiting the
    client) before ``as_of``, other than ``review`` itself.
    """
    last = _last_review(household, as_of, review.pk if review else None)
    since = last.period_end if last else None
    now = _allocation_and_drift(household, as_of)
    figures = _figures(household, as_of, since)
    returns = figures.pop("returns")
    packet = {
        "household": household.pk,
        "household_name": household.name,
        "as_of": as_of,
        "review": review.pk if review else None,
        "last_review": {"id": last.pk, "kind": last.kind, "period_end": last.period_end}
        if last
        else None,
        "total_value": now["total_value"],
        "allocation": now["allocation"],
        "drift": now["drift"],
        "drift_at_last_review": _drift_at(household, last),
        "returns": returns.get("periods", []) if "unavailable" not in returns else [],
        "returns_unavailable": returns.get("unavailable"),
        "growth": returns.get("growth", []),
        "benchmark_growth": returns.get("benchmark_growth", []),
        **figures,
        "realized_gains": _realized(household, as_of.year, as_of),
        "changes": _changes(household, since, as_of),
    }
    return dict(plain(packet))

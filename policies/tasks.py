"""Background work for IPS versions and drift: ids in, a service call, idempotent."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task(name="policies.scan_drift")
def scan_drift(as_of: str | None = None) -> dict[str, object]:
    """The nightly drift scan of every household of every firm (``as_of`` ISO date, else today).

    Re-running it on the same day replaces that day's snapshots.
    """
    from policies import drift

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = drift.drift_scan(as_of=day)
    return {
        "as_of": result.as_of.isoformat(),
        "households": result.households,
        "with_policy": result.with_policy,
        "needs_rebalance": result.needs_rebalance,
    }


@shared_task(name="policies.refresh_household_drift")
def refresh_household_drift(household_id: int, as_of: str | None = None) -> bool:
    """Re-measure one household's drift (after its IPS changed); whether it has an IPS."""
    from policies import drift

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return drift.drift_scan(as_of=day, household_ids=[household_id]).with_policy == 1


@shared_task(name="policies.render_ips_document")
def render_ips_document(policy_id: int) -> str:
    """Render the IPS version's PDF and store it; the document status it ends in."""
    from policies import services

    return services.policy_document_render(policy_id=policy_id)

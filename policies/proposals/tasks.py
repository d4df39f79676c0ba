"""Background work for proposals: ids in, a service call, idempotent.

``compute_proposal`` computes a proposal left ``pending`` for a large
household; ``create_due_tranches`` (Celery beat, daily) turns the tranches of
implementation plans that fall due into proposals. Services queue these on
commit; the tasks import the services inside their bodies, so the two never
import each other at module level.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone


@shared_task(name="policies.compute_proposal")
def compute_proposal(proposal_id: int) -> str:
    """Compute a pending proposal; the status it ends in (``draft`` or ``failed``)."""
    from policies.proposals.services import proposal_compute

    return proposal_compute(proposal_id=proposal_id)


@shared_task(name="policies.create_due_tranches")
def create_due_tranches(
    as_of: str | None = None, household_id: int | None = None
) -> dict[str, int]:
    """Propose every tranche due on ``as_of`` (ISO date, else today); counts by outcome.

    ``household_id`` limits it to one household (queued when a plan starts today).
    """
    from policies.proposals.plans import create_due_tranche_proposals

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    households = [household_id] if household_id is not None else None
    return create_due_tranche_proposals(as_of=day, household_ids=households)


@shared_task(
    name="policies.process_run_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=5,
    retry_jitter=True,
    max_retries=10,
)
def process_run_chunk(run_id: int, item_ids: list[int]) -> dict[str, int]:
    """Propose for one chunk of a rebalance run; items already processed are skipped."""
    from policies.proposals.runs import process_run_chunk as process

    return process(run_id=run_id, item_ids=item_ids)

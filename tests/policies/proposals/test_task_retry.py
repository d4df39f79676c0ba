"""Celery tasks: acks-late, and a task delivered again after a crash has one effect."""

from __future__ import annotations

from typing import Any

import pytest

from advisory.celery import app
from policies.models import InvestmentPolicy
from policies.proposals.models import Proposal, ProposalStatus
from policies.proposals.tasks import compute_proposal
from portfolios.models import Lot
from tests.conftest import World
from tests.policies.proposals.drifted import propose

pytestmark = pytest.mark.django_db


def test_tasks_are_acknowledged_after_they_ran() -> None:
    # A worker that dies mid-task leaves the message on the broker: it is delivered again.
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_a_proposal_computed_again_after_a_crash_has_one_effect(
    world: World,
    api_as: Any,
    drifted: tuple[InvestmentPolicy, Lot],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PROPOSAL_ASYNC_LOT_THRESHOLD = 2  # the household has 4 lots: a worker's job
    with django_capture_on_commit_callbacks(execute=False):  # the queued task not yet run
        response = propose(api_as("owner"), world)
    assert response.status_code == 202
    proposal_id = response.json()["id"]
    # The worker computes it, then dies before acknowledging: the broker delivers it again.
    assert compute_proposal.apply(args=[proposal_id]).get() == ProposalStatus.DRAFT
    proposal = Proposal.objects.get(pk=proposal_id)
    trades = list(proposal.trades.values_list("pk", flat=True))
    assert trades
    assert compute_proposal.apply(args=[proposal_id]).get() == ProposalStatus.DRAFT
    assert list(proposal.trades.values_list("pk", flat=True)) == trades
    body = api_as("owner").get(f"/api/v1/proposals/{proposal_id}/").json()
    assert [entry["action"] for entry in body["audit"]] == ["created", "computed"]

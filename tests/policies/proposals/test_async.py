"""A large household's proposal: 202 at once, then a real Celery worker computes it.

The worker runs in a thread consuming from the configured broker (Redis in CI,
the in-memory transport otherwise); the test polls the database.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from policies.models import InvestmentPolicy
from policies.proposals.models import Proposal, ProposalStatus
from portfolios.models import Lot
from tests.conftest import World
from tests.policies.proposals.drifted import propose

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


def _wait_while_pending(proposal_id: int) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        status = Proposal.objects.values_list("status", flat=True).get(pk=proposal_id)
        if status != ProposalStatus.PENDING:
            return status
        time.sleep(0.2)
    return ProposalStatus.PENDING


def test_a_large_household_gets_202_and_the_worker_computes_it(
    world: World,
    api_as: Any,
    drifted: tuple[InvestmentPolicy, Lot],
    settings: Any,
    audit_trail_emptied_after: None,
    celery_worker_on_broker: Any,
) -> None:
    settings.PROPOSAL_ASYNC_LOT_THRESHOLD = 2  # the household has 4 lots
    api = api_as("owner")

    response = propose(api, world)

    assert response.status_code == 202
    proposal_id = response.json()["id"]
    assert response.json() == {"id": proposal_id, "status": "pending"}
    assert _wait_while_pending(proposal_id) == ProposalStatus.DRAFT
    body = api.get(f"/api/v1/proposals/{proposal_id}/").json()
    assert body["status"] == "draft"
    assert any(t["side"] == "sell" for t in body["trades"])
    assert [e["action"] for e in body["audit"]] == ["created", "computed"]

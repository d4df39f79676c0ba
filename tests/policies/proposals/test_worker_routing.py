"""What goes to a worker: anything that may take more than a second, whatever the lot count.

The drifted household has 4 lots, far below ``PROPOSAL_ASYNC_LOT_THRESHOLD``
(2,000), yet a whole-share or minimum-trade proposal is a mixed-integer solve
(a whole-share proposal of a 126-lot household took 108 s in a request): the
POST answers 202 with ``Location`` to poll and the page shows "Computing…".
Tasks run eagerly in tests; ``captureOnCommitCallbacks(execute=True)`` plays the
commit that queues them, as the worker would pick them up.

By hand: VTI is 140 sh at $250 ($35,000) of $74,600; a 30% US-equity target
keeps $22,380, so about 50.48 sh are sold; with whole shares 50 or 51.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import TestCase
from django.urls import reverse

from policies.models import InvestmentPolicy
from policies.proposals.models import Proposal, ProposalStatus
from portfolios.models import Lot
from tests.conftest import World
from tests.policies.proposals.drifted import propose
from tests.policies.proposals.test_pages import form_body

pytestmark = pytest.mark.django_db


def _vti_sold(body: dict[str, Any], world: World) -> Decimal:
    vti = world.securities["VTI"].pk
    return sum(
        (
            Decimal(t["quantity"])
            for t in body["trades"]
            if t["security"] == vti and t["side"] == "sell"
        ),
        Decimal(0),
    )


def test_a_whole_share_proposal_of_a_small_household_is_a_workers_job(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    assert Lot.objects.filter(account__household=world.household).count() == 4

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = propose(api, world, whole_shares=True, min_trade="0")
        assert response.status_code == 202
        proposal_id = response.json()["id"]
        assert response.json() == {"id": proposal_id, "status": "pending"}
        assert response["Location"] == f"/api/v1/proposals/{proposal_id}/"
        assert Proposal.objects.get(pk=proposal_id).status == ProposalStatus.PENDING

    body = api.get(response["Location"]).json()
    assert body["status"] == "draft"
    assert all(
        Decimal(t["quantity"]) == Decimal(t["quantity"]).to_integral() for t in body["trades"]
    )
    assert _vti_sold(body, world) in (Decimal(50), Decimal(51))
    assert [e["action"] for e in body["audit"]] == ["created", "computed"]


def test_a_minimum_trade_is_a_workers_job_too(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        response = propose(api_as("owner"), world, min_trade="100")
    assert response.status_code == 202
    assert len(queued) == 1  # the compute task, queued on commit
    assert Proposal.objects.get(pk=response.json()["id"]).status == ProposalStatus.PENDING


def test_a_fractional_proposal_without_a_minimum_is_still_answered_at_once(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    response = propose(api_as("owner"), world, min_trade="0")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert _vti_sold(response.json(), world) == Decimal("50.48")
    assert "Location" not in response


def test_the_whole_share_form_opens_the_computing_page(
    world: World, client_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    client = client_as("owner")
    url = reverse("proposal_new", args=[world.household.pk])
    response = client.post(url, form_body(world, whole_shares="on"))
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])
    assert proposal.status == ProposalStatus.PENDING
    html = client.get(response["Location"]).content.decode()
    assert "Computing…" in html
    assert 'hx-trigger="every 2s"' in html

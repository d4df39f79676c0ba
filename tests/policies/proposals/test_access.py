"""The access matrix of every proposal and implementation-plan endpoint.

Reading: whoever sees the household (CAN_VIEW). Requesting, approving,
rejecting, executing and planning: CAN_EDIT_POLICY; operations staff and the
client get 403; anyone who cannot see the household 404; anonymous 401.
The client, as on the pages, reads only approved and executed proposals (a
draft is 404, so acting on one is 404 too), no implementation plan and no
order file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from policies.models import InvestmentPolicy
from policies.proposals.models import ImplementationPlan, Proposal
from policies.proposals.plans import implementation_plan_create
from policies.proposals.services import ProposalRequest, proposal_approve, proposal_create
from portfolios.models import Lot
from tests.conftest import CAN_EDIT_POLICY, CAN_VIEW, PERSONAS, World
from tests.policies.proposals.drifted import AS_OF

pytestmark = pytest.mark.django_db


# What the client gets where the matrix's general rule does not apply: the
# proposals below are drafts, which a client cannot see.
CLIENT_ANSWERS = {
    "proposal GET": 404,
    "approve": 404,
    "reject": 404,
    "orders.csv": 403,  # the order file's proposal is approved: seen, but no order file
    "implementation plan GET": 404,
}


def _expected(persona: str, *, write: bool, ok: int, name: str = "") -> int:
    if persona == "anonymous":
        return 401
    if persona == "client" and name in CLIENT_ANSWERS:
        return CLIENT_ANSWERS[name]
    allowed = CAN_EDIT_POLICY if write else CAN_VIEW
    if persona in allowed:
        return ok
    return 403 if persona in CAN_VIEW else 404


def _proposal(world: World, *, approved: bool = False) -> Proposal:
    owner = world.user("owner")
    proposal = proposal_create(
        household=world.household, user=owner, request=ProposalRequest(as_of=AS_OF)
    )
    return proposal_approve(proposal=proposal, user=owner) if approved else proposal


def _plan(world: World) -> ImplementationPlan:
    return implementation_plan_create(
        household=world.household,
        user=world.user("owner"),
        months=3,
        start=AS_OF,
        request=ProposalRequest(as_of=AS_OF),
    )


Call = Callable[[Any, World], Any]
ENDPOINTS: list[tuple[str, bool, int, Call]] = [
    # (name, needs EDIT_POLICY, success status, call)
    (
        "household proposals GET",
        False,
        200,
        lambda api, w: api.get(f"/api/v1/households/{w.household.pk}/proposals/"),
    ),
    (
        "household proposals POST",
        True,
        201,
        lambda api, w: api.post(
            f"/api/v1/households/{w.household.pk}/proposals/",
            {"as_of": AS_OF.isoformat()},
            format="json",
        ),
    ),
    (
        "proposal GET",
        False,
        200,
        lambda api, w: api.get(f"/api/v1/proposals/{_proposal(w).pk}/"),
    ),
    (
        "approve",
        True,
        200,
        lambda api, w: api.post(f"/api/v1/proposals/{_proposal(w).pk}/approve/"),
    ),
    (
        "reject",
        True,
        200,
        lambda api, w: api.post(f"/api/v1/proposals/{_proposal(w).pk}/reject/"),
    ),
    (
        "orders.csv",
        False,
        200,
        # only an approved proposal has an order file
        lambda api, w: api.get(f"/api/v1/proposals/{_proposal(w, approved=True).pk}/orders.csv"),
    ),
    (
        "implementation plans GET",
        False,
        200,
        lambda api, w: api.get(f"/api/v1/households/{w.household.pk}/implementation-plans/"),
    ),
    (
        "implementation plans POST",
        True,
        201,
        lambda api, w: api.post(
            f"/api/v1/households/{w.household.pk}/implementation-plans/",
            {"months": 3, "start": "2026-12-01", "as_of": AS_OF.isoformat()},
            format="json",
        ),
    ),
    (
        "implementation plan GET",
        False,
        200,
        lambda api, w: api.get(f"/api/v1/implementation-plans/{_plan(w).pk}/"),
    ),
    # last: executing brings the household to its targets
    (
        "execute",
        True,
        200,
        lambda api, w: api.post(f"/api/v1/proposals/{_proposal(w, approved=True).pk}/execute/"),
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix_of_every_endpoint(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot], persona: str
) -> None:
    api = api_as(persona)
    answers = {name: call(api, world).status_code for name, _, _, call in ENDPOINTS}
    expected = {
        name: _expected(persona, write=write, ok=ok, name=name) for name, write, ok, _ in ENDPOINTS
    }
    assert answers == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_proposal_list_shows_only_visible_households(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot], persona: str
) -> None:
    proposal = _proposal(world)
    response = api_as(persona).get("/api/v1/proposals/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    ids = [p["id"] for p in response.json()["results"]]
    assert ids == ([proposal.pk] if persona in CAN_VIEW - {"client"} else [])


def test_the_client_reads_approved_proposals_but_no_drafts_plans_or_orders(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    # given: a draft, an approved proposal and an implementation plan
    draft = _proposal(world)
    approved = _proposal(world, approved=True)
    plan = _plan(world)
    client = api_as("client")
    # then: the client lists and reads the approved one only, as the pages show
    listed = client.get(f"/api/v1/households/{world.household.pk}/proposals/").json()
    assert [p["id"] for p in listed["results"]] == [approved.pk]
    assert client.get(f"/api/v1/proposals/{approved.pk}/").status_code == 200
    assert client.get(f"/api/v1/proposals/{draft.pk}/").status_code == 404
    # the order file is the staff's, and implementation plans are the advisor's
    assert client.get(f"/api/v1/proposals/{approved.pk}/orders.csv").status_code == 403
    assert client.get(f"/api/v1/implementation-plans/{plan.pk}/").status_code == 404
    plans = client.get(f"/api/v1/households/{world.household.pk}/implementation-plans/")
    assert plans.status_code == 200
    assert plans.json()["results"] == []


def test_a_refused_action_changes_nothing(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    proposal = _proposal(world, approved=True)
    lots = list(Lot.objects.values_list("pk", "quantity"))
    for persona in ("operations", "client", "other_advisor", "foreign_advisor"):
        api_as(persona).post(f"/api/v1/proposals/{proposal.pk}/execute/")
        api_as(persona).post(f"/api/v1/proposals/{proposal.pk}/reject/")
    assert Proposal.objects.get(pk=proposal.pk).status == "approved"
    assert list(Lot.objects.values_list("pk", "quantity")) == lots

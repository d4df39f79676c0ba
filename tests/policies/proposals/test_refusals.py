"""Impossible proposals are refused with the reason and write nothing; a new proposal
supersedes the household's older drafts; a plan with no trades is "nothing to do"."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from policies.models import InvestmentPolicy
from policies.proposals.models import AuditEvent, Proposal, ProposalStatus
from policies.proposals.selectors import proposals_awaiting_approval, stale_proposal_ids
from portfolios.models import Lot
from tests.conftest import World
from tests.factories import LotFactory
from tests.policies.proposals.drifted import AS_OF, propose

pytestmark = pytest.mark.django_db


def _refused(response: Any) -> str:
    assert response.status_code == 400
    assert not Proposal.objects.exists()
    (message,) = response.json()["as_of"]
    return str(message)


def test_a_proposal_dated_in_the_future_is_refused(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    message = _refused(propose(api_as("owner"), world, as_of=tomorrow.isoformat()))
    assert "is after today" in message


def test_a_proposal_dated_before_a_lot_was_bought_is_refused(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    # The world's VXUS lot was bought on 1 June 2026 (tests/conftest.py), the newest.
    message = _refused(propose(api_as("owner"), world, as_of="2020-01-01"))
    assert message == (
        "The household holds a lot bought on 1 June 2026: a proposal cannot be dated "
        "before it (1 January 2020)."
    )


def test_a_proposal_dated_before_its_prices_is_refused(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    # Every security is priced on 25 November 2026 (tests/factories.py).
    message = _refused(propose(api_as("owner"), world, as_of="2026-11-24"))
    assert message == (
        "The household's prices are of 25 November 2026: a proposal dated 24 November 2026 "
        "would price that day with later prices."
    )


def test_a_new_proposal_supersedes_the_older_drafts_and_keeps_them(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    first, second = (propose(api, world).json()["id"] for _ in range(2))
    assert Proposal.objects.get(pk=first).status == ProposalStatus.SUPERSEDED
    assert Proposal.objects.get(pk=second).status == ProposalStatus.DRAFT
    assert AuditEvent.objects.filter(proposal_id=first, action="superseded").count() == 1
    owner = world.user("owner")
    assert owner is not None
    assert [p.pk for p in proposals_awaiting_approval(user=owner)] == [second]
    assert api.post(f"/api/v1/proposals/{first}/approve/").status_code == 409


def test_stale_drafts_are_found_in_bulk(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    proposal = Proposal.objects.get(pk=propose(api_as("owner"), world).json()["id"])
    assert stale_proposal_ids([proposal]) == set()
    LotFactory(
        account=world.household.accounts.get(name="Ann IRA"),
        security=world.securities["BND"],
        quantity=Decimal("1"),
        cost_basis=Decimal("70.00"),
        acquired_on=date(2026, 1, 5),
    )
    assert stale_proposal_ids([proposal]) == {proposal.pk}


def test_a_household_at_its_targets_gets_nothing_to_do_not_a_draft(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    done = propose(api, world).json()["id"]
    assert api.post(f"/api/v1/proposals/{done}/approve/").status_code == 200
    assert api.post(f"/api/v1/proposals/{done}/execute/").status_code == 200
    # At its targets now: the next proposal has no trade.
    again = propose(api, world, as_of=AS_OF.isoformat()).json()
    assert again["status"] == "no_trades"
    assert again["trades"] == []
    owner = world.user("owner")
    assert owner is not None
    assert list(proposals_awaiting_approval(user=owner)) == []

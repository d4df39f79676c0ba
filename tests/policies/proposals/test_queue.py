"""The approval queue: drafts of the households the user sees, oldest first; nothing else."""

from __future__ import annotations

import pytest

from policies.proposals.models import ProposalStatus
from policies.proposals.selectors import proposals_awaiting_approval
from tests.conftest import World
from tests.factories import InvestmentPolicyFactory, PolicyTargetFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def test_the_queue_holds_only_drafts_of_households_the_user_sees(world: World) -> None:
    # given: drafts in the household, in another of the firm and in another firm
    first = ProposalFactory(household=world.household)
    second = ProposalFactory(household=world.household)
    ProposalFactory(household=world.household, status=ProposalStatus.FAILED)
    elsewhere = ProposalFactory(household=world.other_household)
    ProposalFactory(household=world.foreign_household)

    # then: the owner sees the household's drafts, oldest first
    owner = world.user("owner")
    assert owner is not None
    assert list(proposals_awaiting_approval(user=owner)) == [first, second]
    # an admin sees every draft of the firm, and no other firm's
    admin = world.user("admin")
    assert admin is not None
    assert set(proposals_awaiting_approval(user=admin)) == {first, second, elsewhere}
    # a client sees no drafts at all
    client = world.user("client")
    assert client is not None
    assert list(proposals_awaiting_approval(user=client)) == []


def test_policy_factories_build_a_version_with_its_target(world: World) -> None:
    target = PolicyTargetFactory(
        policy=InvestmentPolicyFactory(household=world.household),
        asset_class=world.classes["us_equity"],
    )
    assert list(world.household.policies.get().targets.values_list("weight", flat=True)) == [
        target.weight
    ]

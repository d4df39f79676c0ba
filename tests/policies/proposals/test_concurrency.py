"""Races on one proposal or one household: exactly one wins, the other gets 409.

On PostgreSQL (CI) the calls run in two threads with their own connections
and the row locks decide; on SQLite (one writer, no row locks) they run in
turn. The test never skips.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from advisory.api_errors import ConflictError
from policies.models import InvestmentPolicy
from policies.proposals.execution import proposal_execute
from policies.proposals.models import AuditEvent, Proposal, ProposalStatus
from policies.proposals.services import (
    ProposalRequest,
    ProposalStateError,
    StaleProposalError,
    proposal_approve,
    proposal_create,
)
from portfolios.models import Account, Lot, Transaction
from tests.concurrency import at_once
from tests.conftest import World
from tests.policies.proposals.drifted import AS_OF

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_trail_emptied_after"),
]


def _proposal(world: World) -> Proposal:
    return proposal_create(
        household=world.household, user=world.user("owner"), request=ProposalRequest(as_of=AS_OF)
    )


def test_two_approvals_at_once_leave_one(
    world: World, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    proposal = _proposal(world)
    outcomes = at_once(
        [
            lambda: proposal_approve(proposal=proposal, user=world.user("owner")),
            lambda: proposal_approve(proposal=proposal, user=world.user("teammate")),
        ]
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "ProposalStateError"]
    winner = world.user("owner") if outcomes[0] is None else world.user("teammate")
    approved = Proposal.objects.get(pk=proposal.pk)
    assert (approved.status, approved.approved_by) == (ProposalStatus.APPROVED, winner)
    assert AuditEvent.objects.filter(proposal=proposal, action="approved").count() == 1


def test_two_executions_at_once_apply_the_trades_once(
    world: World, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    owner = world.user("owner")
    proposal = proposal_approve(proposal=_proposal(world), user=owner)
    cash_before = sum(Account.objects.values_list("cash", flat=True), Decimal(0))

    outcomes = at_once([lambda: proposal_execute(proposal=proposal, user=owner)] * 2)

    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "ProposalStateError"]
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EXECUTED
    reliefs = sum(t.lots.count() for t in proposal.trades.all())
    buys = proposal.trades.filter(side="buy").count()
    assert Transaction.objects.filter(
        description__startswith=f"Proposal {proposal.pk}"
    ).count() == (reliefs + buys)
    # no cash flows: cash moved by sales less buys, once
    moved = sum(
        (t.amount if t.side == "sell" else -t.amount for t in proposal.trades.all()), Decimal(0)
    )
    assert sum(Account.objects.values_list("cash", flat=True), Decimal(0)) == cash_before + moved


def test_two_proposals_of_one_household_executed_at_once_execute_one(
    world: World, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    owner = world.user("owner")
    first = proposal_approve(proposal=_proposal(world), user=owner)
    second = proposal_approve(proposal=_proposal(world), user=owner)

    outcomes: list[Any] = at_once(
        [
            lambda: proposal_execute(proposal=first, user=owner),
            lambda: proposal_execute(proposal=second, user=owner),
        ]
    )

    assert sum(o is None for o in outcomes) == 1
    loser = next(o for o in outcomes if o is not None)
    assert isinstance(loser, StaleProposalError)
    assert isinstance(loser, ConflictError)
    statuses = sorted(Proposal.objects.values_list("status", flat=True))
    assert statuses == [ProposalStatus.APPROVED, ProposalStatus.EXECUTED]
    assert not isinstance(loser, ProposalStateError)


def test_a_plan_brings_its_own_transaction_for_the_household_lock(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    # Outside a test's transaction (as under a real server), locking the household for
    # update without one was a 500 on PostgreSQL; schemathesis found it.
    from policies.proposals.models import ImplementationPlan
    from tests.policies.proposals.test_harvest_plans import create_plan

    response = create_plan(api_as("owner"), world, start="2027-01-31")

    assert response.status_code == 201, response.content
    assert ImplementationPlan.objects.filter(household=world.household).count() == 1

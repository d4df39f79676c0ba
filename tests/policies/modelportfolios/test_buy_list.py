"""The proposal buys from the model's buy list: the preferred security, or the first
substitute when the preferred one is restricted; a run over a model's followers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from policies.modelportfolios.services import BuyListDraft, ModelDraft, model_create
from policies.proposals.models import Proposal, RebalanceRunItem, RunItemStatus
from policies.proposals.request import ProposalRequest
from policies.proposals.services import proposal_create
from policies.services import PolicyDraft, TargetDraft, policy_create
from portfolios.models import AccountType, Household, Restriction, RestrictionKind
from tests.conftest import World
from tests.factories import AccountFactory, HouseholdFactory
from tests.policies.modelportfolios.conftest import follow

pytestmark = pytest.mark.django_db


def _cash_household(world: World, name: str) -> Household:
    household = HouseholdFactory(firm=world.firm, name=name, primary_advisor=world.user("owner"))
    AccountFactory(
        household=household, name="Brokerage", account_type=AccountType.TAXABLE, cash=Decimal(10000)
    )
    return household


@pytest.fixture
def all_equity(world: World) -> Any:
    """A 100% US equity model buying ITOT, then VTI (VTI has the lower id: the default)."""
    itot, vti = world.securities["ITOT"], world.securities["VTI"]
    assert vti.pk < itot.pk
    return model_create(
        firm_id=world.firm.pk,
        user=None,
        draft=ModelDraft(
            name="All equity",
            targets=(TargetDraft("us_equity", Decimal(1)),),
            buy_list=(BuyListDraft("us_equity", itot.pk, (vti.pk,)),),
        ),
    )


def _bought(proposal: Proposal) -> set[str]:
    return {t.security.symbol for t in proposal.trades.all() if t.side == "buy"}


def test_the_proposal_buys_the_preferred_security(world: World, all_equity: Any) -> None:
    household = _cash_household(world, "Cash Family")
    follow(world, all_equity, household=household)
    proposal = proposal_create(household=household, user=None, request=ProposalRequest())
    assert _bought(proposal) == {"ITOT"}


def test_a_restricted_preferred_security_falls_to_the_substitute(
    world: World, all_equity: Any
) -> None:
    household = _cash_household(world, "Cash Family")
    follow(world, all_equity, household=household)
    Restriction.objects.create(
        household=household,
        security=world.securities["ITOT"],
        kind=RestrictionKind.DO_NOT_BUY,
        reason="Client works for the issuer",
    )
    proposal = proposal_create(household=household, user=None, request=ProposalRequest())
    assert _bought(proposal) == {"VTI"}
    assert any("instead of ITOT" in note for note in proposal.notes)


def test_a_run_over_a_model_proposes_for_its_followers_only(
    world: World, api_as: Any, all_equity: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = _cash_household(world, "First Follower")
    second = _cash_household(world, "Second Follower")
    outsider = _cash_household(world, "Not Following")
    for household in (first, second):
        follow(world, all_equity, household=household)
    follow(world, all_equity, household=outsider)
    # The outsider's active IPS now has its own targets: it no longer follows the model.
    policy_create(
        household=outsider,
        author=None,
        draft=PolicyDraft(targets=(TargetDraft("us_equity", Decimal(1)),), rationale="Own."),
        queue_work=False,
    )
    body = {"selection": "model", "model": all_equity.pk, "min_trade": "0"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("owner").post("/api/v1/rebalance-runs/", body, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["total"] == 2
    items = RebalanceRunItem.objects.filter(run_id=response.json()["id"])
    assert {i.household_id for i in items} == {first.pk, second.pk}
    assert {i.status for i in items} == {RunItemStatus.PROPOSED}
    for item in items:
        assert item.proposal is not None
        assert _bought(item.proposal) == {"ITOT"}


@pytest.mark.parametrize(("model", "message"), [(None, "Name a model"), (987654, "No such")])
def test_a_model_run_needs_a_model_of_the_firm(
    world: World, api_as: Any, model: int | None, message: str
) -> None:
    body = {"selection": "model", "model": model}
    response = api_as("owner").post("/api/v1/rebalance-runs/", body, format="json")
    assert response.status_code == 400
    assert message in response.json()["model"][0]


def test_the_run_page_starts_a_run_over_a_model(
    world: World, client_as: Any, all_equity: Any, django_capture_on_commit_callbacks: Any
) -> None:
    follower = _cash_household(world, "Follower")
    follow(world, all_equity, household=follower)
    form = {"selection": "model", "model": str(all_equity.pk), "mode": "target", "min_trade": "0"}
    page = client_as("owner")

    missing = page.post("/rebalance-runs/", {**form, "model": ""})
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post("/rebalance-runs/", form)

    assert missing.status_code == 400
    assert "Name a model of your firm." in missing.content.decode()
    assert response.status_code == 302
    items = RebalanceRunItem.objects.all()
    assert [i.household_id for i in items] == [follower.pk]

"""Stale proposals say so everywhere: the queue, the household's list and panel, the page, the API.

A proposal is stale once the household's book changed after it was computed
(``selectors.stale_proposal_ids``); it then reads "Stale — re-run", never "Review",
and the re-run computes a new proposal with the same options.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from policies.models import InvestmentPolicy
from policies.proposals.models import Proposal, ProposalStatus
from portfolios.models import Account, Lot
from tests.conftest import World
from tests.policies.proposals.drifted import proposal_of, propose

pytestmark = pytest.mark.django_db

STALE = "Stale — re-run"


@pytest.fixture
def draft(world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]) -> Proposal:
    proposal = proposal_of(propose(api_as("owner"), world))
    assert proposal.status == ProposalStatus.DRAFT
    return proposal


def _change_the_book() -> None:
    Account.objects.filter(name="Joint brokerage").update(cash=Decimal("9000"))


def _pages(world: World) -> dict[str, str]:
    household = world.household.pk
    return {
        "queue": reverse("proposal_queue"),
        "list": reverse("household_proposals", args=[household]),
        "panel": reverse("household_proposals", args=[household]) + "?fragment=panel",
    }


def test_a_fresh_draft_reads_review_and_nothing_stale(
    world: World, client_as: Any, draft: Proposal
) -> None:
    client = client_as("owner")
    pages = {name: client.get(url).content.decode() for name, url in _pages(world).items()}
    assert ">Review<" in pages["queue"]
    assert all(STALE not in html for html in pages.values())
    assert STALE not in client.get(reverse("proposal_detail", args=[draft.pk])).content.decode()


@pytest.mark.parametrize("page", ["queue", "list", "panel"])
def test_a_stale_draft_reads_stale_in_every_list(
    world: World, client_as: Any, draft: Proposal, page: str
) -> None:
    _change_the_book()
    html = client_as("owner").get(_pages(world)[page]).content.decode()
    assert STALE in html
    assert reverse("proposal_rerun", args=[draft.pk]) in html
    assert ">Review<" not in html


def test_the_proposal_page_offers_the_re_run(world: World, client_as: Any, draft: Proposal) -> None:
    _change_the_book()
    html = client_as("owner").get(reverse("proposal_detail", args=[draft.pk])).content.decode()
    assert STALE in html
    assert reverse("proposal_rerun", args=[draft.pk]) in html
    assert ">Approve</button>" not in html


def test_re_run_makes_a_new_fresh_proposal_with_the_same_options(
    world: World, client_as: Any, draft: Proposal
) -> None:
    _change_the_book()
    response = client_as("owner").post(reverse("proposal_rerun", args=[draft.pk]))
    assert response.status_code == 302
    fresh = Proposal.objects.exclude(pk=draft.pk).get(household=world.household)
    assert response["Location"] == reverse("proposal_detail", args=[fresh.pk])
    assert fresh.status == ProposalStatus.DRAFT
    same = {key: value for key, value in draft.options.items() if key != "as_of"}
    assert {key: value for key, value in fresh.options.items() if key != "as_of"} == same
    # the stale draft is kept, superseded by the new one
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.SUPERSEDED
    html = client_as("owner").get(reverse("proposal_queue")).content.decode()
    assert STALE not in html
    assert ">Review<" in html


def test_staff_who_cannot_act_read_stale_without_a_re_run(
    world: World, client_as: Any, draft: Proposal
) -> None:
    _change_the_book()
    client = client_as("operations")
    html = client.get(reverse("proposal_queue")).content.decode()
    assert STALE in html
    assert reverse("proposal_rerun", args=[draft.pk]) not in html
    assert client.post(reverse("proposal_rerun", args=[draft.pk])).status_code == 403
    assert Proposal.objects.filter(household=world.household).count() == 1


def test_the_api_says_stale(world: World, api_as: Any, draft: Proposal) -> None:
    api = api_as("owner")
    detail = f"/api/v1/proposals/{draft.pk}/"
    assert api.get(detail).json()["stale"] is False
    _change_the_book()
    assert api.get(detail).json()["stale"] is True
    listed = api.get("/api/v1/proposals/").json()["results"]
    assert [(row["id"], row["stale"]) for row in listed] == [(draft.pk, True)]
    household = api.get(f"/api/v1/households/{world.household.pk}/proposals/").json()["results"]
    assert [(row["id"], row["stale"]) for row in household] == [(draft.pk, True)]

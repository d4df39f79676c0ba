"""A model change: a draft IPS version for exactly the households following it, with
their overrides; the advisor activates it through the IPS's own activation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from policies.models import InvestmentPolicy, PolicyStatus
from policies.services import OverrideDraft, PolicyDraft, TargetDraft, policy_create
from tests.conftest import World
from tests.factories import HouseholdFactory
from tests.policies.modelportfolios.conftest import follow, make_model

pytestmark = pytest.mark.django_db

API = "/api/v1/models/"
# The model goes from 60/30/10 (us_equity/us_bonds/intl_equity) to 50/40/10.
NEW_TARGETS = [
    {"asset_class": "us_equity", "weight": "0.50"},
    {"asset_class": "us_bonds", "weight": "0.40"},
    {"asset_class": "intl_equity", "weight": "0.10"},
]
# Smith's overrides: international 5 and cash 5 instead of international 10.
INTL = OverrideDraft(
    rationale="Home bias by choice", asset_class="intl_equity", weight=Decimal("0.05")
)
CASH = OverrideDraft(rationale="A year of spending", asset_class="cash", weight=Decimal("0.05"))


def _weights(policy: InvestmentPolicy) -> dict[str, Decimal]:
    return {t.asset_class.code: t.weight for t in policy.targets.all()}


@pytest.fixture
def book(world: World) -> dict[str, Any]:
    model = make_model(world)
    follow(world, model, INTL, CASH)
    follow(world, model, household=world.other_household)
    growth = HouseholdFactory(firm=world.firm, name="Growth Family")
    follow(world, make_model(world, "Growth", us_equity="0.8", us_bonds="0.2"), household=growth)
    own = HouseholdFactory(firm=world.firm, name="Own Targets")
    policy_create(
        household=own,
        author=None,
        draft=PolicyDraft(targets=(TargetDraft("us_equity", Decimal(1)),), rationale="Own."),
        queue_work=False,
    )
    return {"model": model, "growth": growth, "own": own}


def _change(api: Any, model: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = api.patch(f"{API}{model.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    return dict(response.json())


def test_a_change_drafts_for_exactly_the_followers_with_their_overrides(
    world: World, api_as: Any, book: dict[str, Any]
) -> None:
    body = _change(api_as("admin"), book["model"], {"targets": NEW_TARGETS, "note": "Committee"})

    drafts = {d.household_id: d for d in InvestmentPolicy.objects.filter(status="draft")}
    assert set(drafts) == {world.household.pk, world.other_household.pk}
    assert sorted(d["household"] for d in body["drafts"]) == sorted(drafts)
    # Smith: 50/40 with international 5 and cash 5 (its overrides); Jones: the model.
    assert _weights(drafts[world.household.pk]) == {
        "us_equity": Decimal("0.5"),
        "us_bonds": Decimal("0.4"),
        "intl_equity": Decimal("0.05"),
        "cash": Decimal("0.05"),
    }
    assert _weights(drafts[world.other_household.pk])["us_equity"] == Decimal("0.5")
    smith = drafts[world.household.pk]
    assert smith.model_version == 2
    assert "Committee" in smith.rationale
    assert sorted(o.rationale for o in smith.overrides.all()) == [
        "A year of spending",
        "Home bias by choice",
    ]
    active = InvestmentPolicy.objects.get(household=world.household, status="active")
    assert _weights(active)["us_equity"] == Decimal("0.6")  # nothing changed silently


def test_the_advisor_activates_the_draft(world: World, api_as: Any, book: dict[str, Any]) -> None:
    _change(api_as("admin"), book["model"], {"targets": NEW_TARGETS})
    draft = InvestmentPolicy.objects.get(household=world.household, status="draft")

    response = api_as("owner").post(f"/api/v1/policies/{draft.pk}/activate/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    assert response.json()["model_version"] == 2
    previous = InvestmentPolicy.objects.get(household=world.household, version=draft.version - 1)
    assert previous.status == PolicyStatus.SUPERSEDED


def test_a_second_change_replaces_the_first_draft(
    world: World, api_as: Any, book: dict[str, Any]
) -> None:
    _change(api_as("admin"), book["model"], {"targets": NEW_TARGETS})
    again = [
        dict(NEW_TARGETS[0], weight="0.45"),
        dict(NEW_TARGETS[1], weight="0.45"),
        NEW_TARGETS[2],
    ]
    _change(api_as("admin"), book["model"], {"targets": again})
    drafts = InvestmentPolicy.objects.filter(household=world.household, status="draft")
    assert [d.model_version for d in drafts] == [3]


def test_a_rename_makes_no_drafts(world: World, api_as: Any, book: dict[str, Any]) -> None:
    body = _change(api_as("admin"), book["model"], {"name": "Balanced 2027"})
    assert body["drafts"] == []
    assert not InvestmentPolicy.objects.filter(status="draft").exists()


def test_overrides_that_no_longer_fit_are_reported_not_drafted(world: World, api_as: Any) -> None:
    model = make_model(world)
    bonds = OverrideDraft(rationale="Less in bonds", asset_class="us_bonds", weight=Decimal("0.25"))
    follow(world, model, bonds, CASH)  # 60/25/10 + cash 5
    targets = [NEW_TARGETS[0], {"asset_class": "us_bonds", "weight": "0.50"}]

    body = _change(api_as("owner"), model, {"targets": targets})

    # The model is now 50/50; with bonds 25 and cash 5: 50 + 25 + 5 = 80%.
    assert not InvestmentPolicy.objects.filter(status="draft").exists()
    assert [c["household"] for c in body["conflicts"]] == [world.household.pk]
    assert "80%" in body["conflicts"][0]["reason"]

"""/api/v1/households/: round trip, assignments, total value and bad input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from portfolios.models import Account, Household, Lot
from tests.api.conftest import assert_field_error, at_version, url
from tests.conftest import World
from tests.factories import AccountFactory, HouseholdFactory, LotFactory

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Lee Family",
    "filing_status": "single",
    "t_ord": "0.37",
    "t_ltcg": "0.2",
    "t_ret": "0.24",
    "realized_st_ytd": "-1200.50",
    "realized_lt_ytd": "3000",
    "carryforward_st": "0",
    "carryforward_lt": "4500.25",
}


def test_round_trip_as_advisor(world: World, api_as: Any) -> None:
    owner = world.user("owner")
    api = api_as("owner")
    created = api.post(url("households"), NEW)
    assert created.status_code == 201
    body = created.json()
    # An advisor who creates a household is its primary advisor.
    assert body["primary_advisor"] == owner.pk
    assert body["team_members"] == []
    assert body["t_ord"] == "0.370000"
    assert body["realized_st_ytd"] == "-1200.50"
    assert body["carryforward_lt"] == "4500.25"
    assert body["total_value"] == "0.00"
    assert Household.objects.get(pk=body["id"]).firm == world.firm

    changed = api.patch(
        url("households", body["id"]),
        {"carryforward_st": "800", "name": "Lees", "version": body["version"]},
    )
    assert changed.status_code == 200
    assert changed.json()["carryforward_st"] == "800.00"
    assert api.get(url("households", body["id"])).json() == changed.json()

    assert api.delete(url("households", body["id"])).status_code == 204
    assert not Household.objects.filter(pk=body["id"]).exists()
    assert Household.all_objects.get(pk=body["id"]).archived_at is not None  # kept


def test_archiving_a_household_hides_its_book(world: World, api_as: Any) -> None:
    kept = Account.all_objects.filter(household_id=world.household.pk).count()
    assert api_as("admin").delete(url("households", world.household.pk)).status_code == 204
    assert not Account.objects.filter(household_id=world.household.pk).exists()
    assert Account.all_objects.filter(household_id=world.household.pk).count() == kept
    assert not Lot.objects.filter(account__household_id=world.household.pk).exists()


def test_admin_assigns_advisors(world: World, api_as: Any) -> None:
    other, teammate = world.user("other_advisor"), world.user("teammate")
    response = api_as("admin").post(
        url("households"), {**NEW, "primary_advisor": other.pk, "team_members": [teammate.pk]}
    )
    assert response.status_code == 201
    household = Household.objects.get(pk=response.json()["id"])
    assert household.primary_advisor == other
    assert list(household.team_members.all()) == [teammate]


def test_operations_create_unassigned_households(world: World, api_as: Any) -> None:
    response = api_as("operations").post(url("households"), NEW)
    assert response.status_code == 201
    assert response.json()["primary_advisor"] is None


@pytest.mark.parametrize(
    ("persona", "change", "field"),
    [
        ("owner", {"primary_advisor": "other_advisor"}, "primary_advisor"),
        ("owner", {"team_members": ["teammate"]}, "team_members"),
        ("operations", {"primary_advisor": "owner"}, "primary_advisor"),
        # Only the firm's advisors and admins can be assigned.
        ("admin", {"primary_advisor": "client"}, "primary_advisor"),
        ("admin", {"primary_advisor": "foreign_advisor"}, "primary_advisor"),
        ("admin", {"team_members": ["operations"]}, "team_members"),
    ],
)
def test_assignment_rules(
    world: World, api_as: Any, persona: str, change: dict[str, Any], field: str
) -> None:
    def user_id(name: str) -> int:
        return world.users[name].pk

    resolved = {
        key: [user_id(n) for n in value] if isinstance(value, list) else user_id(value)
        for key, value in change.items()
    }
    before = Household.objects.count()
    assert_field_error(api_as(persona).post(url("households"), {**NEW, **resolved}), field)
    assert Household.objects.count() == before


def test_advisor_cannot_reassign_an_existing_household(world: World, api_as: Any) -> None:
    response = api_as("owner").patch(
        url("households", world.household.pk),
        at_version(
            Household, world.household.pk, {"primary_advisor": world.user("other_advisor").pk}
        ),
    )
    assert_field_error(response, "primary_advisor")
    world.household.refresh_from_db()
    assert world.household.primary_advisor == world.user("owner")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"filing_status": "bogus"}, "filing_status"),
        ({"t_ord": "1.2"}, "t_ord"),
        ({"t_ltcg": "-0.1"}, "t_ltcg"),
        ({"t_ret": "NaN"}, "t_ret"),
        ({"carryforward_st": "-5"}, "carryforward_st"),
        ({"carryforward_lt": "12.345"}, "carryforward_lt"),
        ({"realized_st_ytd": "9" * 30}, "realized_st_ytd"),
        ({"realized_lt_ytd": {"amount": 1}}, "realized_lt_ytd"),
    ],
)
def test_bad_input_writes_nothing(
    world: World, api_as: Any, change: dict[str, Any], field: str
) -> None:
    before = Household.objects.count()
    assert_field_error(api_as("owner").post(url("households"), {**NEW, **change}), field)
    assert Household.objects.count() == before


def test_total_value_is_cash_plus_lots_without_double_counting(world: World, api_as: Any) -> None:
    # Joint brokerage: 5000 cash + 100 VTI x 250 + 200 VXUS x 60 = 42,000.00
    # Ann IRA: 1000 cash + 300 BND x 72 = 22,600.00; household 64,600.00.
    response = api_as("owner").get(url("households", world.household.pk))
    assert response.json()["total_value"] == "64600.00"


def test_total_value_rounds_to_cents(world: World, api_as: Any) -> None:
    household = HouseholdFactory(firm=world.firm, primary_advisor=world.user("owner"))
    account = AccountFactory(household=household, cash=Decimal("0.10"))
    # 0.333333 x 100.000000 = 33.3333 -> 33.33; plus 0.10 cash = 33.43
    LotFactory(account=account, security=world.securities["VTI"], quantity=Decimal("0.333333"))
    world.securities["VTI"].price = Decimal("100")
    world.securities["VTI"].save()
    AccountFactory(household=household, cash=Decimal("0"))  # an empty account adds nothing
    response = api_as("owner").get(url("households", household.pk))
    assert response.json()["total_value"] == "33.43"


def test_search_by_name(world: World, api_as: Any) -> None:
    response = api_as("admin").get(url("households"), {"search": "jon"})
    assert [row["name"] for row in response.json()["results"]] == ["Jones Family"]


def test_the_list_shows_each_households_own_team(world: World, api_as: Any) -> None:
    # The list reads every row's team members from one query, not a manager a row.
    teammate, other = world.user("teammate"), world.user("other_advisor")
    world.household.team_members.set([other, teammate])
    second = HouseholdFactory(firm=world.firm, name="Zed Family", primary_advisor=other)
    second.team_members.set([teammate])
    HouseholdFactory(firm=world.firm, name="Young Family", primary_advisor=other)
    api = api_as("admin")
    rows = {r["name"]: r["team_members"] for r in api.get(url("households")).json()["results"]}

    assert rows[world.household.name] == sorted([other.pk, teammate.pk])
    assert rows["Zed Family"] == [teammate.pk]
    assert rows["Young Family"] == []
    one = api.get(f"{url('households')}{second.pk}/").json()
    assert one["team_members"] == [teammate.pk]

"""/api/v1/accounts/: round trip, market value and bad input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from portfolios.models import Account, Person
from tests.api.conftest import assert_field_error, at_version, url
from tests.conftest import World
from tests.factories import LotFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _body(world: World, **change: Any) -> dict[str, Any]:
    ann = Person.objects.get(first_name="Ann")
    return {
        "household": world.household.pk,
        "owner": ann.pk,
        "name": "Ann 401(k)",
        "account_type": "traditional_401k",
        "custodian": "Fidelity",
        "number_last4": "0042",
        "cash": "2500.00",
        "cash_reserve": "100",
        "allowed_asset_classes": ["us_equity", "us_bonds"],
        **change,
    }


def test_round_trip(world: World, api_as: Any) -> None:
    api = api_as("owner")
    created = api.post(url("accounts"), _body(world))
    assert created.status_code == 201
    body = created.json()
    assert body["account_type"] == "traditional_401k"
    assert body["tax_treatment"] == "TRADITIONAL"
    assert body["masked_number"] == "••••0042"
    assert body["cash"] == "2500.00"
    assert body["cash_reserve"] == "100.00"
    assert sorted(body["allowed_asset_classes"]) == ["us_bonds", "us_equity"]
    assert body["market_value"] == "2500.00"

    # 10 VTI at 250.000000 = 2,500.00 more.
    account = Account.objects.get(pk=body["id"])
    LotFactory(account=account, security=world.securities["VTI"], quantity=Decimal("10"))
    changed = api.patch(
        url("accounts", body["id"]),
        {"allowed_asset_classes": [], "cash": "0.5", "version": body["version"]},
    )
    assert changed.status_code == 200
    assert changed.json()["allowed_asset_classes"] == []
    assert changed.json()["market_value"] == "2500.50"
    assert api.get(url("accounts", body["id"])).json() == changed.json()

    assert api.delete(url("accounts", body["id"])).status_code == 204
    assert not Account.objects.filter(pk=body["id"]).exists()


def test_market_value_of_the_world(world: World, api_as: Any) -> None:
    # Joint brokerage: 5000 + 100 x 250 + 200 x 60 = 42,000; Ann IRA: 1000 + 300 x 72 = 22,600.
    listed = api_as("client").get(url("accounts")).json()["results"]
    assert {row["name"]: row["market_value"] for row in listed} == {
        "Joint brokerage": "42000.00",
        "Ann IRA": "22600.00",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"household": None}, "household"),
        ({"name": ""}, "name"),
        ({"account_type": "savings"}, "account_type"),
        ({"cash": "-0.01"}, "cash"),
        ({"cash": "1.234"}, "cash"),
        ({"cash_reserve": "-5"}, "cash_reserve"),
        ({"cash": [1]}, "cash"),
        ({"number_last4": "12a4"}, "number_last4"),
        ({"number_last4": "12345"}, "number_last4"),
        ({"allowed_asset_classes": ["us_equity", "crypto"]}, "allowed_asset_classes"),
        ({"allowed_asset_classes": "us_equity"}, "allowed_asset_classes"),
        ({"owner": 10**6}, "owner"),
    ],
)
def test_bad_input_writes_nothing(
    world: World, api_as: Any, change: dict[str, Any], field: str
) -> None:
    before = Account.objects.count()
    assert_field_error(api_as("owner").post(url("accounts"), _body(world, **change)), field)
    assert Account.objects.count() == before


def test_owner_must_belong_to_the_household(world: World, api_as: Any) -> None:
    jones = PersonFactory(household=world.other_household)
    before = Account.objects.count()
    # The admin sees both households, so the person exists for them: still refused.
    response = api_as("admin").post(url("accounts"), _body(world, owner=jones.pk))
    assert_field_error(response, "owner")
    assert Account.objects.count() == before


def test_household_cannot_change(world: World, api_as: Any) -> None:
    taxable = Account.objects.get(name="Joint brokerage")
    response = api_as("admin").patch(
        url("accounts", taxable.pk),
        at_version(Account, taxable.pk, {"household": world.other_household.pk}),
    )
    assert_field_error(response, "household")


def test_patching_the_owner_checks_the_household(world: World, api_as: Any) -> None:
    taxable = Account.objects.get(name="Joint brokerage")
    jones = PersonFactory(household=world.other_household)
    assert_field_error(
        api_as("admin").patch(
            url("accounts", taxable.pk), at_version(Account, taxable.pk, {"owner": jones.pk})
        ),
        "owner",
    )
    bob = PersonFactory(household=world.household)
    response = api_as("admin").patch(
        url("accounts", taxable.pk), at_version(Account, taxable.pk, {"owner": bob.pk})
    )
    assert response.status_code == 200
    assert response.json()["owner"] == bob.pk


def test_filters(world: World, api_as: Any) -> None:
    api = api_as("admin")
    by_type = api.get(url("accounts"), {"account_type": "traditional_ira"}).json()
    assert [row["name"] for row in by_type["results"]] == ["Ann IRA"]
    by_household = api.get(url("accounts"), {"household": world.other_household.pk}).json()
    assert [row["name"] for row in by_household["results"]] == ["Jones brokerage"]

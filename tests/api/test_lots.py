"""/api/v1/lots/: round trip and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from portfolios.models import Account, Lot
from tests.api.conftest import assert_field_error, at_version, url
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _body(world: World, **change: Any) -> dict[str, Any]:
    return {
        "account": Account.objects.get(name="Ann IRA").pk,
        "security": world.securities["VXUS"].pk,
        "quantity": "12.345678",
        "cost_basis": "740.74",
        "acquired_on": "2025-12-01",
        **change,
    }


def test_round_trip(world: World, api_as: Any) -> None:
    api = api_as("operations")
    created = api.post(url("lots"), _body(world))
    assert created.status_code == 201
    body = created.json()
    assert body["symbol"] == "VXUS"
    assert body["quantity"] == "12.345678"
    assert body["cost_basis"] == "740.74"
    assert body["acquired_on"] == "2025-12-01"

    changed = api.patch(
        url("lots", body["id"]),
        {"quantity": "10", "cost_basis": "600", "version": body["version"]},
    )
    assert changed.status_code == 200
    assert changed.json()["quantity"] == "10.000000"
    assert api.get(url("lots", body["id"])).json() == changed.json()

    assert api.delete(url("lots", body["id"])).status_code == 204
    assert not Lot.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "1e30"}, "quantity"),
        ({"quantity": "1.1234567"}, "quantity"),
        ({"cost_basis": "-10"}, "cost_basis"),
        ({"acquired_on": "2025-13-01"}, "acquired_on"),
        ({"acquired_on": None}, "acquired_on"),
        ({"security": None}, "security"),
        ({"security": "VXUS"}, "security"),
        ({"account": 0}, "account"),
    ],
)
def test_bad_input_writes_nothing(
    world: World, api_as: Any, change: dict[str, Any], field: str
) -> None:
    before = Lot.objects.count()
    assert_field_error(api_as("owner").post(url("lots"), _body(world, **change)), field)
    assert Lot.objects.count() == before


def test_a_security_of_another_firm_does_not_exist(world: World, api_as: Any) -> None:
    foreign_security = world.foreign_household.accounts.get().lots.get().security
    before = Lot.objects.count()
    response = api_as("admin").post(url("lots"), _body(world, security=foreign_security.pk))
    assert_field_error(response, "security")
    assert "does not exist" in response.json()["security"][0]
    assert Lot.objects.count() == before


def test_an_account_of_another_household_does_not_exist(world: World, api_as: Any) -> None:
    jones = world.other_household.accounts.get()
    response = api_as("owner").post(url("lots"), _body(world, account=jones.pk))
    assert_field_error(response, "account")


def test_a_lot_cannot_move_to_another_account(world: World, api_as: Any) -> None:
    lot = Lot.objects.filter(account__name="Ann IRA").get()
    taxable = Account.objects.get(name="Joint brokerage")
    assert_field_error(
        api_as("owner").patch(
            url("lots", lot.pk), at_version(Lot, lot.pk, {"account": taxable.pk})
        ),
        "account",
    )


def test_filters(world: World, api_as: Any) -> None:
    api = api_as("owner")

    def symbols(**params: Any) -> list[str]:
        response = api.get(url("lots"), params)
        assert response.status_code == 200, response.content
        return sorted(row["symbol"] for row in response.json()["results"])

    taxable = Account.objects.get(name="Joint brokerage")
    assert symbols(account=taxable.pk) == ["VTI", "VXUS"]
    assert symbols(household=world.household.pk) == ["BND", "VTI", "VXUS"]
    assert symbols(household=world.other_household.pk) == []  # not theirs: nothing
    assert symbols(security=world.securities["BND"].pk) == ["BND"]
    assert symbols(asset_class="intl_equity") == ["VXUS"]
    assert symbols(symbol="vti") == ["VTI"]
    assert symbols(acquired_after="2021-01-01", acquired_before="2021-12-31") == ["BND"]

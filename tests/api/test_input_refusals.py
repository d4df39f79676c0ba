"""Each input that once answered 500 or was stored wrong (issue 13, items 1 and 2).

Every refusal is a 400 naming the field, nothing is written, and the household's
pages still render afterwards.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from advisory.engine.lots import days_to_long_term, long_term_date
from portfolios.models import Account, Household, Lot, Person, Transaction
from tests.api.conftest import at_version, url
from tests.conftest import World

pytestmark = pytest.mark.django_db


def ira(world: World) -> int:
    return Account.objects.get(name="Ann IRA").pk


def lot_body(world: World, **change: Any) -> dict[str, Any]:
    return {
        "account": ira(world),
        "security": world.securities["VXUS"].pk,
        "quantity": "10",
        "cost_basis": "600.00",
        "acquired_on": "2025-12-01",
        **change,
    }


def still_renders(world: World, client_as: Any) -> None:
    client = client_as("owner")
    assert client.get(f"/households/{world.household.pk}/").status_code == 200
    for account in world.household.accounts.all():
        assert client.get(f"/accounts/{account.pk}/").status_code == 200


@pytest.mark.parametrize(
    "acquired_on", ["9999-12-31", "1899-12-31", "0001-01-01", "tomorrow"], ids=str
)
def test_a_lot_date_outside_1900_to_today_is_refused(
    world: World, api_as: Any, client_as: Any, acquired_on: str
) -> None:
    if acquired_on == "tomorrow":
        acquired_on = (timezone.localdate() + timedelta(days=1)).isoformat()
    before = Lot.objects.count()
    response = api_as("owner").post(url("lots"), lot_body(world, acquired_on=acquired_on))
    assert response.status_code == 400
    assert list(response.json()) == ["acquired_on"]
    assert Lot.objects.count() == before
    still_renders(world, client_as)


def test_the_lot_form_refuses_a_date_in_9999(world: World, client_as: Any) -> None:
    client = client_as("owner")
    before = Lot.objects.count()
    response = client.post(
        f"/accounts/{ira(world)}/lots/new/",
        {
            "security": world.securities["VXUS"].pk,
            "quantity": "10",
            "cost_basis": "600",
            "acquired_on": "9999-12-31",
        },
    )
    assert response.status_code in {200, 400}
    assert b"A lot cannot be acquired in the future." in response.content
    assert Lot.objects.count() == before
    old = client.post(
        f"/accounts/{ira(world)}/lots/new/",
        {
            "security": world.securities["VXUS"].pk,
            "quantity": "1000000000000",
            "cost_basis": "600",
            "acquired_on": "1899-12-31",
        },
    )
    assert b"Cannot be before 1900-01-01." in old.content
    assert b"Ensure this value is less than or equal to 1000000000" in old.content
    assert Lot.objects.count() == before


def test_a_transaction_or_a_birth_date_in_the_future_is_refused(world: World, api_as: Any) -> None:
    api = api_as("owner")
    tx = api.post(
        url("transactions"),
        {"account": ira(world), "kind": "deposit", "trade_date": "9999-12-31", "amount": "100"},
    )
    assert tx.status_code == 400
    assert "trade_date" in tx.json()
    person = api.post(
        url("people"),
        {
            "household": world.household.pk,
            "first_name": "A",
            "last_name": "B",
            "date_of_birth": "9999-12-31",
        },
    )
    assert person.status_code == 400
    assert "date_of_birth" in person.json()


def test_the_holding_period_of_a_far_date_does_not_overflow() -> None:
    # Stored dates are checked, yet the arithmetic must not raise for any date.
    assert long_term_date(date(9999, 12, 31)) == date.max
    assert long_term_date(date(9999, 1, 5)) == date.max  # 10000-01-06 does not exist
    assert (
        days_to_long_term(date(9999, 12, 31), date(2026, 1, 1))
        == (date.max - date(2026, 1, 1)).days
    )
    assert long_term_date(date(2024, 2, 29)) == date(2025, 3, 1)  # unchanged behaviour


def test_a_policy_effective_date_far_away_is_refused(world: World, api_as: Any) -> None:
    from tests.policies.conftest import payload

    api = api_as("owner")
    response = api.post(
        f"/api/v1/households/{world.household.pk}/policy/",
        payload(effective_date="9999-12-31"),
        format="json",
    )
    assert response.status_code == 400
    assert "effective_date" in response.json()


def test_a_lot_of_a_quadrillion_shares_is_refused(world: World, api_as: Any) -> None:
    response = api_as("owner").post(url("lots"), lot_body(world, quantity="1e15"))
    assert response.status_code == 400
    assert "quantity" in response.json()
    huge = api_as("owner").post(url("lots"), lot_body(world, quantity="1000000000000"))
    assert huge.status_code == 400
    assert "quantity" in huge.json()
    ok = api_as("owner").post(url("lots"), lot_body(world, quantity="1000000000"))
    assert ok.status_code == 201  # one billion shares is the stated maximum


def test_the_schema_states_the_maxima(api_as: Any) -> None:
    schema = api_as("owner").get("/api/v1/schema/?format=json").json()
    lot = schema["components"]["schemas"]["LotRequest"]["properties"]
    # Decimals are strings: JSON Schema's maximum is for numbers, so x-maximum and words.
    assert lot["quantity"]["x-maximum"] == 1_000_000_000
    assert "at most 1,000,000,000" in lot["quantity"]["description"]
    assert lot["cost_basis"]["x-maximum"] == 100_000_000_000
    security = schema["components"]["schemas"]["SecurityRequest"]["properties"]
    assert security["price"]["x-maximum"] == 10_000_000


@pytest.mark.parametrize(
    ("kind", "amount"),
    [("deposit", "-100"), ("dividend", "-5"), ("withdrawal", "100"), ("fee", "2")],
)
def test_an_amount_of_the_wrong_sign_is_refused(
    world: World, api_as: Any, kind: str, amount: str
) -> None:
    before = Transaction.objects.count()
    response = api_as("owner").post(
        url("transactions"),
        {"account": ira(world), "kind": kind, "trade_date": "2026-01-05", "amount": amount},
    )
    assert response.status_code == 400
    assert "amount" in response.json()
    assert Transaction.objects.count() == before


def test_a_deposit_of_100_is_accepted(world: World, api_as: Any) -> None:
    response = api_as("owner").post(
        url("transactions"),
        {"account": ira(world), "kind": "deposit", "trade_date": "2026-01-05", "amount": "100"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("account", [1.5, True, "1.0", "abc"])
def test_an_account_id_that_is_not_a_whole_number_is_refused(
    world: World, api_as: Any, account: Any
) -> None:
    before = Lot.objects.count()
    response = api_as("owner").post(url("lots"), lot_body(world, account=account), format="json")
    assert response.status_code == 400
    assert "account" in response.json()
    assert Lot.objects.count() == before


@pytest.mark.parametrize(
    "name", ["Smith\u202eylimaF", "Smith\x07", "Smith\nFamily", "Sm\u2066ith"], ids=repr
)
def test_control_and_bidi_characters_in_names_are_refused(
    world: World, api_as: Any, client_as: Any, name: str
) -> None:
    api = api_as("owner")
    household = api.patch(
        url("households", world.household.pk),
        at_version(Household, world.household.pk, {"name": name}),
        format="json",
    )
    assert household.status_code == 400
    assert "name" in household.json()
    person = api.post(
        url("people"),
        {"household": world.household.pk, "first_name": name, "last_name": "B"},
        format="json",
    )
    assert person.status_code == 400
    assert "first_name" in person.json()
    assert Household.objects.get(pk=world.household.pk).name == "Smith Family"
    assert not Person.objects.filter(first_name=name).exists()
    still_renders(world, client_as)


def test_the_household_form_refuses_a_bidi_override(world: World, client_as: Any) -> None:
    client = client_as("owner")
    page = client.get(f"/households/{world.household.pk}/edit/")
    assert page.status_code == 200
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    form["name"] = "Smith\u202eFamily"
    response = client.post(f"/households/{world.household.pk}/edit/", form)
    assert response.status_code in {200, 400}
    assert b"Direction-changing characters are not allowed." in response.content


def test_nul_in_an_asset_class_lookup_is_a_400(world: World, api_as: Any) -> None:
    api = api_as("admin")
    account = api.patch(
        url("accounts", ira(world)),
        at_version(Account, ira(world), {"allowed_asset_classes": ["us_\x00equity"]}),
        format="json",
    )
    assert account.status_code == 400
    assert "allowed_asset_classes" in account.json()
    security = api.patch(
        url("securities", world.securities["VTI"].pk), {"asset_class": "us\x00"}, format="json"
    )
    assert security.status_code == 400
    assert "asset_class" in security.json()


def test_nul_in_a_filter_is_a_400(world: World, api_as: Any) -> None:
    response = api_as("owner").get("/api/v1/proposals/?status=draft%00")
    assert response.status_code == 400
    assert "status" in response.json()


def test_nul_in_a_csv_cell_is_reported_by_row(world: World, api_as: Any) -> None:
    from tests.factories import csv_bytes

    body = csv_bytes(
        [
            ["account", "symbol", "quantity", "cost_basis", "acquired_on"],
            [ira(world), "VX\x00US", "1", "10", "2025-01-02"],
        ]
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("lots.csv", body, content_type="text/csv")
    response = api_as("owner").post("/api/v1/imports/lots/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "Row 2 holds a NUL byte" in json.dumps(response.json())
    assert not Lot.objects.filter(security__symbol__startswith="VX", quantity=1).exists()


def test_prices_of_a_security_id_that_is_not_a_number_are_a_400(api_as: Any, world: World) -> None:
    response = api_as("owner").get("/api/v1/securities/abc/prices/")
    assert response.status_code == 400
    assert "id" in response.json()


def test_a_body_of_5000_nested_arrays_is_a_400(world: World, api_as: Any) -> None:
    body = "[" * 5000 + "]" * 5000
    response = api_as("owner").generic("POST", url("lots"), body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5"])
def test_a_page_that_is_not_a_positive_whole_number_is_a_400(
    world: World, api_as: Any, page: str
) -> None:
    response = api_as("owner").get(f"{url('households')}?page={page}")
    assert response.status_code == 400
    assert "page" in response.json()
    assert api_as("owner").get(f"{url('households')}?page=1").status_code == 200
    assert api_as("owner").get(f"{url('households')}?page=last").status_code == 200

"""Concurrent edits are detected: an edit names the version it read; a stale one is refused.

API: ``version`` in every answer, required on PATCH, 409 ``code: conflict`` when stale.
Pages: the edit form carries the version (hidden); a stale one is a form error. Either
way nothing of the stale edit is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F

from portfolios.models import Account, Lot, Person
from tests.api.conftest import url
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _vti_lot(world: World) -> Lot:
    return Lot.objects.get(account=_taxable(world), security=world.securities["VTI"])


def _ann(world: World) -> Person:
    return Person.objects.get(first_name="Ann")


# kind -> (the row, two different changes of one field, that field)
EDITS: dict[str, tuple[Callable[[World], Any], tuple[str, str], str]] = {
    "households": (lambda w: w.household, ("Smith-Lee Family", "Smith Household"), "name"),
    "people": (_ann, ("Annie", "Anna"), "first_name"),
    "accounts": (_taxable, ("Fidelity", "Schwab"), "custodian"),
    "lots": (_vti_lot, ("90.000000", "80.000000"), "quantity"),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_a_stale_patch_is_409_and_saves_nothing(world: World, api_as: Any, kind: str) -> None:
    row_of, (first, second), field = EDITS[kind]
    row = row_of(world)
    api = api_as("owner")
    read = api.get(url(kind, row.pk)).json()
    version = read["version"]

    # Two editors read the same version; the first one's change is saved ...
    saved = api.patch(url(kind, row.pk), {field: first, "version": version})
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == version + 1
    # ... the second one's is refused, and the first change stands.
    stale = api_as("teammate").patch(url(kind, row.pk), {field: second, "version": version})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert "changed" in stale.json()["detail"]
    after = api.get(url(kind, row.pk)).json()
    assert after[field] == first
    assert after["version"] == version + 1


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_a_patch_without_a_version_is_400(world: World, api_as: Any, kind: str) -> None:
    row_of, (first, _), field = EDITS[kind]
    row = row_of(world)
    before = api_as("owner").get(url(kind, row.pk)).json()
    response = api_as("owner").patch(url(kind, row.pk), {field: first})
    assert response.status_code == 400
    assert "version" in response.json()
    assert api_as("owner").get(url(kind, row.pk)).json() == before


def test_a_version_that_is_not_a_number_is_400(world: World, api_as: Any) -> None:
    response = api_as("owner").patch(
        url("lots", _vti_lot(world).pk), {"quantity": "90", "version": "latest"}
    )
    assert response.status_code == 400
    assert "version" in response.json()


def test_any_write_moves_the_version_on_even_a_bulk_update(world: World, api_as: Any) -> None:
    account = _taxable(world)
    version = api_as("owner").get(url("accounts", account.pk)).json()["version"]
    # An execution or an import writes the cash without the API: the version still moves.
    Account.objects.filter(pk=account.pk).update(cash=Decimal("7000.00"))
    response = api_as("owner").patch(
        url("accounts", account.pk), {"cash": "5000.00", "version": version}
    )
    assert response.status_code == 409
    assert Account.objects.get(pk=account.pk).cash == Decimal("7000.00")


# kind -> (the edit page, the form's data, the row)
def _forms(world: World) -> dict[str, tuple[str, dict[str, str], Any]]:
    household, ann, account, lot = world.household, _ann(world), _taxable(world), _vti_lot(world)
    return {
        "households": (
            f"/households/{household.pk}/edit/",
            {
                "name": "Smith Household",
                "filing_status": "married_joint",
                **dict.fromkeys(("t_ord", "t_ltcg", "t_ret"), "20"),
                **dict.fromkeys(("realized_st_ytd", "realized_lt_ytd"), "0"),
                **dict.fromkeys(("carryforward_st", "carryforward_lt"), "0"),
                "notes": "",
            },
            household,
        ),
        "people": (
            f"/people/{ann.pk}/edit/",
            {"first_name": "Annie", "last_name": "Smith", "date_of_birth": "1962-04-02"},
            ann,
        ),
        "accounts": (
            f"/accounts/{account.pk}/edit/",
            {"name": "Joint taxable", "account_type": "taxable", "owner": "", "cash": "5000.00"}
            | {"cash_reserve": "0", "custodian": "", "number_last4": ""},
            account,
        ),
        "lots": (
            f"/lots/{lot.pk}/edit/",
            {"security": str(world.securities["VTI"].pk), "quantity": "101"}
            | {"cost_basis": "15000.00", "acquired_on": "2020-01-15"},
            lot,
        ),
    }


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_a_stale_form_is_refused_with_who_and_nothing_saved(
    world: World, client_as: Any, kind: str
) -> None:
    page, data, row = _forms(world)[kind]
    client = client_as("owner")
    opened = client.get(page)
    version = opened.context["form"]["version"].value()
    assert f'name="version" value="{version}"' in opened.text  # hidden in the page
    # Someone else saves the row after the form was opened.
    model = type(row)
    model.objects.filter(pk=row.pk).update(version=F("version"))
    before = model.objects.filter(pk=row.pk).values().get()

    response = client.post(page, {**data, "version": str(version)})
    assert response.status_code == 400
    assert "This record was changed by" in response.text
    assert "reload it" in response.text
    assert model.objects.filter(pk=row.pk).values().get() == before


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_a_current_form_saves_and_moves_the_version(
    world: World, client_as: Any, kind: str
) -> None:
    page, data, row = _forms(world)[kind]
    model = type(row)
    version = model.objects.get(pk=row.pk).version
    response = client_as("owner").post(page, {**data, "version": str(version)})
    assert response.status_code == 302, response.content[:3000]
    assert model.objects.get(pk=row.pk).version == version + 1


def test_a_form_edit_of_an_archived_record_is_refused(world: World, client_as: Any) -> None:
    page, data, lot = _forms(world)["lots"]
    client = client_as("owner")
    version = client.get(page).context["form"]["version"].value()
    Lot.objects.filter(pk=lot.pk).update(archived_at="2026-11-30T10:00:00Z")
    assert client.post(page, {**data, "version": str(version)}).status_code == 404
    assert Lot.all_objects.get(pk=lot.pk).quantity == Decimal("100")

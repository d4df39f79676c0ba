"""Ownership rules: a tax-advantaged account has one owner of its household; joint is taxable only.

Through the API, the account form and the person delete page; every refusal leaves the book
as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from portfolios.forms import AccountForm
from portfolios.models import Account, Household, Person
from tests.api.conftest import assert_field_error, at_version, url
from tests.conftest import World
from tests.factories import AccountFactory, PersonFactory

pytestmark = pytest.mark.django_db

TAX_ADVANTAGED = ("traditional_ira", "roth_ira", "traditional_401k", "roth_401k", "hsa")


def _ann() -> Person:
    return Person.objects.get(first_name="Ann")


def _body(world: World, **change: Any) -> dict[str, Any]:
    return {
        "household": world.household.pk,
        "owner": None,
        "name": "New account",
        "account_type": "taxable",
        "custodian": "Fidelity",
        "cash": "100.00",
        "cash_reserve": "0",
        **change,
    }


# --- the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("account_type", TAX_ADVANTAGED)
def test_api_refuses_a_tax_advantaged_account_without_owner(
    world: World, api_as: Any, account_type: str
) -> None:
    before = Account.objects.count()
    response = api_as("owner").post(url("accounts"), _body(world, account_type=account_type))
    assert_field_error(response, "owner")
    assert "exactly one owner" in response.json()["owner"][0]
    assert Account.objects.count() == before


def test_api_accepts_a_joint_taxable_account_and_an_owned_ira(world: World, api_as: Any) -> None:
    api = api_as("owner")
    joint = api.post(url("accounts"), _body(world, name="Joint two"))
    assert joint.status_code == 201, joint.content
    assert joint.json()["owner"] is None
    owned = api.post(url("accounts"), _body(world, account_type="hsa", owner=_ann().pk))
    assert owned.status_code == 201, owned.content
    assert owned.json()["owner"] == _ann().pk


def test_api_refuses_an_owner_of_another_household(world: World, api_as: Any) -> None:
    # The firm admin may write both households, so only the ownership rule stands in the way.
    stranger = PersonFactory(household=world.other_household)
    before = Account.objects.count()
    response = api_as("admin").post(
        url("accounts"), _body(world, account_type="roth_ira", owner=stranger.pk)
    )
    assert_field_error(response, "owner")
    assert response.json()["owner"] == ["The owner must be a person of the account's household."]
    assert Account.objects.count() == before


def test_api_patch_may_not_leave_an_ira_without_owner(world: World, api_as: Any) -> None:
    ira = Account.objects.get(name="Ann IRA")
    response = api_as("owner").patch(
        url("accounts", ira.pk), at_version(Account, ira.pk, {"owner": None})
    )
    assert_field_error(response, "owner")
    ira.refresh_from_db()
    assert ira.owner_id == _ann().pk


def test_api_patch_may_not_turn_a_joint_account_into_an_ira(world: World, api_as: Any) -> None:
    joint = AccountFactory(household=world.household, name="Joint two")
    response = api_as("owner").patch(
        url("accounts", joint.pk), at_version(Account, joint.pk, {"account_type": "roth_ira"})
    )
    assert_field_error(response, "owner")
    joint.refresh_from_db()
    assert (joint.account_type, joint.owner_id) == ("taxable", None)


def test_api_refuses_to_delete_a_person_who_owns_accounts(world: World, api_as: Any) -> None:
    ann = _ann()
    response = api_as("owner").delete(url("people", ann.pk))
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "owns_accounts"
    assert "Ann IRA" in body["detail"]
    assert "Joint brokerage" in body["detail"]
    assert Person.objects.filter(pk=ann.pk).exists()
    assert Account.objects.filter(owner=ann).count() == 2


def test_api_deletes_a_person_who_owns_nothing(world: World, api_as: Any) -> None:
    bob = PersonFactory(household=world.household, first_name="Bob")
    assert api_as("owner").delete(url("people", bob.pk)).status_code == 204
    assert not Person.objects.filter(pk=bob.pk).exists()


# --- the account form ----------------------------------------------------------------------


def _account_form(world: World, **changes: str) -> AccountForm:
    data = {
        "name": "Form account",
        "account_type": "roth_ira",
        "owner": "",
        "custodian": "Vanguard",
        "cash": "10.00",
        "cash_reserve": "0",
        **changes,
    }
    return AccountForm(data, instance=Account(household=world.household), household=world.household)


@pytest.mark.parametrize(
    ("account_type", "owner", "valid"),
    [
        ("taxable", "", True),
        ("taxable", "ann", True),
        ("roth_ira", "", False),
        ("traditional_401k", "", False),
        ("hsa", "", False),
        ("hsa", "ann", True),
        ("traditional_ira", "stranger", False),
    ],
)
def test_account_form_ownership(world: World, account_type: str, owner: str, valid: bool) -> None:
    people = {
        "": "",
        "ann": str(_ann().pk),
        "stranger": str(PersonFactory(household=world.other_household).pk),
    }
    form = _account_form(world, account_type=account_type, owner=people[owner])
    assert form.is_valid() is valid, form.errors
    if not valid:
        assert "owner" in form.errors


def test_account_form_refusal_saves_nothing(world: World, client_as: Any) -> None:
    before = Account.objects.count()
    response = client_as("owner").post(
        f"/households/{world.household.pk}/accounts/new/",
        {"name": "No owner", "account_type": "hsa", "owner": "", "cash": "0", "cash_reserve": "0"},
    )
    assert response.status_code == 400
    assert "exactly one owner" in response.content.decode()
    assert Account.objects.count() == before


# --- the person delete page ----------------------------------------------------------------


def _delete_page(world: World) -> str:
    return f"/people/{_ann().pk}/delete/"


def test_delete_page_names_the_accounts_and_offers_reassigning(
    world: World, client_as: Any
) -> None:
    PersonFactory(household=world.household, first_name="Bob", last_name="Smith")
    page = client_as("owner").get(_delete_page(world)).content.decode()
    assert "Ann Smith owns 2 accounts (Ann IRA, Joint brokerage)" in page
    assert "Reassign their accounts to" in page
    assert "Bob Smith" in page


def test_delete_page_without_anyone_else_offers_adding_a_person(
    world: World, client_as: Any
) -> None:
    page = client_as("owner").get(_delete_page(world)).content.decode()
    assert "has nobody else to own them" in page
    assert "Reassign the accounts and remove" not in page


def test_delete_without_reassigning_is_refused(world: World, client_as: Any) -> None:
    PersonFactory(household=world.household, first_name="Bob")
    response = client_as("owner").post(_delete_page(world), {})
    assert response.status_code == 400
    assert Account.objects.filter(owner=_ann()).count() == 2


def test_delete_refuses_an_heir_of_another_household(world: World, client_as: Any) -> None:
    stranger = PersonFactory(household=world.other_household)
    response = client_as("owner").post(_delete_page(world), {"reassign_to": str(stranger.pk)})
    assert response.status_code == 400
    assert Account.objects.filter(owner=_ann()).count() == 2
    assert not Account.objects.filter(owner=stranger).exists()


def test_delete_reassigns_then_removes(world: World, client_as: Any) -> None:
    bob = PersonFactory(household=world.household, first_name="Bob")
    response = client_as("owner").post(_delete_page(world), {"reassign_to": str(bob.pk)})
    assert response.status_code == 302
    assert not Person.objects.filter(first_name="Ann").exists()
    assert set(Account.objects.filter(owner=bob).values_list("name", flat=True)) == {
        "Ann IRA",
        "Joint brokerage",
    }


# --- the database --------------------------------------------------------------------------


def test_database_refuses_an_ira_without_owner(world: World) -> None:
    ira = Account.objects.get(name="Ann IRA")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=ira.pk).update(owner=None)
    ira.refresh_from_db()
    assert ira.owner_id is not None


def test_a_whole_household_still_goes_with_its_people(world: World) -> None:
    Household.objects.filter(pk=world.household.pk).delete()
    assert not Account.objects.filter(name="Ann IRA").exists()
    assert not Person.objects.filter(first_name="Ann").exists()


def test_factory_gives_a_tax_advantaged_account_an_owner(world: World) -> None:
    account = AccountFactory(household=world.household, account_type="roth_401k")
    assert account.owner == _ann()

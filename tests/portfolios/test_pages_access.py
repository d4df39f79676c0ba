"""Every page of the book of record in the access matrix, reads and writes.

Anonymous visitors are sent to the login page; outsiders get 404 (they never
learn the row exists); a reader who tries to write gets 403; nothing changes
unless the persona may change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from portfolios.models import Account, Household, Lot, Person
from tests.conftest import CAN_EDIT_BOOK, CAN_VIEW, PERSONAS, World

pytestmark = pytest.mark.django_db


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _lot(world: World) -> Lot:
    return Lot.objects.filter(account=_taxable(world)).order_by("id").first()


def _person(world: World) -> Person:
    return Person.objects.get(household=world.household, first_name="Ann")


def _person_without_accounts(world: World) -> Person:
    # Ann owns accounts, so she is not archived (refused): archive Cleo instead.
    row, _ = Person.objects.get_or_create(
        household=world.household, first_name="Cleo", defaults={"last_name": "Smith"}
    )
    return row


def _version(model: Any, pk: int) -> str:
    """The row's version, as the edit form carries it (hidden)."""
    return str(model.all_objects.get(pk=pk).version)


READ_PAGES: dict[str, Callable[[World], str]] = {
    "household_detail": lambda w: f"/households/{w.household.pk}/",
    "account_detail": lambda w: f"/accounts/{_taxable(w).pk}/",
    "lot_detail": lambda w: f"/lots/{_lot(w).pk}/",
}

FORM_PAGES: dict[str, Callable[[World], str]] = {
    "household_edit": lambda w: f"/households/{w.household.pk}/edit/",
    "person_create": lambda w: f"/households/{w.household.pk}/people/new/",
    "person_edit": lambda w: f"/people/{_person(w).pk}/edit/",
    "person_delete": lambda w: f"/people/{_person_without_accounts(w).pk}/delete/",
    "account_create": lambda w: f"/households/{w.household.pk}/accounts/new/",
    "account_edit": lambda w: f"/accounts/{_taxable(w).pk}/edit/",
    "account_delete": lambda w: f"/accounts/{_taxable(w).pk}/delete/",
    "lot_create": lambda w: f"/accounts/{_taxable(w).pk}/lots/new/",
    "lot_edit": lambda w: f"/lots/{_lot(w).pk}/edit/",
    "lot_delete": lambda w: f"/lots/{_lot(w).pk}/delete/",
}


def household_data(**changes: str) -> dict[str, str]:
    data = {
        "name": "Smith Household",
        "filing_status": "married_joint",
        "t_ord": "35",
        "t_ltcg": "15",
        "t_ret": "25",
        "realized_st_ytd": "0",
        "realized_lt_ytd": "0",
        "carryforward_st": "0",
        "carryforward_lt": "0",
        "notes": "",
    }
    data.update(changes)
    return data


@dataclass(frozen=True)
class Write:
    """A POST to a page and how to tell that it changed the book."""

    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    changed: Callable[[World], bool]


WRITES: dict[str, Write] = {
    "household_edit": Write(
        FORM_PAGES["household_edit"],
        lambda w: household_data(version=_version(Household, w.household.pk)),
        lambda w: Household.objects.filter(name="Smith Household").exists(),
    ),
    "person_create": Write(
        FORM_PAGES["person_create"],
        lambda w: {"first_name": "Bo", "last_name": "Smith", "date_of_birth": "1990-03-04"},
        lambda w: Person.objects.filter(first_name="Bo").exists(),
    ),
    "person_edit": Write(
        FORM_PAGES["person_edit"],
        lambda w: {
            "first_name": "Annie",
            "last_name": "Smith",
            "date_of_birth": "1962-04-02",
            "version": _version(Person, _person(w).pk),
        },
        lambda w: Person.objects.filter(first_name="Annie").exists(),
    ),
    "person_delete": Write(
        FORM_PAGES["person_delete"],
        lambda w: {},
        lambda w: not Person.objects.filter(first_name="Cleo").exists(),
    ),
    "account_create": Write(
        FORM_PAGES["account_create"],
        lambda w: {
            "name": "Roth for Ann",
            "account_type": "roth_ira",
            "owner": str(_person(w).pk),
            "custodian": "Vanguard",
            "number_last4": "9876",
            "cash": "100.00",
            "cash_reserve": "0",
        },
        lambda w: Account.objects.filter(name="Roth for Ann").exists(),
    ),
    "account_edit": Write(
        FORM_PAGES["account_edit"],
        lambda w: {
            "name": "Joint taxable",
            "account_type": "taxable",
            "owner": "",
            "custodian": "Schwab",
            "number_last4": "1234",
            "cash": "5000.00",
            "cash_reserve": "500.00",
            "version": _version(Account, _taxable(w).pk),
        },
        lambda w: Account.objects.filter(name="Joint taxable").exists(),
    ),
    "account_delete": Write(
        FORM_PAGES["account_delete"],
        lambda w: {},
        lambda w: not Account.objects.filter(name="Joint brokerage").exists(),
    ),
    "lot_create": Write(
        FORM_PAGES["lot_create"],
        lambda w: {
            "security": str(w.securities["BND"].pk),
            "quantity": "12.5",
            "cost_basis": "900.00",
            "acquired_on": "2024-01-02",
        },
        lambda w: Lot.objects.filter(quantity="12.5").exists(),
    ),
    "lot_edit": Write(
        FORM_PAGES["lot_edit"],
        lambda w: {
            "security": str(w.securities["VTI"].pk),
            "quantity": "101",
            "cost_basis": "15000.00",
            "acquired_on": "2020-01-15",
            "version": _version(Lot, _lot(w).pk),
        },
        lambda w: Lot.objects.filter(quantity=101).exists(),
    ),
    "lot_delete": Write(
        FORM_PAGES["lot_delete"],
        lambda w: {},
        lambda w: not Lot.objects.filter(account__name="Joint brokerage", quantity=100).exists(),
    ),
}


def _assert_login_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", sorted(READ_PAGES))
def test_read_pages(world: World, client_as: Any, persona: str, page: str) -> None:
    response = client_as(persona).get(READ_PAGES[page](world))
    if persona == "anonymous":
        _assert_login_redirect(response)
    elif persona in CAN_VIEW:
        assert response.status_code == 200
        assert "Smith Family" in response.text
    else:
        assert response.status_code == 404
        assert "Smith Family" not in response.text


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", sorted(FORM_PAGES))
def test_form_pages_get(world: World, client_as: Any, persona: str, page: str) -> None:
    response = client_as(persona).get(FORM_PAGES[page](world))
    if persona == "anonymous":
        _assert_login_redirect(response)
    elif persona in CAN_EDIT_BOOK:
        assert response.status_code == 200
    elif persona in CAN_VIEW:
        assert response.status_code == 403
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", sorted(WRITES))
def test_writes(world: World, client_as: Any, persona: str, page: str) -> None:
    write = WRITES[page]
    url, data = write.url(world), write.data(world)
    response = client_as(persona).post(url, data)
    if persona == "anonymous":
        _assert_login_redirect(response)
    elif persona in CAN_EDIT_BOOK:
        assert response.status_code == 302, response.content[:2000]
        assert write.changed(world)
        return
    elif persona in CAN_VIEW:
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert not write.changed(world)


@pytest.mark.parametrize("persona", PERSONAS)
def test_dashboard(world: World, client_as: Any, persona: str) -> None:
    response = client_as(persona).get("/")
    if persona == "anonymous":
        _assert_login_redirect(response)
    elif persona in ("client", "other_client"):
        assert response.status_code == 302
        assert response["Location"] == "/portal/"
    else:
        assert response.status_code == 200
        assert ("Smith Family" in response.text) == (persona in CAN_VIEW)
        assert "Foreign Family" not in response.text or persona == "foreign_advisor"


@pytest.mark.parametrize("persona", PERSONAS)
def test_client_portal(world: World, client_as: Any, persona: str) -> None:
    response = client_as(persona).get("/portal/")
    if persona == "anonymous":
        _assert_login_redirect(response)
    elif persona == "client":
        assert response.status_code == 200
        assert "Smith Family" in response.text
        assert "Jones Family" not in response.text
    elif persona == "other_client":
        assert response.status_code == 200
        assert "Jones Family" in response.text
        assert "Smith Family" not in response.text
    else:
        assert response.status_code == 302
        assert response["Location"] == "/"


@pytest.mark.parametrize("persona", PERSONAS)
def test_household_create(world: World, client_as: Any, persona: str) -> None:
    client = client_as(persona)
    response = client.post("/households/new/", household_data(name="Brand New Family"))
    created = Household.objects.filter(name="Brand New Family").first()
    if persona == "anonymous":
        _assert_login_redirect(response)
    elif persona in ("client", "other_client"):
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert created is not None
        user = world.user(persona)
        assert user is not None
        assert created.firm_id == user.membership.firm_id
        # The creator can see what they created: advisors become its primary advisor.
        assert client.get(response["Location"]).status_code == 200
        return
    assert created is None


def test_a_garbage_primary_key_is_404_not_500(world: World, client_as: Any) -> None:
    client = client_as("owner")
    assert client.get("/households/999999/").status_code == 404
    assert client.get("/accounts/999999/edit/").status_code == 404
    assert client.post("/lots/999999/delete/").status_code == 404

"""Forms of the book of record: decimals, choices limited to the firm, errors shown inline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portfolios.forms import AccountForm, HouseholdForm, LotForm, PersonForm
from portfolios.models import Account, Household, Lot, Person, Security
from tests.conftest import World
from tests.portfolios.test_pages_access import household_data

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)


def lot_form(world: World, **changes: str) -> LotForm:
    data = {
        "security": str(world.securities["VTI"].pk),
        "quantity": "10.5",
        "cost_basis": "2500.00",
        "acquired_on": "2024-05-01",
        **changes,
    }
    account = Account.objects.get(name="Joint brokerage")
    return LotForm(data, instance=Lot(account=account), firm_id=world.firm.pk, today=TODAY)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "-5", "Quantity must be more than zero."),
        ("quantity", "0", "Quantity must be more than zero."),
        ("quantity", "1.1234567", "Ensure that there are no more than 6 decimal places."),
        ("quantity", "lots", "Enter a number."),
        ("cost_basis", "100.001", "Ensure that there are no more than 2 decimal places."),
        ("cost_basis", "-1", "Ensure this value is greater than or equal to 0."),
        ("acquired_on", "2026-12-01", "A lot cannot be acquired in the future."),
        ("acquired_on", "yesterday", "Enter a valid date."),
        ("security", "999999", "Select a valid choice."),
    ],
)
def test_lot_form_rejects(world: World, field: str, value: str, message: str) -> None:
    form = lot_form(world, **{field: value})
    assert not form.is_valid()
    assert any(message in error for error in form.errors[field])


def test_lot_form_accepts_six_decimal_quantities(world: World) -> None:
    form = lot_form(world, quantity="0.123456")
    assert form.is_valid(), form.errors
    lot = form.save()
    assert lot.quantity == Decimal("0.123456")


def test_lot_form_offers_only_the_firms_securities(world: World) -> None:
    foreign = Security.objects.exclude(firm=world.firm).first()
    assert foreign is not None
    form = lot_form(world, security=str(foreign.pk))
    assert not form.is_valid()
    assert "security" in form.errors
    choices = {s.pk for s in form.fields["security"].queryset}
    assert choices == {s.pk for s in world.securities.values()}


def account_form(world: World, **changes: Any) -> AccountForm:
    data: dict[str, Any] = {
        "name": "Ann Roth",
        "account_type": "roth_ira",
        "owner": str(Person.objects.get(household=world.household).pk),
        "custodian": "Vanguard",
        "number_last4": "4321",
        "cash": "10.00",
        "cash_reserve": "0",
        **changes,
    }
    return AccountForm(data, instance=Account(household=world.household), household=world.household)


def test_account_owner_is_limited_to_the_households_people(world: World) -> None:
    stranger = Person.objects.create(household=world.other_household, first_name="X", last_name="Y")
    form = account_form(world, owner=str(stranger.pk))
    assert not form.is_valid()
    assert "owner" in form.errors
    own = Person.objects.get(household=world.household)
    assert account_form(world, owner=str(own.pk)).is_valid()


def test_account_menu_is_limited_to_the_firms_classes(world: World) -> None:
    foreign_class = world.other_firm.asset_classes.first()
    assert foreign_class is not None
    form = account_form(world, allowed_asset_classes=[str(foreign_class.pk)])
    assert not form.is_valid()
    assert "allowed_asset_classes" in form.errors
    menu = [str(world.classes["us_equity"].pk), str(world.classes["us_bonds"].pk)]
    form = account_form(world, allowed_asset_classes=menu)
    assert form.is_valid(), form.errors
    account = form.save()
    assert {c.code for c in account.allowed_asset_classes.all()} == {"us_equity", "us_bonds"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cash", "-1"),
        ("cash", "1.005"),
        ("cash_reserve", "-0.01"),
        ("number_last4", "12a4"),
        ("number_last4", "12345"),
        ("account_type", "savings"),
    ],
)
def test_account_form_rejects(world: World, field: str, value: str) -> None:
    form = account_form(world, **{field: value})
    assert not form.is_valid()
    assert field in form.errors


def _household_version(world: World) -> str:
    return str(Household.all_objects.get(pk=world.household.pk).version)


def household_form(world: World, *, can_assign: bool, **changes: Any) -> HouseholdForm:
    return HouseholdForm(
        household_data(**{"version": _household_version(world), **changes}),
        instance=world.household,
        firm_id=world.firm.pk,
        can_assign=can_assign,
    )


def test_rates_are_typed_as_percents_and_stored_as_fractions(world: World) -> None:
    form = household_form(world, can_assign=False, t_ord="37.5", t_ltcg="23.8", t_ret="22")
    assert form.is_valid(), form.errors
    household = form.save()
    household.refresh_from_db()
    assert household.t_ord == Decimal("0.375")
    assert household.t_ltcg == Decimal("0.238")
    assert household.t_ret == Decimal("0.22")
    shown = HouseholdForm(instance=household, firm_id=world.firm.pk, can_assign=False)
    assert shown["t_ord"].value() == "37.5"
    assert shown["t_ret"].value() == "22"  # not "2.2E+1"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("t_ord", "101"),
        ("t_ltcg", "-1"),
        ("t_ret", "twenty"),
        ("carryforward_st", "-100"),
        ("realized_lt_ytd", "12.345"),
        ("filing_status", "complicated"),
        ("name", ""),
    ],
)
def test_household_form_rejects(world: World, field: str, value: str) -> None:
    form = household_form(world, can_assign=False, **{field: value})
    assert not form.is_valid()
    assert field in form.errors


def test_realised_gains_may_be_negative(world: World) -> None:
    form = household_form(world, can_assign=False, realized_st_ytd="-1250.50")
    assert form.is_valid(), form.errors


def test_assignment_choices_are_the_firms_staff(world: World) -> None:
    form = household_form(world, can_assign=True)
    team = {u.email for u in form.fields["team_members"].queryset}
    assert team == {
        "owner@acme.test",
        "teammate@acme.test",
        "other@acme.test",
        "admin@acme.test",
        "ops@acme.test",
    }
    primary = {u.email for u in form.fields["primary_advisor"].queryset}
    assert "ops@acme.test" not in primary
    assert "advisor@rival.test" not in primary
    client = world.user("client")
    assert client is not None
    form = household_form(world, can_assign=True, team_members=[str(client.pk)])
    assert not form.is_valid()
    assert "team_members" in form.errors


def test_only_admins_get_assignment_fields(world: World) -> None:
    assert "primary_advisor" not in household_form(world, can_assign=False).fields
    assert "team_members" in household_form(world, can_assign=True).fields


def test_person_cannot_be_born_in_the_future(world: World) -> None:
    form = PersonForm(
        {"first_name": "Zed", "last_name": "Smith", "date_of_birth": "2027-01-01"},
        instance=Person(household=world.household),
        today=TODAY,
    )
    assert not form.is_valid()
    assert "date_of_birth" in form.errors


# --- through the pages --------------------------------------------------------------------


def test_invalid_lot_shows_inline_errors_tied_to_the_input(world: World, client_as: Any) -> None:
    account = Account.objects.get(name="Joint brokerage")
    response = client_as("owner").post(
        f"/accounts/{account.pk}/lots/new/",
        {"security": str(world.securities["VTI"].pk), "quantity": "-3", "cost_basis": "10"},
    )
    assert response.status_code == 400
    html = response.text
    assert 'id="id_quantity_error"' in html
    assert "Quantity must be more than zero." in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_quantity_helptext id_quantity_error"' in html
    assert 'for="id_quantity"' in html
    assert not Lot.objects.filter(quantity=-3).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"security": "abc", "quantity": "1e999", "cost_basis": "NaN", "acquired_on": "0000-00-00"},
        {"security": "", "quantity": "", "cost_basis": "", "acquired_on": ""},
        {
            "security": "1",
            "quantity": "Infinity",
            "cost_basis": "1" * 30,
            "acquired_on": "2024-1-1",
        },
    ],
)
def test_garbage_is_a_form_error_never_a_500(
    world: World, client_as: Any, data: dict[str, str]
) -> None:
    account = Account.objects.get(name="Joint brokerage")
    response = client_as("owner").post(f"/accounts/{account.pk}/lots/new/", data)
    assert response.status_code == 400
    assert "form-errors" in response.text


def test_advisor_cannot_reassign_by_posting_extra_fields(world: World, client_as: Any) -> None:
    other = world.user("other_advisor")
    assert other is not None
    response = client_as("owner").post(
        f"/households/{world.household.pk}/edit/",
        household_data(
            primary_advisor=str(other.pk),
            team_members=[str(other.pk)],
            version=_household_version(world),
        ),
    )
    assert response.status_code == 302
    world.household.refresh_from_db()
    assert world.household.primary_advisor == world.user("owner")
    assert other not in world.household.team_members.all()


def test_admin_assigns_primary_advisor_and_team(world: World, client_as: Any) -> None:
    other, teammate = world.user("other_advisor"), world.user("teammate")
    assert other is not None
    assert teammate is not None
    response = client_as("admin").post(
        f"/households/{world.household.pk}/edit/",
        household_data(
            primary_advisor=str(other.pk),
            team_members=[str(teammate.pk)],
            version=_household_version(world),
        ),
    )
    assert response.status_code == 302
    household = Household.objects.get(pk=world.household.pk)
    assert household.primary_advisor == other
    assert list(household.team_members.all()) == [teammate]
    # The old primary advisor is off the household now and no longer sees it.
    assert client_as("owner").get(f"/households/{household.pk}/").status_code == 404


def test_advisor_creating_a_household_becomes_its_primary_advisor(
    world: World, client_as: Any
) -> None:
    response = client_as("other_advisor").post("/households/new/", household_data(name="Lee"))
    assert response.status_code == 302
    household = Household.objects.get(name="Lee")
    assert household.primary_advisor == world.user("other_advisor")
    assert household.firm == world.firm


def test_an_invalid_household_is_shown_again_with_errors(world: World, client_as: Any) -> None:
    response = client_as("owner").post(
        f"/households/{world.household.pk}/edit/", household_data(t_ord="150", name="Renamed")
    )
    assert response.status_code == 400
    assert 'id="id_t_ord_error"' in response.text
    assert "Ensure this value is less than or equal to 100." in response.text
    world.household.refresh_from_db()
    assert world.household.name == "Smith Family"

"""The asset-location page (/households/<pk>/location/) and its save button."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from policies.location.models import SavedLocationPlan
from tests.conftest import CAN_EDIT_POLICY, CAN_VIEW, PERSONAS, World
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db

CAN_COMPUTE = {"owner", "teammate", "admin", "operations"}


def page_url(world: World) -> str:
    return reverse("household_location", args=[world.household.pk])


def save_url(world: World) -> str:
    return reverse("household_location_save", args=[world.household.pk])


def test_the_page_shows_the_plan_the_uplift_and_why(world: World, client_as: Any) -> None:
    make_policy(world)
    response = client_as("owner").get(page_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Recommended placement" in html
    assert "Better off after tax" in html
    assert " bp" in html
    assert "Joint brokerage" in html
    assert "Ann IRA" in html
    assert "now $5,000.00" in html  # the brokerage's free cash, held as cash today
    assert "Why each class sits where it does" in html
    assert f"In a taxable account, {world.classes['us_bonds'].name} would lose" in html
    assert "Save as the household's location plan" in html
    assert "No location plan has been saved yet." in html


def test_options_recompute_in_place_with_htmx(world: World, client_as: Any) -> None:
    make_policy(world)
    response = client_as("owner").get(
        page_url(world), {"horizon_years": "7", "basis": "after_tax"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "7 years" in html
    assert "after-tax basis" in html
    assert 'name="horizon_years" value="7"' in html  # the save button keeps the options


def test_bad_options_are_marked_and_nothing_is_computed(world: World, client_as: Any) -> None:
    make_policy(world)
    response = client_as("owner").get(page_url(world), {"horizon_years": "0"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please correct the fields marked below." in html
    assert "Recommended placement" not in html


def test_without_an_ips_the_page_says_so(world: World, client_as: Any) -> None:
    response = client_as("owner").get(page_url(world))
    assert response.status_code == 200
    assert "This household has no active Investment Policy Statement." in response.content.decode()


def test_an_infeasible_household_shows_the_reasons(world: World, client_as: Any) -> None:
    make_policy(world)
    world.household.accounts.get(name="Joint brokerage").allowed_asset_classes.set(
        [world.classes["us_equity"]]
    )
    world.household.accounts.get(name="Ann IRA").allowed_asset_classes.set(
        [world.classes["us_bonds"]]
    )
    response = client_as("owner").get(page_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No placement fits" in html
    assert "of room missing" in html
    assert "Save as the household" not in html


def test_saving_keeps_the_options_and_shows_the_saved_plan(world: World, client_as: Any) -> None:
    make_policy(world)
    client = client_as("owner")
    response = client.post(
        save_url(world), {"horizon_years": "12", "basis": "pre_tax", "churn_penalty_bp": "5"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(page_url(world) + "?")
    plan = SavedLocationPlan.objects.get(household=world.household)
    assert (plan.horizon_years, plan.is_current) == (12, True)
    html = client.get(response["Location"]).content.decode()
    assert "Saved as the household&#x27;s location plan." in html
    assert "The household's location plan" in html
    assert "12 years" in html


def test_saving_an_infeasible_plan_says_why_and_saves_nothing(world: World, client_as: Any) -> None:
    make_policy(world)
    world.household.accounts.get(name="Ann IRA").allowed_asset_classes.set(
        [world.classes["us_bonds"]]
    )
    world.household.accounts.get(name="Joint brokerage").allowed_asset_classes.set(
        [world.classes["us_equity"]]
    )
    client = client_as("owner")
    response = client.post(save_url(world), {}, follow=True)
    assert "No placement fits, so there is no plan to save." in response.content.decode()
    assert not SavedLocationPlan.objects.exists()


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_the_page(world: World, client_as: Any, persona: str) -> None:
    make_policy(world)
    response = client_as(persona).get(page_url(world))
    if persona == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        return
    assert response.status_code == (200 if persona in CAN_VIEW else 404)
    if response.status_code == 200:
        html = response.content.decode()
        assert ("Compute the plan" in html) == (persona in CAN_COMPUTE)
        assert ("Save as the household" in html) == (persona in CAN_EDIT_POLICY)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_save(world: World, client_as: Any, persona: str) -> None:
    make_policy(world)
    response = client_as(persona).post(save_url(world), {})
    if persona == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif persona in CAN_EDIT_POLICY:
        assert response.status_code == 302
    elif persona in CAN_VIEW:
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert SavedLocationPlan.objects.exists() == (persona in CAN_EDIT_POLICY)


def test_a_client_sees_the_saved_plan_only(world: World, client_as: Any) -> None:
    make_policy(world)
    client_as("owner").post(save_url(world), {})
    client = client_as("client")
    html = client.get(page_url(world)).content.decode()
    assert "The household's location plan" in html
    assert "Saved " in html
    assert "Compute the plan" not in html
    assert "Recommended placement" not in html

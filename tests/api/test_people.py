"""/api/v1/people/: round trip and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from portfolios.models import Person
from tests.api.conftest import assert_field_error, at_version, url
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_round_trip(world: World, api_as: Any) -> None:
    api = api_as("teammate")
    created = api.post(
        url("people"),
        {
            "household": world.household.pk,
            "first_name": "Bob",
            "last_name": "Smith",
            "date_of_birth": "1960-08-30",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["household"] == world.household.pk
    assert body["date_of_birth"] == "1960-08-30"

    changed = api.patch(
        url("people", body["id"]), {"date_of_birth": None, "version": body["version"]}
    )
    assert changed.status_code == 200
    assert changed.json()["date_of_birth"] is None
    assert api.get(url("people", body["id"])).json() == changed.json()

    assert api.delete(url("people", body["id"])).status_code == 204
    assert not Person.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"household": None}, "household"),
        ({"household": "abc"}, "household"),
        ({"household": 10**30}, "household"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"date_of_birth": "30/08/1960"}, "date_of_birth"),
    ],
)
def test_bad_input_writes_nothing(
    world: World, api_as: Any, change: dict[str, Any], field: str
) -> None:
    body = {"household": world.household.pk, "first_name": "Bob", "last_name": "Smith"}
    before = Person.objects.count()
    assert_field_error(api_as("owner").post(url("people"), {**body, **change}), field)
    assert Person.objects.count() == before


def test_household_of_another_advisor_does_not_exist_for_me(world: World, api_as: Any) -> None:
    body = {"household": world.other_household.pk, "first_name": "Eve", "last_name": "Jones"}
    response = api_as("owner").post(url("people"), body)
    assert_field_error(response, "household")
    assert "does not exist" in response.json()["household"][0]


def test_a_person_cannot_move_to_another_household(world: World, api_as: Any) -> None:
    ann = Person.objects.get(first_name="Ann")
    response = api_as("admin").patch(
        url("people", ann.pk), at_version(Person, ann.pk, {"household": world.other_household.pk})
    )
    assert_field_error(response, "household")
    ann.refresh_from_db()
    assert ann.household == world.household


def test_filter_by_household(world: World, api_as: Any) -> None:
    api = api_as("admin")
    listed = api.get(url("people"), {"household": world.other_household.pk}).json()
    assert listed["count"] == 0
    listed = api.get(url("people"), {"household": world.household.pk}).json()
    assert [row["first_name"] for row in listed["results"]] == ["Ann"]

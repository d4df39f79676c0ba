"""The access module: who sees and changes which household."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from portfolios.access import Capability, household_for, households_for
from tests.conftest import CAN_EDIT_BOOK, CAN_EDIT_POLICY, CAN_VIEW, PERSONAS, World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_household_visibility(world: World, persona: str) -> None:
    visible = set(households_for(world.user(persona)).values_list("name", flat=True))
    if persona in CAN_VIEW:
        assert "Smith Family" in visible
    else:
        assert "Smith Family" not in visible
    assert "Foreign Family" not in visible or persona == "foreign_advisor"


@pytest.mark.parametrize("persona", PERSONAS)
def test_household_for_answers_404_to_outsiders_and_403_to_readers(
    world: World, persona: str
) -> None:
    user = world.user(persona)
    pk = world.household.pk
    if persona not in CAN_VIEW:
        with pytest.raises(Http404):
            household_for(user, pk)
        return
    assert household_for(user, pk) == world.household
    for capability, allowed in (
        (Capability.EDIT_BOOK, CAN_EDIT_BOOK),
        (Capability.EDIT_POLICY, CAN_EDIT_POLICY),
    ):
        if persona in allowed:
            assert household_for(user, pk, write=capability) == world.household
        else:
            with pytest.raises(PermissionDenied):
                household_for(user, pk, write=capability)


def test_admin_and_operations_see_every_household_of_their_firm_only(world: World) -> None:
    for persona in ("admin", "operations"):
        names = set(households_for(world.user(persona)).values_list("name", flat=True))
        assert names == {"Smith Family", "Jones Family"}


def test_advisor_list_has_no_duplicates_when_primary_and_teammate(world: World) -> None:
    owner = world.user("owner")
    world.household.team_members.add(owner)
    assert list(households_for(owner)) == [world.household]


def test_garbage_primary_key_is_404(world: World) -> None:
    with pytest.raises(Http404):
        household_for(world.user("owner"), "not-a-number")

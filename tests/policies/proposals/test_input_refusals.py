"""Proposal and plan dates outside any sane range are a 400 on the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from policies.models import InvestmentPolicy
from portfolios.models import Lot
from tests.conftest import World
from tests.policies.proposals.drifted import AS_OF, propose

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_proposal_as_of_out_of_range_is_refused(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot], as_of: str
) -> None:
    api = api_as("owner")
    response = propose(api, world, as_of=as_of)
    assert response.status_code == 400
    assert "as_of" in response.json()
    assert api.get(f"/api/v1/households/{world.household.pk}/").status_code == 200


def test_an_implementation_plan_starting_in_9999_is_refused(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    response = api.post(
        f"/api/v1/households/{world.household.pk}/implementation-plans/",
        {"months": 3, "start": "9999-12-31", "as_of": AS_OF.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "start" in response.json()

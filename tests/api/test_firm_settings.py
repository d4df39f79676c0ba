"""GET PATCH /api/v1/firm/ and the firm settings page; proposal defaults reach proposals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from advisory.models import Firm
from tests.conftest import PERSONAS, World
from tests.policies.proposals.drifted import make_drifted, propose

pytestmark = pytest.mark.django_db

STAFF = {"owner", "teammate", "other_advisor", "admin", "operations", "foreign_advisor"}


def test_a_new_firm_has_a_minimum_trade_and_no_four_eyes() -> None:
    firm = Firm.objects.create(name="Fresh Firm")

    assert firm.proposal_defaults == {
        "min_trade": Decimal("100.00"),
        "allow_short_term": True,
        "whole_shares": False,
    }
    assert firm.four_eyes is False


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_reads_the_firm_settings(world: World, api_as: Any, persona: str) -> None:
    response = api_as(persona).get("/api/v1/firm/")

    expected = 200 if persona in STAFF else (401 if persona == "anonymous" else 403)
    assert response.status_code == expected
    if expected == 200:
        firm = world.other_firm if persona == "foreign_advisor" else world.firm
        assert response.json()["name"] == firm.name


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_firm_admins_change_the_settings(world: World, api_as: Any, persona: str) -> None:
    response = api_as(persona).patch("/api/v1/firm/", {"four_eyes": True}, format="json")

    expected = {"admin": 200, "anonymous": 401}.get(persona, 403)
    assert response.status_code == expected
    world.firm.refresh_from_db()
    assert world.firm.four_eyes is (persona == "admin")


def test_an_admin_sets_the_proposal_defaults(world: World, api_as: Any) -> None:
    response = api_as("admin").patch(
        "/api/v1/firm/",
        {"proposal_defaults": {"min_trade": "250.00", "whole_shares": True}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["proposal_defaults"] == {
        "min_trade": "250.00",
        "allow_short_term": True,
        "whole_shares": True,
    }
    world.firm.refresh_from_db()
    assert (world.firm.default_min_trade, world.firm.default_whole_shares) == (Decimal(250), True)


def test_a_negative_minimum_trade_is_a_field_error(world: World, api_as: Any) -> None:
    response = api_as("admin").patch(
        "/api/v1/firm/", {"proposal_defaults": {"min_trade": "-1"}}, format="json"
    )

    assert response.status_code == 400
    assert "min_trade" in str(response.json())
    world.firm.refresh_from_db()
    assert world.firm.default_min_trade == Decimal(0)


def test_a_proposal_that_does_not_say_takes_the_firms_minimum_trade(
    world: World, api_as: Any
) -> None:
    make_drifted(world)
    # Drifted: $74,600 in all; intl equity ($12,000) is $2,920 under its 20% target and
    # cash is 5%: both small buys, which a $5,000 minimum trade forbids.
    world.firm.default_min_trade = Decimal("5000")
    world.firm.save()

    from django.test import TestCase

    api = api_as("owner")
    with TestCase.captureOnCommitCallbacks(execute=True):  # a minimum trade: a worker's job
        accepted = propose(api, world)
    assert accepted.status_code == 202
    defaulted = api.get(accepted["Location"]).json()
    explicit = propose(api, world, min_trade="0").json()

    assert defaulted["options"]["min_trade"] == "5000.00"
    assert all(Decimal(t["amount"]) >= 5000 for t in defaulted["trades"])
    assert explicit["options"]["min_trade"] == "0.00"
    assert any(Decimal(t["amount"]) < 5000 for t in explicit["trades"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_firm_settings_page_is_for_admins(world: World, client_as: Any, persona: str) -> None:
    response = client_as(persona).get("/firm/settings/")

    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if persona == "admin" else 403)


def test_an_admin_saves_the_settings_page(world: World, client_as: Any) -> None:
    response = client_as("admin").post(
        "/firm/settings/",
        {"four_eyes": "on", "default_min_trade": "150", "default_allow_short_term": "on"},
    )

    assert response.status_code == 302
    world.firm.refresh_from_db()
    assert world.firm.four_eyes is True
    assert world.firm.default_min_trade == Decimal(150)
    assert world.firm.default_whole_shares is False

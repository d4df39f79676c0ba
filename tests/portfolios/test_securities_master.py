"""The securities master (admins, operations) and the holdings search ("who holds VTI")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from portfolios.models import Security
from tests.conftest import PERSONAS, World
from tests.factories import LotFactory, SecurityFactory

pytestmark = pytest.mark.django_db

EDITORS = {"admin", "operations"}
STAFF = {"owner", "teammate", "other_advisor", "foreign_advisor", "admin", "operations"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_keeps_the_securities_master(world: World, client_as: Any, persona: str) -> None:
    client = client_as(persona)
    vti = world.securities["VTI"]

    codes = [
        client.get("/securities/").status_code,
        client.get(f"/securities/{vti.pk}/edit/").status_code,
    ]

    if persona == "anonymous":
        assert codes == [302, 302]
    elif persona in EDITORS:
        assert codes == [200, 200]
    else:
        assert codes == [403, 403]


def test_operations_add_a_security_and_edit_its_price(world: World, client_as: Any) -> None:
    client = client_as("operations")

    added = client.post(
        "/securities/",
        {
            "symbol": "schb",
            "name": "Schwab US Broad Market",
            "asset_class": world.classes["us_equity"].pk,
            "substitute_group": "us_broad_2",
            "price": "61.25",
        },
    )
    schb = Security.objects.get(firm=world.firm, symbol="SCHB")
    edited = client.post(
        f"/securities/{schb.pk}/edit/",
        {
            "symbol": "SCHB",
            "name": "Schwab US Broad Market ETF",
            "asset_class": world.classes["us_equity"].pk,
            "substitute_group": "us_total_market",
            "price": "62.00",
            "price_date": "2026-11-25",
        },
    )

    assert (added.status_code, edited.status_code) == (302, 302)
    schb.refresh_from_db()
    assert (schb.price, schb.substitute_group) == (Decimal("62.00"), "us_total_market")


def test_a_symbol_is_one_security_per_firm(world: World, client_as: Any) -> None:
    response = client_as("admin").post(
        "/securities/",
        {
            "symbol": "VTI",
            "name": "Again",
            "asset_class": world.classes["us_equity"].pk,
            "substitute_group": "x",
            "price": "1",
        },
    )

    assert response.status_code == 400
    assert Security.objects.filter(firm=world.firm, symbol="VTI").count() == 1


def test_an_editor_cannot_reach_another_firms_security(world: World, client_as: Any) -> None:
    foreign = SecurityFactory(firm=world.other_firm, symbol="VTI")
    response = client_as("admin").get(f"/securities/{foreign.pk}/edit/")

    assert response.status_code == 404


@time_machine.travel(date(2026, 11, 26), tick=False)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_holds_vti_shows_only_the_households_the_persona_sees(
    world: World, client_as: Any, persona: str
) -> None:
    response = client_as(persona).get("/holdings/?symbol=vti")

    if persona == "anonymous":
        assert response.status_code == 302
        return
    if persona not in STAFF:
        assert response.status_code == 403
        return
    page = response.content.decode()
    sees_smith = persona in {"owner", "teammate", "admin", "operations"}
    sees_jones = persona in {"other_advisor", "admin", "operations"}
    assert ("Smith Family" in page) is sees_smith
    assert ("Jones Family" in page) is sees_jones
    assert "Foreign Family" not in page


@time_machine.travel(date(2026, 11, 26), tick=False)
def test_who_holds_vti_splits_the_gains_by_term(world: World, client_as: Any) -> None:
    taxable = world.household.accounts.get(name="Joint brokerage")
    LotFactory(  # short-term: bought 2026-06-01, 10 sh for $2,600, now $2,500
        account=taxable,
        security=world.securities["VTI"],
        quantity=Decimal(10),
        cost_basis=Decimal(2600),
        acquired_on=date(2026, 6, 1),
    )

    page = client_as("owner").get("/holdings/?symbol=VTI").content.decode()

    # 110 sh at $250 = $27,500; long-term 100 sh: 25,000 - 15,000 = +10,000; short-term -100
    assert "$27,500" in page
    assert "10,000" in page
    assert "100.00" in page

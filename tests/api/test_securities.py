"""/api/v1/securities/ and their price history: round trip and bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portfolios.models import Security
from tests.api.conftest import assert_field_error, url
from tests.conftest import World
from tests.factories import PricePointFactory

pytestmark = pytest.mark.django_db

SCHB = {
    "symbol": "schb",
    "name": "Schwab US Broad Market",
    "asset_class": "us_equity",
    "price": "61.25",
}


def test_round_trip(world: World, api_as: Any) -> None:
    api = api_as("operations")
    created = api.post(url("securities"), SCHB)
    assert created.status_code == 201
    body = created.json()
    # Symbols are kept upper case; each security is its own substitute group by default.
    assert body["symbol"] == "SCHB"
    assert body["substitute_group"] == "schb"
    assert body["asset_class"] == "us_equity"
    assert body["price"] == "61.250000"
    security = Security.objects.get(pk=body["id"])
    assert security.firm == world.firm
    assert security.asset_class == world.classes["us_equity"]

    changed = api.patch(
        url("securities", body["id"]),
        {"price": "62.5", "price_date": "2026-11-27", "asset_class": "intl_equity"},
    )
    assert changed.status_code == 200
    assert changed.json()["price"] == "62.500000"
    assert changed.json()["price_date"] == "2026-11-27"
    assert changed.json()["asset_class"] == "intl_equity"
    assert api.get(url("securities", body["id"])).json() == changed.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"symbol": "vti"}, "symbol"),  # taken, whatever the case
        ({"symbol": ""}, "symbol"),
        ({"asset_class": "nope"}, "asset_class"),
        ({"asset_class": None}, "asset_class"),
        ({"price": "-1"}, "price"),
        ({"price": "1e30"}, "price"),
        ({"price": "12.1234567"}, "price"),
        ({"price_date": "2026-02-30"}, "price_date"),
        ({"name": ["a list"]}, "name"),
    ],
)
def test_bad_input_writes_nothing(
    world: World, api_as: Any, change: dict[str, Any], field: str
) -> None:
    before = Security.objects.count()
    assert_field_error(api_as("admin").post(url("securities"), {**SCHB, **change}), field)
    assert Security.objects.count() == before


def test_filters(world: World, api_as: Any) -> None:
    api = api_as("owner")

    def symbols(**params: str) -> list[str]:
        response = api.get(url("securities"), params)
        assert response.status_code == 200
        return [row["symbol"] for row in response.json()["results"]]

    assert symbols(asset_class="us_equity") == ["ITOT", "VTI"]
    assert symbols(symbol="vxus") == ["VXUS"]
    assert symbols(substitute_group="us_total_market") == ["ITOT", "VTI"]
    assert symbols(search="bn") == ["BND"]


def test_price_history_newest_first_with_date_filters(world: World, api_as: Any) -> None:
    vti = world.securities["VTI"]
    for day, close in ((1, "240"), (2, "245.5"), (3, "250")):
        PricePointFactory(security=vti, date=date(2026, 11, day), close=Decimal(close))
    PricePointFactory(security=world.securities["BND"], date=date(2026, 11, 2))
    prices = f"{url('securities', vti.pk)}prices/"
    api = api_as("client")

    everything = api.get(prices).json()
    assert everything["count"] == 3
    assert everything["results"][0] == {"date": "2026-11-03", "close": "250.000000"}

    window = api.get(prices, {"after": "2026-11-02", "before": "2026-11-02"}).json()
    assert window["results"] == [{"date": "2026-11-02", "close": "245.500000"}]

    assert_field_error(api.get(prices, {"after": "yesterday"}), "after")

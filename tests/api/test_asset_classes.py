"""/api/v1/asset-classes/: round trip and bad input (firm admins write)."""

from __future__ import annotations

from typing import Any

import pytest

from portfolios.models import AssetClass
from tests.api.conftest import assert_field_error, url
from tests.conftest import World

pytestmark = pytest.mark.django_db

REITS = {
    "code": "reits",
    "name": "REITs",
    "expected_return": "0.065",
    "volatility": "0.2",
    "income_yield": "0.04",
    "qualified_ratio": "0.1",
    "turnover": "0.05",
    "tax_exempt": False,
}


def test_round_trip(world: World, api_as: Any) -> None:
    api = api_as("admin")
    created = api.post(url("asset-classes"), REITS)
    assert created.status_code == 201
    body = created.json()
    assert body["code"] == "reits"
    assert body["expected_return"] == "0.065000"
    assert body["volatility"] == "0.200000"
    assert AssetClass.objects.get(pk=body["id"]).firm == world.firm

    changed = api.patch(url("asset-classes", body["id"]), {"expected_return": "-0.01"})
    assert changed.status_code == 200
    assert changed.json()["expected_return"] == "-0.010000"
    assert api.get(url("asset-classes", body["id"])).json() == changed.json()


def test_the_same_code_may_exist_in_another_firm(world: World, api_as: Any) -> None:
    # Both firms have us_equity: codes are unique per firm only.
    assert AssetClass.objects.filter(code="us_equity").count() == 2
    response = api_as("admin").patch(
        url("asset-classes", world.classes["cash"].pk), {"name": "Cash"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "us_equity"}, "code"),  # taken in this firm
        ({"code": "not a slug!"}, "code"),
        ({"name": ""}, "name"),
        ({"volatility": "1.5"}, "volatility"),
        ({"income_yield": "-0.01"}, "income_yield"),
        ({"qualified_ratio": "abc"}, "qualified_ratio"),
        ({"turnover": "0.1234567"}, "turnover"),  # more than 6 places
        ({"expected_return": "-1.5"}, "expected_return"),
        ({"expected_return": "1e30"}, "expected_return"),
        ({"tax_exempt": "perhaps"}, "tax_exempt"),
    ],
)
def test_bad_input_writes_nothing(
    world: World, api_as: Any, change: dict[str, Any], field: str
) -> None:
    before = AssetClass.objects.count()
    assert_field_error(api_as("admin").post(url("asset-classes"), {**REITS, **change}), field)
    assert AssetClass.objects.count() == before


def test_bad_patch_changes_nothing(world: World, api_as: Any) -> None:
    us_equity = world.classes["us_equity"]
    response = api_as("admin").patch(
        url("asset-classes", us_equity.pk), {"name": "Stocks", "volatility": "2"}
    )
    assert_field_error(response, "volatility")
    us_equity.refresh_from_db()
    assert us_equity.name != "Stocks"


def test_renaming_to_a_taken_code_is_refused(world: World, api_as: Any) -> None:
    response = api_as("admin").patch(
        url("asset-classes", world.classes["cash"].pk), {"code": "us_bonds"}
    )
    assert_field_error(response, "code")


def test_filter_by_code(world: World, api_as: Any) -> None:
    response = api_as("client").get(url("asset-classes"), {"code": "us_bonds"})
    assert [row["code"] for row in response.json()["results"]] == ["us_bonds"]


def test_delete_is_not_offered(world: World, api_as: Any) -> None:
    response = api_as("admin").delete(url("asset-classes", world.classes["cash"].pk))
    assert response.status_code == 405

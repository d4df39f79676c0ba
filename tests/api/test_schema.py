"""The OpenAPI schema matches docs/API.md and what the API answers."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

# docs/API.md: path -> methods and the fields named for the resource.
CONTRACT: dict[str, tuple[set[str], set[str]]] = {
    "asset-classes": (
        {"get", "post", "patch"},
        {
            "code",
            "name",
            "expected_return",
            "volatility",
            "income_yield",
            "qualified_ratio",
            "turnover",
            "tax_exempt",
        },
    ),
    "securities": (
        {"get", "post", "patch"},
        {"symbol", "name", "asset_class", "substitute_group", "price", "price_date"},
    ),
    "households": (
        {"get", "post", "patch", "delete"},
        {
            "name",
            "primary_advisor",
            "filing_status",
            "t_ord",
            "t_ltcg",
            "t_ret",
            "realized_st_ytd",
            "realized_lt_ytd",
            "carryforward_st",
            "carryforward_lt",
            "version",
        },
    ),
    "people": (
        {"get", "post", "patch", "delete"},
        {"household", "first_name", "last_name", "date_of_birth", "version"},
    ),
    "accounts": (
        {"get", "post", "patch", "delete"},
        {
            "household",
            "owner",
            "name",
            "account_type",
            "custodian",
            "cash",
            "cash_reserve",
            "allowed_asset_classes",
            "market_value",
            "version",
        },
    ),
    "lots": (
        {"get", "post", "patch", "delete"},
        {"account", "security", "quantity", "cost_basis", "acquired_on", "version"},
    ),
    "transactions": (
        {"get", "post", "delete"},
        {
            "account",
            "security",
            "kind",
            "trade_date",
            "quantity",
            "amount",
            "realized_gain",
            "version",
        },
    ),
}
DECIMALS = {
    "asset-classes": {
        "expected_return",
        "volatility",
        "income_yield",
        "qualified_ratio",
        "turnover",
    },
    "securities": {"price"},
    "households": {"t_ord", "t_ltcg", "t_ret", "realized_st_ytd", "carryforward_lt"},
    "accounts": {"cash", "cash_reserve", "market_value"},
    "lots": {"quantity", "cost_basis"},
    "transactions": {"quantity", "amount", "realized_gain"},
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _component(schema: dict[str, Any], path: str) -> dict[str, Any]:
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    name = ok["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][name]


@pytest.mark.parametrize("resource", CONTRACT)
def test_every_path_method_and_field_of_api_md(schema: dict[str, Any], resource: str) -> None:
    methods, fields = CONTRACT[resource]
    listing, detail = f"/api/v1/{resource}/", f"/api/v1/{resource}/{{id}}/"
    offered = (set(schema["paths"][listing]) | set(schema["paths"][detail])) & HTTP_METHODS
    assert offered == methods
    properties = _component(schema, detail)["properties"]
    assert fields | {"id"} <= set(properties)
    for name in DECIMALS.get(resource, set()):
        assert properties[name]["type"] == "string", name
        assert properties[name]["format"] == "decimal", name


def test_lists_are_paginated_and_creates_take_an_idempotency_key(schema: dict[str, Any]) -> None:
    for resource in CONTRACT:
        listing = schema["paths"][f"/api/v1/{resource}/"]
        page = listing["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        name = page["$ref"].rsplit("/", 1)[-1]
        assert {"count", "next", "previous", "results"} <= set(
            schema["components"]["schemas"][name]["properties"]
        )
        headers = {p["name"] for p in listing["post"]["parameters"] if p["in"] == "header"}
        assert "Idempotency-Key" in headers


def test_filters_are_documented(schema: dict[str, Any]) -> None:
    def params(resource: str) -> set[str]:
        return {p["name"] for p in schema["paths"][f"/api/v1/{resource}/"]["get"]["parameters"]}

    assert {
        "household",
        "account",
        "security",
        "kind",
        "trade_date_after",
        "trade_date_before",
        "asset_class",
        "symbol",
    } <= params("transactions")
    assert {"household", "account", "security", "asset_class", "symbol"} <= params("lots")
    assert {"search"} <= params("households")
    assert {"household"} <= params("accounts")


def test_price_history_and_tokens_are_documented(schema: dict[str, Any]) -> None:
    assert "get" in schema["paths"]["/api/v1/securities/{id}/prices/"]
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/tokens/"])
    assert "delete" in schema["paths"]["/api/v1/tokens/{id}/"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_archive_is_documented(schema: dict[str, Any]) -> None:
    assert "get" in schema["paths"]["/api/v1/archive/"]
    assert "post" in schema["paths"]["/api/v1/archive/{kind}/{id}/restore/"]
    lot = _component(schema, "/api/v1/lots/{id}/")["properties"]["version"]
    assert lot["type"] == "integer"
    assert "409" in lot["description"]


def test_docs_page_is_served_without_a_cdn(client: Any) -> None:
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn.jsdelivr.net" not in response.content


def test_schema_validates_without_warnings(tmp_path: Path) -> None:
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert (tmp_path / "schema.yaml").stat().st_size > 0

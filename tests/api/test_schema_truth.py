"""The schema tells the truth: what schemathesis found, each pinned by a plain test.

The live check (tests/schema/test_api_contract.py) fuzzes every operation; these say,
one finding at a time, what the schema and the API now agree on.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from advisory.api_errors import exception_handler
from advisory.tokens import api_token_create
from tests.api.conftest import url
from tests.conftest import World
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _parameter(schema: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = schema["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)["schema"]


def test_every_operation_documents_its_errors_with_the_error_body(
    schema: dict[str, Any],
) -> None:
    for method, path, operation in _operations(schema):
        expected = {"400", "401", "403", "404", "429"}
        if method != "get":
            expected |= {"409", "415"}
        responses = operation["responses"]
        assert expected <= set(responses), (method, path, expected - set(responses))
        for status in expected:
            assert "application/json" in responses[status].get("content", {}), (path, status)


def test_the_error_body_requires_nothing_the_api_may_leave_out(schema: dict[str, Any]) -> None:
    # A field error is {"field": [...]}: neither detail nor code is always there.
    components = schema["components"]["schemas"]
    assert "required" not in components["Error"]
    assert components["Error"]["additionalProperties"] is True
    assert "code" not in components["ImportRejected"].get("required", [])


def test_a_malformed_upload_is_a_400_without_code(world: World, api_as: Any) -> None:
    response = api_as("owner").post(url("imports/lots"), {}, format="multipart")

    assert response.status_code == 400
    assert set(response.json()) == {"file"}


def test_frequency_is_nullable_and_a_threshold_policy_reads_back_null(
    world: World, api_as: Any, schema: dict[str, Any]
) -> None:
    make_policy(world)  # the threshold method: no review frequency
    body = api_as("owner").get(f"/api/v1/households/{world.household.pk}/policy/").json()

    assert body["frequency"] is None
    frequency = schema["components"]["schemas"]["Policy"]["properties"]["frequency"]
    assert frequency.get("nullable") is True or {"$ref": "#/components/schemas/NullEnum"} in (
        frequency.get("oneOf", [])
    )


def test_a_threshold_models_frequency_reads_back_null_as_the_schema_says(
    world: World, api_as: Any, schema: dict[str, Any]
) -> None:
    # The demo's model is a threshold model: schemathesis found its null against a non-null enum.
    from tests.policies.modelportfolios.conftest import model_body

    created = api_as("owner").post("/api/v1/models/", model_body(world), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["frequency"] is None
    body = api_as("owner").get(f"/api/v1/models/{created.json()['id']}/").json()
    assert body["frequency"] is None
    frequency = schema["components"]["schemas"]["Model"]["properties"]["frequency"]
    assert frequency.get("nullable") is True or {"$ref": "#/components/schemas/NullEnum"} in (
        frequency.get("oneOf", [])
    )


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/lots/", "household"),
        ("/api/v1/lots/", "account"),
        ("/api/v1/transactions/", "security"),
        ("/api/v1/accounts/", "owner"),
        ("/api/v1/households/", "primary_advisor"),
    ],
)
def test_id_filters_are_integers_from_1(schema: dict[str, Any], path: str, name: str) -> None:
    parameter = _parameter(schema, path, name)
    assert parameter["type"] == "integer"
    assert parameter["minimum"] == 1


@pytest.mark.parametrize("name", ["page", "page_size"])
def test_pages_are_integers_from_1_and_a_zero_is_a_400(
    world: World, api_as: Any, schema: dict[str, Any], name: str
) -> None:
    assert _parameter(schema, "/api/v1/households/", name)["minimum"] == 1
    for bad in ("0", "-1", "abc", "1.5"):
        response = api_as("owner").get(url("households"), {name: bad})
        assert response.status_code == 400, (name, bad)
        assert name in response.json()


def test_a_boolean_filter_refuses_what_is_not_a_boolean(world: World, api_as: Any) -> None:
    api = api_as("owner")
    assert api.get(url("asset-classes"), {"tax_exempt": "maybe"}).status_code == 400
    assert api.get(url("asset-classes"), {"tax_exempt": "true"}).json()["count"] == 0
    assert api.get(url("asset-classes"), {"tax_exempt": "false"}).json()["count"] == 4


def test_a_deleted_token_no_longer_reads_back(world: World, api_as: Any) -> None:
    token, _ = api_token_create(user=world.user("owner"), name="old")
    api = api_as("owner")

    assert api.delete(url("tokens", token.pk)).status_code == 204
    assert api.get(url("tokens", token.pk)).status_code == 404
    assert token.pk not in [row["id"] for row in api.get(url("tokens")).json()["results"]]


def test_the_runs_list_is_documented_as_it_is_answered(
    world: World, api_as: Any, schema: dict[str, Any]
) -> None:
    answer = api_as("owner").get(url("rebalance-runs")).json()
    documented = schema["paths"]["/api/v1/rebalance-runs/"]["get"]["responses"]["200"]
    ref = documented["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    assert answer == {"results": []}
    assert schema["components"]["schemas"][ref]["properties"]["results"]["type"] == "array"


def test_an_error_is_json_even_where_the_view_renders_csv(world: World, api_as: Any) -> None:
    # Only the order desk releases orders: an advisor's 403, asked for as CSV.
    response = api_as("owner").post("/api/v1/orders/release/?format=csv", {}, format="json")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_too_many_form_fields_is_a_json_400(world: World, api_as: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"prices={n}" for n in range(11))

    response = api_as("admin").post(
        url("prices"), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "invalid"


def test_a_kind_path_answers_405_for_get_and_the_schema_says_so(
    world: World, api_as: Any, schema: dict[str, Any]
) -> None:
    assert api_as("owner").get("/api/v1/imports/lots/").status_code == 405
    assert api_as("owner").post("/api/v1/imports/12/").status_code == 405
    assert "405" in schema["paths"]["/api/v1/imports/{kind}/"]["post"]["responses"]
    assert "405" in schema["paths"]["/api/v1/imports/{id}/"]["get"]["responses"]


def test_a_path_no_route_matches_is_a_json_404_under_the_api(world: World, api_as: Any) -> None:
    response = api_as("owner").patch("/api/v1/import-mappings/0.5/", {}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_deadlock_the_database_broke_is_a_409_to_retry() -> None:
    class Deadlock(Exception):
        sqlstate = "40P01"

    try:
        raise OperationalError("deadlock detected") from Deadlock()
    except OperationalError as error:
        response = exception_handler(error, {})

    assert response is not None
    assert (response.status_code, response.data["code"]) == (409, "conflict")


def test_the_import_id_is_documented_from_1(schema: dict[str, Any]) -> None:
    parameters = schema["paths"]["/api/v1/imports/{id}/"]["get"]["parameters"]
    assert next(p for p in parameters if p["name"] == "id")["schema"]["minimum"] == 1


def test_the_poll_location_is_a_path_not_an_absolute_uri(schema: dict[str, Any]) -> None:
    # The 202 answers Location: /api/v1/proposals/<id>/ (a relative reference); schemathesis
    # found the schema calling it format "uri", which requires a scheme.
    answer = schema["paths"]["/api/v1/households/{id}/proposals/"]["post"]["responses"]["202"]
    header = answer["headers"]["Location"]["schema"]
    assert header["type"] == "string"
    assert "format" not in header

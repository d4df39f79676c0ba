"""One error format, and never a 500 for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError
from rest_framework.test import APIClient

from advisory.api_errors import ConflictError, DomainError, exception_handler
from portfolios.models import Household
from tests.api.conftest import assert_field_error, url
from tests.conftest import World

pytestmark = pytest.mark.django_db

RESOURCES = (
    "asset-classes",
    "securities",
    "households",
    "people",
    "accounts",
    "lots",
    "transactions",
)


@pytest.mark.parametrize("resource", RESOURCES)
def test_malformed_json_is_a_400_with_detail(world: World, api_as: Any, resource: str) -> None:
    response = api_as("admin").post(url(resource), '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_list_instead_of_an_object(world: World, api_as: Any, resource: str) -> None:
    response = api_as("admin").post(url(resource), [1, 2], format="json")
    assert_field_error(response, "non_field_errors")


@pytest.mark.parametrize(
    ("resource", "params", "field"),
    [
        ("people", {"household": "abc"}, "household"),
        ("accounts", {"household": "1.5"}, "household"),
        ("accounts", {"owner": "-3"}, "owner"),
        ("accounts", {"account_type": "savings"}, "account_type"),
        ("lots", {"account": str(10**30)}, "account"),
        ("lots", {"acquired_after": "last week"}, "acquired_after"),
        ("transactions", {"kind": "gift"}, "kind"),
        ("transactions", {"trade_date_before": "2026-02-30"}, "trade_date_before"),
        ("transactions", {"security": "VTI"}, "security"),
        ("households", {"primary_advisor": "me"}, "primary_advisor"),
        ("households", {"filing_status": "complicated"}, "filing_status"),
    ],
)
def test_bad_filter_values_are_400(
    world: World, api_as: Any, resource: str, params: dict[str, str], field: str
) -> None:
    assert_field_error(api_as("owner").get(url(resource), params), field)


@pytest.mark.parametrize("pk", ["abc", str(10**30), "0", "-1"])
def test_unknown_ids_in_the_path_are_404(world: World, api_as: Any, pk: str) -> None:
    for resource in RESOURCES:
        response = api_as("admin").get(f"/api/v1/{resource}/{pk}/")
        assert response.status_code == 404, (resource, pk)


def test_a_page_past_the_end_is_404_not_500(world: World, api_as: Any) -> None:
    response = api_as("admin").get(url("households"), {"page": "99"})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_page_size_is_capped(world: World, api_as: Any) -> None:
    response = api_as("admin").get(url("asset-classes"), {"page_size": "1"})
    body = response.json()
    assert body["count"] == 4
    assert len(body["results"]) == 1
    assert body["next"].endswith("page=2&page_size=1")
    assert body["previous"] is None


def test_null_character_in_text(world: World, api_as: Any) -> None:
    before = Household.objects.count()
    assert_field_error(api_as("owner").post(url("households"), {"name": "Smith\x00"}), "name")
    assert Household.objects.count() == before


def test_form_encoded_bodies_work_for_the_browser(world: World, api_as: Any) -> None:
    response = api_as("owner").post(url("households"), {"name": "Form Family"}, format="multipart")
    assert response.status_code == 201


def test_session_auth_needs_csrf_for_writes(world: World) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(world.user("owner"), backend="django.contrib.auth.backends.ModelBackend")
    assert browser.get(url("households")).status_code == 200
    refused = browser.post(url("households"), {"name": "No CSRF"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            DomainError("Weights must sum to 1.", field_errors={"targets": ["Sum is 0.9."]}),
            400,
            {
                "detail": "Weights must sum to 1.",
                "code": "invalid",
                "targets": ["Sum is 0.9."],
            },
        ),
        (
            ConflictError("The household changed."),
            409,
            {
                "detail": "The household changed.",
                "code": "conflict",
            },
        ),
        (
            ProtectedError("in use", set()),
            409,
            {
                "detail": "Other records still refer to this one.",
                "code": "protected",
            },
        ),
        (
            IntegrityError("UNIQUE constraint failed"),
            409,
            {
                "detail": "The request conflicts with the current data.",
                "code": "conflict",
            },
        ),
    ],
)
def test_exception_handler_maps_domain_and_database_errors(
    error: Exception, status: int, body: dict[str, Any]
) -> None:
    response = exception_handler(error, {})
    assert response is not None
    assert response.status_code == status
    assert response.data == body

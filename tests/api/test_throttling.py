"""Throttling: past the rate, 429 with Retry-After."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from tests.api.conftest import url
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {"anon": "2/min", "user": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF reads the rates into a class attribute when it is imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()


def test_users_are_throttled(world: World, api_as: Any, low_rates: None) -> None:
    api = api_as("owner")
    answers = [api.get(url("households")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = api.get(url("households"))
    assert "detail" in refused.json()
    assert int(refused["Retry-After"]) > 0
    # Each user has their own allowance.
    assert api_as("teammate").get(url("households")).status_code == 200


def test_anonymous_callers_are_throttled(world: World, api_as: Any, low_rates: None) -> None:
    # Protected endpoints refuse anonymous callers (401) before counting; the docs are public.
    api = api_as("anonymous")
    answers = [api.get("/api/v1/docs/").status_code for _ in range(3)]
    assert answers == [200, 200, 429]

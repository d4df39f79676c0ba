"""Every new page and endpoint x every persona.

Expected answers come from the personas' roles (tests/conftest.py), not from the
access module: an outsider gets 404, a reader who writes 403; anonymous visitors
are sent to the login page (pages) or get 401 (API).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from policies.models import InvestmentPolicy
from tests.conftest import CAN_EDIT_POLICY, CAN_VIEW, PERSONAS, World
from tests.policies.conftest import make_policy, payload

pytestmark = pytest.mark.django_db

CAN_ACKNOWLEDGE = {"client"}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: Callable[[World, InvestmentPolicy, InvestmentPolicy], str]
    allowed: frozenset[str]
    ok: frozenset[int] = frozenset({200})
    body: Callable[[World], dict[str, Any]] | None = None
    on_draft: bool = False  # drafts are not shown to clients: 404 for them

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def _hh(w: World, *_: Any) -> int:
    return w.household.pk


VIEW = frozenset(CAN_VIEW)
EDIT = frozenset(CAN_EDIT_POLICY)
ACK = frozenset(CAN_ACKNOWLEDGE)

PAGES = (
    Route("policy_detail", "get", lambda w, a, d: f"/households/{_hh(w)}/policy/", VIEW),
    Route("policy_new", "get", lambda w, a, d: f"/households/{_hh(w)}/policy/new/", EDIT),
    Route(
        "policy_validate",
        "post",
        lambda w, a, d: f"/households/{_hh(w)}/policy/validate/",
        EDIT,
        body=lambda w: {"weight_us_equity": "100", "abs_band": "5", "rel_band": "25"},
    ),
    Route("policy_history", "get", lambda w, a, d: f"/households/{_hh(w)}/policy/history/", VIEW),
    Route(
        "policy_diff",
        "get",
        lambda w, a, d: f"/households/{_hh(w)}/policy/diff/?a={a.pk - 1}&b={a.pk}",
        VIEW,
    ),
    Route("risk_questionnaire", "get", lambda w, a, d: f"/households/{_hh(w)}/risk/", EDIT),
    Route("household_drift", "get", lambda w, a, d: f"/households/{_hh(w)}/drift/", VIEW),
    Route("household_panels", "get", lambda w, a, d: f"/households/{_hh(w)}/panels/", VIEW),
    Route(
        "policy_document",
        "get",
        lambda w, a, d: f"/policies/{a.pk}/document.pdf",
        VIEW,
        ok=frozenset({200, 202}),
    ),
    Route(
        "policy_acknowledge",
        "post",
        lambda w, a, d: f"/policies/{a.pk}/acknowledge/",
        ACK,
        ok=frozenset({302}),
    ),
    Route(
        "policy_activate",
        "post",
        lambda w, a, d: f"/policies/{d.pk}/activate/",
        EDIT,
        ok=frozenset({302}),
        on_draft=True,
    ),
    Route(
        "policy_discard",
        "post",
        lambda w, a, d: f"/policies/{d.pk}/discard/",
        EDIT,
        ok=frozenset({302}),
        on_draft=True,
    ),
)

API = "/api/v1"
ENDPOINTS = (
    Route("policy", "get", lambda w, a, d: f"{API}/households/{_hh(w)}/policy/", VIEW),
    Route(
        "policy",
        "post",
        lambda w, a, d: f"{API}/households/{_hh(w)}/policy/",
        EDIT,
        ok=frozenset({201}),
        body=lambda w: payload(),
    ),
    Route("policies", "get", lambda w, a, d: f"{API}/households/{_hh(w)}/policies/", VIEW),
    Route("drift", "get", lambda w, a, d: f"{API}/households/{_hh(w)}/drift/", VIEW),
    Route(
        "risk-profile",
        "post",
        lambda w, a, d: f"{API}/households/{_hh(w)}/risk-profile/",
        EDIT,
        body=lambda w: {"answers": {}, "age": 50},
        ok=frozenset({400}),  # the access check passes; the empty answers do not
    ),
    Route("policy detail", "get", lambda w, a, d: f"{API}/policies/{a.pk}/", VIEW),
    Route(
        "policy put",
        "put",
        lambda w, a, d: f"{API}/policies/{d.pk}/",
        EDIT,
        body=lambda w: payload(),
        on_draft=True,
    ),
    Route(
        "policy delete",
        "delete",
        lambda w, a, d: f"{API}/policies/{d.pk}/",
        EDIT,
        ok=frozenset({204}),
        on_draft=True,
    ),
    Route(
        "activate",
        "post",
        lambda w, a, d: f"{API}/policies/{d.pk}/activate/",
        EDIT,
        on_draft=True,
    ),
    Route(
        "acknowledge",
        "post",
        lambda w, a, d: f"{API}/policies/{a.pk}/acknowledge/",
        ACK,
        ok=frozenset({201}),
    ),
    Route(
        "document",
        "get",
        lambda w, a, d: f"{API}/policies/{a.pk}/document.pdf",
        VIEW,
        ok=frozenset({200, 202}),
    ),
    Route("diff", "get", lambda w, a, d: f"{API}/policies/diff/?a={a.pk - 1}&b={a.pk}", VIEW),
)


def _versions(world: World) -> tuple[InvestmentPolicy, InvestmentPolicy]:
    """v1 superseded (pk = v2's pk - 1), v2 active, v3 a draft."""
    make_policy(world)
    active = make_policy(world, rationale="Second version.")
    waiting = make_policy(world, activate=False, rationale="A draft for the review.")
    return active, waiting


def _send(client: Any, route: Route, world: World, url: str) -> Any:
    body = route.body(world) if route.body else None
    if route.method == "get":
        return client.get(url)
    if route.method == "delete":
        return client.delete(url)
    if hasattr(client, "force_authenticate"):
        return getattr(client, route.method)(url, body, format="json")
    return getattr(client, route.method)(url, body or {})


def _expected(persona: str, route: Route, *, api: bool) -> set[int]:
    if persona == "anonymous":
        return {401} if api else {302}
    if persona not in CAN_VIEW or (route.on_draft and persona == "client"):
        return {404}
    if persona not in route.allowed:
        return {403}
    return set(route.ok)


@pytest.mark.parametrize("route", PAGES, ids=str)
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages(world: World, client_as: Any, persona: str, route: Route) -> None:
    active, waiting = _versions(world)
    url = route.path(world, active, waiting)
    response = _send(client_as(persona), route, world, url)
    assert response.status_code in _expected(persona, route, api=False), (persona, url)
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("route", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", PERSONAS)
def test_endpoints(world: World, api_as: Any, persona: str, route: Route) -> None:
    active, waiting = _versions(world)
    before = InvestmentPolicy.objects.count()
    url = route.path(world, active, waiting)
    response = _send(api_as(persona), route, world, url)
    expected = _expected(persona, route, api=True)
    assert response.status_code in expected, (persona, url, response.content[:200])
    if expected & {401, 403, 404}:
        # A refused write changes nothing.
        assert InvestmentPolicy.objects.count() == before
        waiting.refresh_from_db()
        assert waiting.status == "draft"

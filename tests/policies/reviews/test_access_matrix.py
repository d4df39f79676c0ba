"""Every review page and endpoint x every persona.

Expected answers come from the personas' roles (tests/conftest.py): whoever sees
the household reads; owner, teammate and admin act; operations and the client
get 403 for an advisor's action; the client acknowledges and nobody else; the
client sees a review only once the advisor completed it, so a scheduled or
in-progress review is 404 to them. Outsiders 404; anonymous visitors 401 (API)
or the login page (pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from policies.reviews.models import Review, ReviewKind, ReviewStatus
from tests.conftest import CAN_EDIT_POLICY, CAN_VIEW, PERSONAS, World
from tests.policies.reviews.conftest import FULL_NOTES, QUARTER_Q3, make_review, scheduled_policy

pytestmark = pytest.mark.django_db

VIEW = frozenset(CAN_VIEW)
EDIT = frozenset(CAN_EDIT_POLICY)
ACK = frozenset({"client"})
STAFF = frozenset(CAN_VIEW - {"client"})


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: Callable[[World, Review], str]
    allowed: frozenset[str]
    status: str = ReviewStatus.AWAITING_CLIENT  # the review's state before the request
    ok: int = 200
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def _r(action: str = "") -> Callable[[World, Review], str]:
    return lambda w, r: f"/reviews/{r.pk}/{action + '/' if action else ''}"


def _api(action: str = "") -> Callable[[World, Review], str]:
    return lambda w, r: f"/api/v1/reviews/{r.pk}/{action + '/' if action else ''}"


COMPLETE = {"checklist": FULL_NOTES, "summary": "All good."}
PAGE_NOTES = {f"notes_{row['item']}": row["notes"] for row in FULL_NOTES} | {
    "summary": "All good.",
    "action": "complete",
}

API = (
    Route("review detail", "get", _api(), VIEW),
    Route("start", "post", _api("start"), EDIT, status=ReviewStatus.SCHEDULED),
    Route("complete", "post", _api("complete"), EDIT, ReviewStatus.IN_PROGRESS, body=COMPLETE),
    Route("skip", "post", _api("skip"), EDIT, ReviewStatus.SCHEDULED, body={"reason": "Moved"}),
    Route("acknowledge", "post", _api("acknowledge"), ACK),
    Route(
        "packet JSON",
        "get",
        lambda w, r: f"/api/v1/households/{w.household.pk}/review-packet/",
        VIEW,
    ),
    Route("packet PDF", "get", lambda w, r: f"/api/v1/reviews/{r.pk}/packet.pdf", VIEW),
)

PAGES = (
    Route("household reviews", "get", lambda w, r: f"/households/{w.household.pk}/reviews/", VIEW),
    Route("review detail", "get", _r(), VIEW),
    Route("start", "post", _r("start"), EDIT, ReviewStatus.SCHEDULED, ok=302),
    Route("checklist", "post", _r("checklist"), EDIT, ReviewStatus.IN_PROGRESS, 302, PAGE_NOTES),
    Route("skip", "post", _r("skip"), EDIT, ReviewStatus.SCHEDULED, 302, {"reason": "Moved"}),
    Route("acknowledge", "post", _r("acknowledge"), ACK, ok=302),
    Route("questionnaire", "get", _r("questionnaire"), EDIT, ReviewStatus.IN_PROGRESS),
    Route("targets", "get", _r("targets"), EDIT, ReviewStatus.IN_PROGRESS),
    Route("packet page", "get", _r("packet"), VIEW),
    Route("packet PDF", "get", lambda w, r: f"/reviews/{r.pk}/packet.pdf", VIEW),
    Route("client report PDF", "get", lambda w, r: f"/reviews/{r.pk}/report.pdf", VIEW),
)


def _expected(route: Route, persona: str, *, api: bool) -> int:
    if persona == "anonymous":
        return 401 if api else 302
    client_blind = persona == "client" and route.status not in (
        ReviewStatus.AWAITING_CLIENT,
        ReviewStatus.COMPLETED,
    )
    if persona not in VIEW or client_blind:
        return 404
    return route.ok if persona in route.allowed else 403


def _review(world: World, status: str) -> Review:
    scheduled_policy(world)
    return make_review(world, status=status)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", API, ids=str)
def test_api_matrix(world: World, api_as: Any, route: Route, persona: str) -> None:
    review = _review(world, route.status)
    client = api_as(persona)
    answer = getattr(client, route.method)(route.path(world, review), route.body, format="json")
    assert answer.status_code == _expected(route, persona, api=True), answer.content[:300]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", PAGES, ids=str)
def test_page_matrix(world: World, client_as: Any, route: Route, persona: str) -> None:
    review = _review(world, route.status)
    client = client_as(persona)
    answer = getattr(client, route.method)(route.path(world, review), route.body)
    expected = _expected(route, persona, api=False)
    assert answer.status_code == expected, answer.content[:300]
    if persona == "anonymous":
        assert answer["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_shows_only_what_the_persona_may_see(
    world: World, api_as: Any, persona: str
) -> None:
    scheduled_policy(world)
    reviews = {
        "awaiting": make_review(world, status=ReviewStatus.AWAITING_CLIENT),
        "scheduled": make_review(world, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3),
        "other": make_review(world, household=world.other_household),
        "foreign": make_review(world, household=world.foreign_household),
    }
    expected = {
        "owner": {"awaiting", "scheduled"},
        "teammate": {"awaiting", "scheduled"},
        "other_advisor": {"other"},
        "foreign_advisor": {"foreign"},
        "admin": {"awaiting", "scheduled", "other"},
        "operations": {"awaiting", "scheduled", "other"},
        "client": {"awaiting"},
        "other_client": set(),  # the other household's review is only scheduled
    }
    answer = api_as(persona).get("/api/v1/reviews/")
    if persona == "anonymous":
        assert answer.status_code == 401
        return
    ids = {row["id"] for row in answer.json()["results"]}
    assert ids == {reviews[name].pk for name in expected[persona]}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", ["/reviews/", "/reviews/calendar/?month=2025-11"])
def test_dashboard_and_calendar(world: World, client_as: Any, persona: str, path: str) -> None:
    scheduled_policy(world)
    make_review(world, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3)  # due 14 November 2025
    make_review(
        world, household=world.foreign_household, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3
    )
    answer = client_as(persona).get(path)
    if persona == "anonymous":
        assert answer.status_code == 302
        assert answer["Location"].startswith("/accounts/login/")
        return
    if persona in ("client", "other_client"):
        assert answer.status_code == 302
        assert answer["Location"] == "/portal/"
        return
    assert answer.status_code == 200
    text = answer.content.decode()
    assert ("Foreign Family" in text) == (persona == "foreign_advisor")
    assert ("Smith Family" in text) == (persona in STAFF)


def test_the_households_dashboard_flags_open_reviews(world: World, client_as: Any) -> None:
    scheduled_policy(world)
    make_review(world, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3)  # due 14 November 2025
    make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    text = client_as("owner").get("/").content.decode()
    assert "Quarterly review overdue" in text
    assert "Review awaiting client" in text

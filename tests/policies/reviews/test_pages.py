"""The review pages: refused completion, the dashboard's lists, the calendar, the portal panel."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from advisory.engine.review_schedule import ReviewPeriod
from policies.reviews.models import Review, ReviewKind, ReviewStatus
from tests.conftest import World
from tests.policies.reviews.conftest import QUARTER_Q3, make_review, scheduled_policy

pytestmark = pytest.mark.django_db

DEC_2025 = ReviewPeriod("quarterly", date(2025, 10, 15), date(2025, 11, 30), date(2025, 12, 30))


def _section(html: str, heading: str) -> str:
    """The HTML of the card whose h2 starts with ``heading``."""
    match = re.search(rf"<h2[^>]*>{heading}.*?</section>", html, re.S)
    assert match, heading
    return match.group(0)


def test_completing_on_the_page_without_notes_is_a_form_error(world: World, client_as: Any) -> None:
    scheduled_policy(world)
    review = make_review(world, status=ReviewStatus.IN_PROGRESS)
    page = client_as("owner").post(
        f"/reviews/{review.pk}/checklist/",
        {"notes_goals": "Unchanged.", "summary": "", "action": "complete"},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert text.count("Write a note on this item before completing the review.") == 5
    assert "Summarise the review for the record." in text
    assert 'name="notes_goals"' in text
    assert "Unchanged." in text
    review.refresh_from_db()
    assert review.status == ReviewStatus.IN_PROGRESS


def test_saving_notes_keeps_them_without_completing(world: World, client_as: Any) -> None:
    scheduled_policy(world)
    review = make_review(world, status=ReviewStatus.IN_PROGRESS)
    client_as("owner").post(
        f"/reviews/{review.pk}/checklist/", {"notes_drift": "In band.", "action": "save"}
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.IN_PROGRESS
    assert {"item": "drift", "notes": "In band."} in review.checklist


def test_skipping_on_the_page_without_a_reason_is_a_form_error(
    world: World, client_as: Any
) -> None:
    scheduled_policy(world)
    review = make_review(world)
    page = client_as("owner").post(f"/reviews/{review.pk}/skip/", {"reason": ""})
    assert page.status_code == 400
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.SCHEDULED


def test_the_dashboard_sorts_overdue_due_this_month_and_awaiting(
    world: World, client_as: Any
) -> None:
    scheduled_policy(world)
    make_review(world, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3)  # due 14 November
    make_review(world, kind=ReviewKind.QUARTERLY, period=DEC_2025)  # due 30 December
    make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    with time_machine.travel(datetime(2025, 12, 10, 17, tzinfo=UTC)):
        html = client_as("owner").get("/reviews/").content.decode()
    assert "Nov 14, 2025" in _section(html, "Overdue")
    assert "Dec 30, 2025" in _section(html, "Due this month")
    assert "Annual review" in _section(html, "Awaiting the client")
    assert "Smith Family: quarterly monitoring" in _section(html, "Needs your attention")


def test_the_calendar_puts_a_review_on_its_day_and_filters_by_advisor(
    world: World, client_as: Any
) -> None:
    scheduled_policy(world)
    make_review(world, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3)  # due 14 November 2025
    make_review(
        world, household=world.other_household, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3
    )
    admin = client_as("admin")
    html = admin.get("/reviews/calendar/?month=2025-11").content.decode()
    day = re.search(r'<span class="day">14</span>(.*?)</td>', html, re.S)
    assert day
    assert "Smith Family" in day.group(1)
    assert "Jones Family" in day.group(1)
    owner_id = world.user("owner").pk
    filtered = admin.get(f"/reviews/calendar/?month=2025-11&advisor={owner_id}").content.decode()
    assert "Smith Family" in filtered
    assert "Jones Family" not in filtered
    assert "Smith Family" not in admin.get("/reviews/calendar/?month=2025-12").content.decode()


def test_the_portal_panel_offers_the_client_an_acknowledgement(
    world: World, client_as: Any
) -> None:
    scheduled_policy(world)
    awaiting = make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    make_review(
        world, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3, status=ReviewStatus.IN_PROGRESS
    )
    html = client_as("client").get("/portal/reviews/").content.decode()
    assert f'action="/reviews/{awaiting.pk}/acknowledge/"' in html
    assert "Quarterly monitoring" not in html  # in progress: not the client's yet
    # The portal's "waiting for you" list offers the same acknowledgement (policies.portal).
    waiting = client_as("client").get("/portal/waiting/").content.decode()
    assert f'action="/portal/acknowledge/review/{awaiting.pk}/"' in waiting

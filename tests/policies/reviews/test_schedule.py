"""The nightly schedule with the clock moved: due dates, one review per period, overdue, emails."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail

from policies.reviews.models import Review, ReviewStatus
from policies.reviews.services import reviews_schedule
from policies.reviews.tasks import schedule_reviews
from tests.conftest import World
from tests.policies.reviews.conftest import scheduled_policy

pytestmark = pytest.mark.django_db


def noon(day: date) -> datetime:
    """Midday in New York (the firm's time zone), so the local date is ``day``."""
    return datetime(day.year, day.month, day.day, 17, tzinfo=UTC)


def _reviews(world: World) -> list[tuple[str, date, date, date]]:
    rows = Review.objects.filter(household=world.household).order_by("period_end")
    return [(r.kind, r.period_start, r.period_end, r.due_on) for r in rows]


def test_a_quarter_and_a_year_end_make_their_reviews(world: World) -> None:
    scheduled_policy(world)
    # 20 April 2026: the annual review of 15 January and the quarter ending 15 April.
    reviews_schedule(as_of=date(2026, 4, 20))
    assert _reviews(world) == [
        ("annual", date(2025, 1, 15), date(2026, 1, 15), date(2026, 2, 14)),
        ("quarterly", date(2026, 1, 15), date(2026, 4, 15), date(2026, 5, 15)),
    ]


def test_the_task_run_twice_makes_one_review_per_period(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    scheduled_policy(world)
    with (
        time_machine.travel(noon(date(2026, 4, 20))),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = schedule_reviews()
        second = schedule_reviews()
    assert first["created"] == 2
    assert second["created"] == 0
    assert Review.objects.filter(household=world.household).count() == 2
    # One "due" email to the primary advisor listing both, not one per run.
    due = [m for m in mail.outbox if m.subject.endswith(" due")]
    assert [m.to for m in due] == [["owner@acme.test"]]
    assert due[0].subject == "2 reviews due"


def test_the_next_quarter_adds_one_review_after_new_year(world: World) -> None:
    scheduled_policy(world, anchor_date=date(2024, 11, 30), effective_date=date(2024, 11, 30))
    with time_machine.travel(noon(date(2025, 12, 31))):
        schedule_reviews()
    with time_machine.travel(noon(date(2026, 3, 1))):
        schedule_reviews()
    assert _reviews(world) == [
        ("quarterly", date(2025, 5, 30), date(2025, 8, 30), date(2025, 9, 29)),
        ("annual", date(2024, 11, 30), date(2025, 11, 30), date(2025, 12, 30)),
        ("quarterly", date(2025, 11, 30), date(2026, 2, 28), date(2026, 3, 30)),
    ]


def test_no_review_for_a_period_that_ended_before_the_ips(world: World) -> None:
    # Anchor in the past, IPS effective this autumn: the quarter that ended in October is
    # not reviewed against it; the first review is the quarter ending 15 January 2027.
    scheduled_policy(world, effective_date=date(2026, 11, 1))
    reviews_schedule(as_of=date(2026, 12, 1))
    assert _reviews(world) == []
    reviews_schedule(as_of=date(2027, 1, 15))
    assert _reviews(world) == [
        ("annual", date(2026, 1, 15), date(2027, 1, 15), date(2027, 2, 14)),
    ]


def test_a_household_without_an_active_ips_has_no_reviews(world: World) -> None:
    reviews_schedule(as_of=date(2026, 4, 20))
    assert Review.objects.count() == 0


def test_overdue_is_marked_once_and_emailed_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    scheduled_policy(world)
    with django_capture_on_commit_callbacks(execute=True):
        reviews_schedule(as_of=date(2026, 2, 1))  # annual due 14 February, quarter 14 November
    quarterly = Review.objects.get(kind="quarterly")
    annual = Review.objects.get(kind="annual")
    assert quarterly.overdue_since == date(2026, 2, 1)  # due 14 November 2025
    assert annual.overdue_since is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = reviews_schedule(as_of=date(2026, 2, 14))  # the due day itself: not overdue
    assert result.marked_overdue == 0
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        result = reviews_schedule(as_of=date(2026, 2, 15))
        reviews_schedule(as_of=date(2026, 2, 16))
    assert result.marked_overdue == 1
    annual.refresh_from_db()
    assert annual.overdue_since == date(2026, 2, 15)
    assert [m.subject for m in mail.outbox] == ["1 review overdue"]
    assert "Smith Family" in mail.outbox[0].body
    html = mail.outbox[0].alternatives[0]
    assert "/reviews/" in str(html.content if hasattr(html, "content") else html[0])


def test_a_completed_review_is_never_overdue(world: World) -> None:
    scheduled_policy(world)
    reviews_schedule(as_of=date(2026, 2, 1))
    Review.objects.filter(kind="annual").update(status=ReviewStatus.SKIPPED, skip_reason="Moved")
    reviews_schedule(as_of=date(2026, 3, 1))
    assert Review.objects.get(kind="annual").overdue_since is None
    assert not Review.objects.get(kind="annual").is_overdue(date(2026, 3, 1))
    assert Review.objects.get(kind="quarterly").is_overdue(date(2026, 3, 1))


def test_the_schedule_takes_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from policies.services import policy_create
    from tests.factories import HouseholdFactory
    from tests.policies.conftest import draft

    for n in range(30):
        household = HouseholdFactory(
            firm=world.firm, name=f"H{n}", primary_advisor=world.user("owner")
        )
        policy_create(
            household=household,
            author=None,
            draft=draft(effective_date=date(2025, 1, 15)),
            queue_work=False,
        )
    # IPS without an anchor: reviews count from the effective date.
    with django_assert_max_num_queries(12):
        result = reviews_schedule(as_of=date(2026, 4, 20))
    assert result.created == 60

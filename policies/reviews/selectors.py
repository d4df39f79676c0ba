"""Reads for reviews, always through ``portfolios.access``.

A client sees only their household's reviews that the advisor has completed
(awaiting their acknowledgement, or completed); anything else is 404 to them,
as it is to anyone who cannot see the household.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from advisory.models import Role
from policies.reviews.models import (
    CLIENT_VISIBLE_STATUSES,
    OPEN_STATUSES,
    Review,
    ReviewStatus,
)
from portfolios.access import Capability, has_capability, households_for, role_of
from portfolios.dashboard import Flag
from portfolios.models import Household


def _visible(user: Any) -> QuerySet[Review]:
    reviews = Review.objects.filter(household__in=households_for(user))
    if role_of(user) == Role.CLIENT:
        reviews = reviews.filter(status__in=CLIENT_VISIBLE_STATUSES)
    return reviews


def review_list(
    *,
    user: Any,
    household: int | str | None = None,
    status: str | None = None,
    kind: str | None = None,
    due_before: date | None = None,
    advisor: int | None = None,
) -> QuerySet[Review]:
    """The reviews the user may see, filtered; newest period first."""
    reviews = _visible(user).select_related("household", "household__primary_advisor", "policy")
    if household:
        reviews = reviews.filter(household_id=household)
    if status:
        reviews = reviews.filter(status=status)
    if kind:
        reviews = reviews.filter(kind=kind)
    if due_before:
        reviews = reviews.filter(due_on__lt=due_before)
    if advisor:
        reviews = reviews.filter(household__primary_advisor_id=advisor)
    return reviews.order_by("-period_end", "household__name", "kind")


def review_get(user: Any, pk: int | str, *, write: bool | Capability = False) -> Review:
    """One review: 404 when the user may not see it, 403 when they may not act on it."""
    try:
        review = (
            _visible(user)
            .select_related(
                "household__firm",
                "household__primary_advisor",
                "policy",
                "started_by",
                "completed_by",
                "acknowledged_by",
            )
            .get(pk=pk)
        )
    except (Review.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404("No such review.") from missing
    capability = write if isinstance(write, Capability) else Capability.EDIT_POLICY
    if write and not has_capability(user, capability):
        raise PermissionDenied("You may not change this review.")
    return review


def review_events(review: Review) -> list[Any]:
    return list(review.events.select_related("actor").order_by("at", "id"))


def previous_review(review: Review) -> Review | None:
    """The household's last completed (or awaiting) review before this one."""
    return (
        Review.objects.filter(
            household_id=review.household_id,
            status__in=CLIENT_VISIBLE_STATUSES,
            period_end__lt=review.period_end,
        )
        .order_by("-period_end")
        .first()
    )


def last_review_before(household: Household, as_of: date) -> Review | None:
    return (
        Review.objects.filter(
            household=household, status__in=CLIENT_VISIBLE_STATUSES, period_end__lte=as_of
        )
        .order_by("-period_end")
        .first()
    )


# --- what needs the user's attention ---------------------------------------------------------


@dataclass(frozen=True)
class AttentionItem:
    review: Review
    reason: str  # overdue | due | in_progress | awaiting_you


def attention_list(*, user: Any, today: date, limit: int = 20) -> list[AttentionItem]:
    """Advisors: their open reviews (overdue first); clients: reviews awaiting acknowledgement.

    Operations staff keep the book of record and have no reviews to do.
    """
    role = role_of(user)
    if role == Role.CLIENT:
        reviews = _visible(user).filter(status=ReviewStatus.AWAITING_CLIENT)
        return [
            AttentionItem(r, "awaiting_you") for r in reviews.select_related("household")[:limit]
        ]
    if not has_capability(user, Capability.EDIT_POLICY):
        return []
    households = households_for(user, write=Capability.EDIT_POLICY)
    if role == Role.ADMIN:
        # An admin sees the whole firm; their own list is what they look after.
        households = households.filter(Q(primary_advisor=user) | Q(team_members=user))
    reviews = (
        Review.objects.filter(household__in=households, status__in=OPEN_STATUSES)
        .select_related("household")
        .order_by("due_on", "household__name")[:limit]
    )

    def reason(review: Review) -> str:
        if review.is_overdue(today):
            return "overdue"
        return "in_progress" if review.status == ReviewStatus.IN_PROGRESS else "due"

    return [AttentionItem(r, reason(r)) for r in reviews]


# --- the dashboard and the calendar ------------------------------------------------------------


@dataclass
class ReviewBoard:
    due_this_month: list[Review] = field(default_factory=list)
    overdue: list[Review] = field(default_factory=list)
    awaiting_client: list[Review] = field(default_factory=list)


def review_board(*, user: Any, today: date, advisor: int | None = None) -> ReviewBoard:
    """Open reviews due this month, overdue ones and those awaiting the client (one query)."""
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    reviews = review_list(user=user, advisor=advisor).filter(
        Q(status__in=OPEN_STATUSES, due_on__lte=last) | Q(status=ReviewStatus.AWAITING_CLIENT)
    )
    board = ReviewBoard()
    for review in reviews.order_by("due_on", "household__name"):
        if review.status == ReviewStatus.AWAITING_CLIENT:
            board.awaiting_client.append(review)
        elif review.is_overdue(today):
            board.overdue.append(review)
        elif review.due_on >= first:
            board.due_this_month.append(review)
    return board


@dataclass(frozen=True)
class CalendarDay:
    day: date | None  # None pads the first and last week
    reviews: list[Review]


def review_calendar(
    *, user: Any, month: date, advisor: int | None = None
) -> list[list[CalendarDay]]:
    """The month's weeks (Monday first), each day with the reviews due on it."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    by_day: dict[date, list[Review]] = defaultdict(list)
    for review in (
        review_list(user=user, advisor=advisor)
        .filter(due_on__gte=month, due_on__lte=last)
        .order_by("due_on", "household__name")
    ):
        by_day[review.due_on].append(review)
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
        weeks.append(
            [CalendarDay(d if d.month == month.month else None, by_day.get(d, [])) for d in week]
        )
    return weeks


def review_flags(households: Sequence[Household], as_of: date) -> dict[int, list[Flag]]:
    """Dashboard flags for a page of households (one query): overdue, due, awaiting the client."""
    flags: dict[int, list[Flag]] = defaultdict(list)
    reviews = Review.objects.filter(
        household__in=[h.pk for h in households],
        status__in=(*OPEN_STATUSES, ReviewStatus.AWAITING_CLIENT),
    ).order_by("due_on")
    for review in reviews.only("household_id", "kind", "status", "due_on"):
        what = "Annual review" if review.kind == "annual" else "Quarterly review"
        if review.status == ReviewStatus.AWAITING_CLIENT:
            flags[review.household_id].append(Flag("info", "Review awaiting client"))
        elif review.is_overdue(as_of):
            detail = f"due {review.due_on:%b} {review.due_on.day}"
            flags[review.household_id].append(Flag("alert", f"{what} overdue", detail))
        else:
            detail = f"due {review.due_on:%b} {review.due_on.day}"
            flags[review.household_id].append(Flag("warn", f"{what} open", detail))
    return dict(flags)

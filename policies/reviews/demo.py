"""Demo reviews: a few in every state, so the pages have something real (``seed_reviews``).

For each demo household with an active IPS, the latest quarterly and annual
reviews of its schedule, plus the quarter before as completed, so packets
have a "last review". States go round by household order: scheduled, in
progress (some notes), awaiting the client, completed (and acknowledged where
a client logs in), skipped. Households with a client login get one review
awaiting them, so each demo client has something to acknowledge. A demo IPS
without a calendar anchor gets one a year back, for the demo only. No email is
sent: the reviews are marked as already notified. Idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from advisory.engine.review_schedule import ReviewPeriod, latest_review_periods
from policies.models import InvestmentPolicy, PolicyStatus
from policies.reviews.models import CHECKLISTS, Review, ReviewAction, ReviewEvent, ReviewStatus
from portfolios.models import ClientLink, Household

CYCLE = (
    ReviewStatus.SCHEDULED,
    ReviewStatus.IN_PROGRESS,
    ReviewStatus.AWAITING_CLIENT,
    ReviewStatus.COMPLETED,
    ReviewStatus.SKIPPED,
)
NOTES = {
    "drift": "Checked against the bands; nothing outside them that calls for a trade.",
    "targets_fit": "Targets still fit: no change in income, goals or horizon.",
    "goals": "Retirement date and the education fund unchanged; horizons confirmed.",
    "risk_capacity": "Capacity reassessed with the questionnaire: stable income, ample reserves.",
    "risk_tolerance": "Tolerance reassessed separately: comfortable with a 20% decline.",
    "tax_accounts": "Brackets unchanged; contributions on track; no RMD yet.",
    "targets_selection": "Targets kept; index funds unchanged.",
}


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _previous_quarter(period: ReviewPeriod) -> ReviewPeriod:
    length = period.period_end - period.period_start
    start = period.period_start - length
    return ReviewPeriod(
        "quarterly", start, period.period_start, period.period_start + timedelta(30)
    )


def _review(
    household: Household, period: ReviewPeriod, status: str, client_id: int | None, as_of: date
) -> Review:
    advisor_id = household.primary_advisor_id
    done = status in (ReviewStatus.AWAITING_CLIENT, ReviewStatus.COMPLETED)
    started = status != ReviewStatus.SCHEDULED and status != ReviewStatus.SKIPPED
    if status == ReviewStatus.COMPLETED and client_id is None:
        acknowledged = None
    elif status == ReviewStatus.COMPLETED:
        acknowledged = client_id
    else:
        acknowledged = None
    finished_on = min(as_of, period.period_end + timedelta(days=12))
    notes = [
        {"item": item.item, "notes": NOTES[item.item] if done or (started and n < 2) else ""}
        for n, item in enumerate(CHECKLISTS[period.kind])
    ]
    return Review(
        household=household,
        kind=period.kind,
        period_start=period.period_start,
        period_end=period.period_end,
        due_on=period.due_on,
        status=status,
        checklist=notes,
        summary="Reviewed the allocation, the plan and the year ahead; no change to the targets."
        if done
        else "",
        skip_reason="The client asked to combine it with the annual meeting."
        if status == ReviewStatus.SKIPPED
        else "",
        created_at=_moment(period.period_end, 3),
        started_at=_moment(period.period_end + timedelta(days=5), 10) if started else None,
        started_by_id=advisor_id if started else None,
        completed_at=_moment(finished_on, 15) if done else None,
        completed_by_id=advisor_id if done else None,
        acknowledged_at=_moment(finished_on, 18) if acknowledged else None,
        acknowledged_by_id=acknowledged,
        due_notified_at=_moment(period.period_end, 3),
        overdue_since=period.due_on + timedelta(days=1)
        if status in (ReviewStatus.SCHEDULED, ReviewStatus.IN_PROGRESS) and as_of > period.due_on
        else None,
        overdue_notified_at=_moment(period.due_on + timedelta(days=1), 3)
        if status in (ReviewStatus.SCHEDULED, ReviewStatus.IN_PROGRESS) and as_of > period.due_on
        else None,
    )


def _status(index: int, period: ReviewPeriod, client_id: int | None, latest: bool) -> str:
    if not latest:
        return ReviewStatus.COMPLETED
    if client_id is not None and period.kind == "quarterly":
        return ReviewStatus.AWAITING_CLIENT
    status = CYCLE[(index + (period.kind == "annual")) % len(CYCLE)]
    if status == ReviewStatus.AWAITING_CLIENT and client_id is None:
        return ReviewStatus.COMPLETED
    return status


@transaction.atomic
def seed_reviews(*, households: Iterable[Household], as_of: date) -> int:
    """Create the demo reviews once; the number created."""
    ordered = sorted(households, key=lambda h: h.pk)
    if Review.objects.filter(household__in=ordered).exists():
        return 0
    policies = {
        p.household_id: p
        for p in InvestmentPolicy.objects.filter(household__in=ordered, status=PolicyStatus.ACTIVE)
    }
    clients = dict(
        ClientLink.objects.filter(household__in=ordered).values_list("household_id", "user_id")
    )
    reviews: list[Review] = []
    for index, household in enumerate(ordered):
        policy = policies.get(household.pk)
        if policy is None:
            continue
        # Demo IPSs without a calendar took effect weeks ago; give them a year of history.
        anchor = policy.anchor_date or date(as_of.year - 1, 1 + index % 12, 1)
        periods = latest_review_periods(anchor, as_of)
        client_id = clients.get(household.pk)
        for period in periods:
            reviews.append(
                _review(
                    household, period, _status(index, period, client_id, True), client_id, as_of
                )
            )
        quarterly = [p for p in periods if p.kind == "quarterly"]
        if quarterly:
            earlier = _previous_quarter(quarterly[0])
            if all(
                p.period_start != earlier.period_start or p.kind != "quarterly" for p in periods
            ):
                reviews.append(
                    _review(household, earlier, ReviewStatus.COMPLETED, client_id, as_of)
                )
    Review.objects.bulk_create(reviews, ignore_conflicts=True)
    created = list(
        Review.objects.filter(household__in=ordered).exclude(status=ReviewStatus.SCHEDULED)
    )
    ReviewEvent.objects.bulk_create(_events(created))
    return len(reviews)


def _events(reviews: Iterable[Review]) -> list[ReviewEvent]:
    events = []
    for review in reviews:
        if review.started_at:
            events.append(
                ReviewEvent(
                    review=review,
                    actor_id=review.started_by_id,
                    action=ReviewAction.START,
                    at=review.started_at,
                    from_status="scheduled",
                    to_status="in_progress",
                )
            )
        if review.completed_at:
            to = (
                "awaiting_client"
                if review.acknowledged_at or review.status == "awaiting_client"
                else "completed"
            )
            events.append(
                ReviewEvent(
                    review=review,
                    actor_id=review.completed_by_id,
                    action=ReviewAction.COMPLETE,
                    at=review.completed_at,
                    from_status="in_progress",
                    to_status=to,
                )
            )
        if review.acknowledged_at:
            events.append(
                ReviewEvent(
                    review=review,
                    actor_id=review.acknowledged_by_id,
                    action=ReviewAction.ACKNOWLEDGE,
                    at=review.acknowledged_at,
                    from_status="awaiting_client",
                    to_status="completed",
                )
            )
        if review.status == ReviewStatus.SKIPPED:
            events.append(
                ReviewEvent(
                    review=review,
                    actor_id=review.household.primary_advisor_id,
                    action=ReviewAction.SKIP,
                    at=review.created_at + timedelta(days=3),
                    from_status="scheduled",
                    to_status="skipped",
                    detail={"reason": review.skip_reason},
                )
            )
    return events

"""Background work for reviews: the nightly schedule and the emails. Ids in, idempotent."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task(name="reviews.schedule")
def schedule_reviews(as_of: str | None = None) -> dict[str, object]:
    """Create the reviews that fell due and mark overdue ones (``as_of`` ISO date, else today)."""
    from policies.reviews.services import reviews_schedule

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = reviews_schedule(as_of=day)
    return {
        "as_of": result.as_of.isoformat(),
        "households": result.households,
        "created": result.created,
        "marked_overdue": result.marked_overdue,
    }


@shared_task(name="reviews.send_notice")
def send_review_notice(user_id: int, notice: str, review_ids: list[int]) -> int:
    """Email an advisor the reviews that came due (or went overdue); how many were listed."""
    from policies.reviews.emails import send_advisor_notice

    return send_advisor_notice(user_id=user_id, notice=notice, review_ids=review_ids)


@shared_task(name="reviews.send_to_client")
def send_review_to_client(review_id: int) -> int:
    """Email the household's clients that a review awaits their acknowledgement; how many."""
    from policies.reviews.emails import send_client_request

    return send_client_request(review_id=review_id)

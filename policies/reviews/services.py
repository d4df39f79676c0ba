"""Writes for reviews: the nightly schedule, the transitions, the checklist, the new IPS.

Every transition reads ``models.TRANSITIONS``: an action not allowed from the
review's current state is a ``ConflictError`` (409) and writes nothing. The
review row is locked (``SELECT ... FOR UPDATE``) for each change, so two
people acting at once run one after the other. Emails are queued on commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from advisory.api_errors import ConflictError, DomainError
from advisory.engine.review_schedule import ReviewPeriod, latest_review_periods
from advisory.engine.risk import score_questionnaire
from policies.models import InvestmentPolicy, PolicyStatus
from policies.reviews.models import (
    CHECKLISTS,
    OPEN_STATUSES,
    Review,
    ReviewAction,
    ReviewEvent,
    ReviewStatus,
    empty_checklist,
    transition_for,
)
from policies.services import PolicyDraft, policy_create
from portfolios.models import ClientLink

if TYPE_CHECKING:
    from advisory.models import User

logger = logging.getLogger(__name__)

NOTES_REQUIRED = "Write a note on this item before completing the review."


class TransitionError(ConflictError):
    """The action is not allowed from the review's current state (409)."""

    code = "review_transition"


def _actor(user: User | Any | None) -> User | None:
    return user if getattr(user, "is_authenticated", False) else None


def _event(
    review: Review,
    action: str,
    actor: User | Any | None,
    *,
    from_status: str = "",
    detail: Mapping[str, Any] | None = None,
) -> None:
    ReviewEvent.objects.create(
        review=review,
        actor=_actor(actor),
        action=action,
        at=timezone.now(),
        from_status=from_status,
        to_status=review.status,
        detail=dict(detail or {}),
    )


def _locked(review: Review) -> Review:
    return Review.objects.select_for_update().select_related("household").get(pk=review.pk)


def _move(review: Review, action: str) -> str:
    """Check ``action`` against the table; set the new status; return the old one."""
    transition = transition_for(review.status, action)
    if transition is None:
        raise TransitionError(
            f"This review is {review.get_status_display().lower()}: "
            f"it cannot be {ReviewAction(action).label.lower()} now."
        )
    previous = review.status
    review.status = transition.to
    return previous


# --- the workflow ---------------------------------------------------------------------------


@transaction.atomic
def review_start(*, review: Review, user: User | Any) -> Review:
    """Scheduled -> in progress."""
    current = _locked(review)
    previous = _move(current, ReviewAction.START)
    current.started_at = timezone.now()
    current.started_by = _actor(user)
    current.save(update_fields=["status", "started_at", "started_by"])
    _event(current, ReviewAction.START, user, from_status=previous)
    return current


def _merged_checklist(
    review: Review, notes: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    """The stored checklist with ``notes`` written over it; errors for unknown items."""
    known = [item.item for item in CHECKLISTS[review.kind]]
    stored = {row["item"]: row.get("notes", "") for row in review.checklist or []}
    errors: dict[str, list[str]] = {}
    for row in notes:
        item = str(row.get("item", ""))
        if item not in known:
            errors[item or "item"] = ["Not an item of this review's checklist."]
            continue
        stored[item] = str(row.get("notes") or "").strip()
    return [{"item": item, "notes": stored.get(item, "")} for item in known], errors


@transaction.atomic
def review_save_notes(
    *, review: Review, user: User | Any, checklist: Iterable[Mapping[str, Any]], summary: str = ""
) -> Review:
    """Keep the notes written so far (in progress only; blanks allowed until completing)."""
    current = _locked(review)
    if current.status != ReviewStatus.IN_PROGRESS:
        raise TransitionError("Notes are written while the review is in progress.")
    merged, errors = _merged_checklist(current, checklist)
    if errors:
        raise DomainError("The checklist is not valid.", field_errors={"checklist": errors})
    current.checklist = merged
    current.summary = summary.strip()
    current.save(update_fields=["checklist", "summary"])
    _event(current, ReviewAction.SAVE, user)
    return current


def _has_client(household_id: int) -> bool:
    return ClientLink.objects.filter(household_id=household_id).exists()


@transaction.atomic
def review_complete(
    *, review: Review, user: User | Any, checklist: Iterable[Mapping[str, Any]], summary: str
) -> Review:
    """In progress -> awaiting the client (completed at once when nobody can log in for them).

    Every checklist item needs notes (400 naming the items otherwise); the client is
    emailed a link to the portal once this commits.
    """
    current = _locked(review)
    merged, errors = _merged_checklist(current, checklist)
    missing = {row["item"]: [NOTES_REQUIRED] for row in merged if not row["notes"]}
    field_errors: dict[str, Any] = {}
    if errors or missing:
        field_errors["checklist"] = {**errors, **missing}
    if not summary.strip():
        field_errors["summary"] = ["Summarise the review for the record."]
    previous = _move(current, ReviewAction.COMPLETE)
    if field_errors:
        raise DomainError("The review cannot be completed yet.", field_errors=field_errors)
    awaiting = _has_client(current.household_id)
    if not awaiting:
        current.status = ReviewStatus.COMPLETED
    current.checklist = merged
    current.summary = summary.strip()
    current.completed_at = timezone.now()
    current.completed_by = _actor(user)
    current.save(update_fields=["status", "checklist", "summary", "completed_at", "completed_by"])
    _event(current, ReviewAction.COMPLETE, user, from_status=previous)
    if awaiting:
        from policies.reviews import tasks

        review_id = current.pk
        transaction.on_commit(lambda: tasks.send_review_to_client.delay(review_id))
    return current


@transaction.atomic
def review_skip(*, review: Review, user: User | Any, reason: str) -> Review:
    """Scheduled or in progress -> skipped, with the reason (400 without one)."""
    current = _locked(review)
    previous = _move(current, ReviewAction.SKIP)
    if not reason.strip():
        raise DomainError(
            "Say why the review is skipped.", field_errors={"reason": ["A reason is required."]}
        )
    current.skip_reason = reason.strip()
    current.save(update_fields=["status", "skip_reason"])
    _event(current, ReviewAction.SKIP, user, from_status=previous, detail={"reason": reason})
    return current


@transaction.atomic
def review_acknowledge(*, review: Review, user: User) -> Review:
    """Awaiting the client -> completed: the client (access checked by the caller) read it."""
    current = _locked(review)
    previous = _move(current, ReviewAction.ACKNOWLEDGE)
    current.acknowledged_at = timezone.now()
    current.acknowledged_by = user
    current.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    _event(current, ReviewAction.ACKNOWLEDGE, user, from_status=previous)
    return current


def _require_in_progress(review: Review, what: str) -> None:
    if review.status != ReviewStatus.IN_PROGRESS:
        raise TransitionError(f"Start the review before {what}.")


@transaction.atomic
def review_record_questionnaire(
    *, review: Review, user: User | Any, answers: Mapping[str, str]
) -> Review:
    """Re-answered risk questionnaire: capacity and tolerance scored separately, kept here."""
    current = _locked(review)
    _require_in_progress(current, "re-answering the questionnaire")
    try:
        scores = score_questionnaire(answers)
    except ValueError as problem:
        raise DomainError(str(problem), field_errors={"answers": [str(problem)]}) from None
    current.questionnaire_answers = dict(answers)
    current.risk_capacity_score = scores.capacity
    current.risk_tolerance_score = scores.tolerance
    current.save(
        update_fields=["questionnaire_answers", "risk_capacity_score", "risk_tolerance_score"]
    )
    detail = {"capacity": scores.capacity, "tolerance": scores.tolerance}
    _event(current, ReviewAction.QUESTIONNAIRE, user, detail=detail)
    return current


@transaction.atomic
def review_change_targets(*, review: Review, user: User | Any, draft: PolicyDraft) -> Review:
    """A new IPS version (active at once) from the review, linked to it with its rationale.

    The review's re-answered questionnaire goes with the version unless the draft
    brings its own answers. A second change in the same review links the newer version.
    """
    current = _locked(review)
    _require_in_progress(current, "changing the targets")
    if current.questionnaire_answers and not draft.questionnaire_answers:
        draft = PolicyDraft(
            **{**draft.__dict__, "questionnaire_answers": current.questionnaire_answers}
        )
    policy = policy_create(household=current.household, author=_actor(user), draft=draft)
    current.policy = policy
    current.save(update_fields=["policy"])
    detail = {"policy": policy.pk, "version": policy.version, "rationale": policy.rationale}
    _event(current, ReviewAction.TARGETS, user, detail=detail)
    return current


# --- the nightly schedule ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleResult:
    as_of: date
    households: int  # with an active IPS
    created: int
    marked_overdue: int


def _candidates(as_of: date) -> list[tuple[int, ReviewPeriod]]:
    """(household id, period) of the latest review of each kind for every active IPS."""
    rows = InvestmentPolicy.objects.filter(status=PolicyStatus.ACTIVE).values_list(
        "household_id", "anchor_date", "effective_date"
    )
    found = []
    for household_id, anchor, effective in rows:
        anchor = anchor or effective
        if anchor is None:
            continue
        for period in latest_review_periods(anchor, as_of):
            # A period that ended before this IPS took effect is not reviewed against it.
            if effective is None or period.period_end >= effective:
                found.append((household_id, period))
    return found


def _create_due(candidates: Sequence[tuple[int, ReviewPeriod]]) -> int:
    if not candidates:
        return 0
    earliest = min(period.period_start for _, period in candidates)
    existing = set(
        Review.objects.filter(period_start__gte=earliest).values_list(
            "household_id", "kind", "period_start"
        )
    )
    now = timezone.now()
    new = [
        Review(
            household_id=household_id,
            kind=period.kind,
            period_start=period.period_start,
            period_end=period.period_end,
            due_on=period.due_on,
            checklist=empty_checklist(period.kind),
            created_at=now,
        )
        for household_id, period in candidates
        if (household_id, period.kind, period.period_start) not in existing
    ]
    # The unique constraint is the last word when two schedules run at once.
    Review.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return len(new)


def _queue_notices(notice: str, reviews: Iterable[tuple[int, int | None]]) -> None:
    """One email per advisor listing their reviews (``(review id, advisor id)`` pairs)."""
    by_advisor: dict[int, list[int]] = defaultdict(list)
    for review_id, advisor_id in reviews:
        if advisor_id is not None:
            by_advisor[advisor_id].append(review_id)
    if not by_advisor:
        return
    from policies.reviews import tasks

    def queue(advisor_id: int, review_ids: list[int]) -> None:
        transaction.on_commit(
            lambda: tasks.send_review_notice.delay(advisor_id, notice, review_ids)
        )

    for advisor_id, ids in by_advisor.items():
        queue(advisor_id, ids)


def _claim(field: str, condition: Mapping[str, Any]) -> list[tuple[int, int | None]]:
    """Reviews matching ``condition`` not yet notified in ``field``; marks them notified."""
    pending = Review.objects.filter(**{f"{field}__isnull": True}, **condition)
    # Locked, then marked by the same condition (no list of ids sent back to the database).
    rows: list[tuple[int, int | None]] = list(
        pending.select_for_update(of=("self",)).values_list("pk", "household__primary_advisor_id")
    )
    if rows:
        pending.update(**{field: timezone.now()})
    return rows


@transaction.atomic
def reviews_schedule(*, as_of: date) -> ScheduleResult:
    """Create the reviews due by ``as_of`` and mark the overdue ones; queue the emails.

    Idempotent: one review per household, kind and period however often it runs;
    each review's "due" and "overdue" emails go once. A fixed number of queries
    whatever the number of households (inserts in batches of 2,000).
    """
    candidates = _candidates(as_of)
    created = _create_due(candidates)
    overdue = Review.objects.filter(
        status__in=OPEN_STATUSES, due_on__lt=as_of, overdue_since__isnull=True
    ).update(overdue_since=as_of)
    _queue_notices("due", _claim("due_notified_at", {"status": ReviewStatus.SCHEDULED}))
    _queue_notices(
        "overdue",
        _claim(
            "overdue_notified_at", {"status__in": OPEN_STATUSES, "overdue_since__isnull": False}
        ),
    )
    households = len({household_id for household_id, _ in candidates})
    logger.info("Review schedule %s: %s created, %s overdue", as_of, created, overdue)
    return ScheduleResult(as_of, households, created, overdue)


def review_create(
    *,
    household_id: int,
    kind: str,
    period: ReviewPeriod,
    status: str = ReviewStatus.SCHEDULED,
    skip_reason: str = "",
) -> Review:
    """One review directly (demo data and tests); the schedule uses ``reviews_schedule``."""
    return Review.objects.create(
        household_id=household_id,
        kind=kind,
        period_start=period.period_start,
        period_end=period.period_end,
        due_on=period.due_on,
        status=status,
        checklist=empty_checklist(kind),
        skip_reason=skip_reason,
        created_at=timezone.now(),
    )

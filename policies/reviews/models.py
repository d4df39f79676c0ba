"""Reviews: a household's quarterly monitoring and annual review, and who did what.

A review is created by the schedule (``services.reviews_schedule``) for one
household, kind and period, and moves through the states of ``TRANSITIONS``:
scheduled -> in progress -> awaiting the client -> completed, or skipped with a
reason. One table says which action leads from which state; the services and
the pages' buttons both read it. The checklist is stored with the review (one
dict per item: ``item`` code and ``notes``); labels come from ``CHECKLISTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from portfolios.models import Household


class ReviewKind(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly monitoring"
    ANNUAL = "annual", "Annual review"


class ReviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_CLIENT = "awaiting_client", "Awaiting client"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped"


class ReviewAction(models.TextChoices):
    CREATE = "create", "Scheduled"
    START = "start", "Started"
    SAVE = "save", "Saved notes"
    QUESTIONNAIRE = "questionnaire", "Re-answered the risk questionnaire"
    TARGETS = "targets", "Changed the targets"
    COMPLETE = "complete", "Completed"
    SKIP = "skip", "Skipped"
    ACKNOWLEDGE = "acknowledge", "Acknowledged"


@dataclass(frozen=True)
class Transition:
    action: str  # ReviewAction value
    label: str  # the button's words
    to: str  # ReviewStatus value
    by: str  # "advisor" (edit policy) or "client" (acknowledge)


# The one table of what may follow what (services and pages read it).
TRANSITIONS: dict[str, tuple[Transition, ...]] = {
    ReviewStatus.SCHEDULED: (
        Transition(ReviewAction.START, "Start the review", ReviewStatus.IN_PROGRESS, "advisor"),
        Transition(ReviewAction.SKIP, "Skip", ReviewStatus.SKIPPED, "advisor"),
    ),
    ReviewStatus.IN_PROGRESS: (
        Transition(
            ReviewAction.COMPLETE, "Complete the review", ReviewStatus.AWAITING_CLIENT, "advisor"
        ),
        Transition(ReviewAction.SKIP, "Skip", ReviewStatus.SKIPPED, "advisor"),
    ),
    ReviewStatus.AWAITING_CLIENT: (
        Transition(ReviewAction.ACKNOWLEDGE, "Acknowledge", ReviewStatus.COMPLETED, "client"),
    ),
    ReviewStatus.COMPLETED: (),
    ReviewStatus.SKIPPED: (),
}
OPEN_STATUSES = (ReviewStatus.SCHEDULED, ReviewStatus.IN_PROGRESS)
CLIENT_VISIBLE_STATUSES = (ReviewStatus.AWAITING_CLIENT, ReviewStatus.COMPLETED)


def transition_for(status: str, action: str) -> Transition | None:
    """The transition ``action`` makes from ``status``, or None if it is not allowed."""
    return next((t for t in TRANSITIONS[status] if t.action == action), None)


@dataclass(frozen=True)
class ChecklistItem:
    item: str
    label: str
    hint: str


QUARTERLY_ITEMS = (
    ChecklistItem(
        "drift",
        "Drift against the bands",
        "Which classes are outside their bands, and whether to rebalance.",
    ),
    ChecklistItem(
        "targets_fit",
        "Whether the targets still fit",
        "Anything in the household's life or the markets that calls the targets into question.",
    ),
)
ANNUAL_ITEMS = (
    ChecklistItem(
        "goals", "Goals and time horizons", "Update each goal and when the money is needed."
    ),
    ChecklistItem(
        "risk_capacity",
        "Risk capacity",
        "Ability to absorb losses: net worth, income stability, horizon, obligations. "
        "Re-answer the questionnaire.",
    ),
    ChecklistItem(
        "risk_tolerance",
        "Risk tolerance",
        "Comfort with declines, assessed separately from capacity. Re-answer the questionnaire.",
    ),
    ChecklistItem(
        "tax_accounts",
        "Tax situation and account structures",
        "Brackets, realised gains, RMDs, contribution room, which accounts hold what.",
    ),
    ChecklistItem(
        "targets_selection",
        "Targets and security selection",
        "Changes to the targets (a new IPS version with its rationale) or to the index funds.",
    ),
    *QUARTERLY_ITEMS[:1],
)
CHECKLISTS: dict[str, tuple[ChecklistItem, ...]] = {
    ReviewKind.QUARTERLY: QUARTERLY_ITEMS,
    ReviewKind.ANNUAL: ANNUAL_ITEMS,
}


def empty_checklist(kind: str) -> list[dict[str, str]]:
    return [{"item": item.item, "notes": ""} for item in CHECKLISTS[kind]]


class Review(models.Model):
    """One quarterly or annual review of a household for one period."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=10, choices=ReviewKind.choices)
    period_start = models.DateField()
    period_end = models.DateField(
        help_text="The review date: the period looked back over ends here."
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.SCHEDULED
    )
    checklist = models.JSONField(default=list, blank=True)
    summary = models.TextField(blank=True)
    skip_reason = models.TextField(blank=True)
    policy = models.ForeignKey(
        "policies.InvestmentPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        help_text="The IPS version a change of targets during the review created.",
    )
    questionnaire_answers = models.JSONField(default=dict, blank=True)
    risk_capacity_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_tolerance_score = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overdue_since = models.DateField(
        null=True, blank=True, help_text="Marked by the schedule the first day it is found overdue."
    )
    due_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    packet_pdf = models.FileField(upload_to="reviews/%Y/", blank=True)
    packet_key = models.CharField(
        max_length=64, blank=True, help_text="Hash of what the PDF shows."
    )
    report_pdf = models.FileField(upload_to="reviews/%Y/", blank=True)
    report_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("-period_end", "household", "kind")
        indexes: ClassVar = [
            models.Index(fields=("status", "due_on")),
            models.Index(fields=("household", "period_end")),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("household", "kind", "period_start"), name="review_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReviewKind.values), name="review_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="review_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lt=F("period_end")) & Q(period_end__lte=F("due_on")),
                name="review_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="skipped") | ~Q(skip_reason=""),
                name="review_skip_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.household} ending {self.period_end}"

    def packet_as_of(self, today: date) -> date:
        """The day the packet describes: when the advisor completed it, else today."""
        if self.completed_at is not None:
            return min(today, timezone.localdate(self.completed_at))
        return today

    def is_overdue(self, today: date) -> bool:
        """Still open (scheduled or in progress) after its due date."""
        return self.status in OPEN_STATUSES and today > self.due_on

    @property
    def transitions(self) -> tuple[Transition, ...]:
        return TRANSITIONS[self.status]

    def checklist_rows(self) -> list[dict[str, Any]]:
        """Each item of the kind's checklist with its label, hint and the notes so far."""
        notes = {row.get("item"): row.get("notes", "") for row in self.checklist or []}
        return [
            {"item": i.item, "label": i.label, "hint": i.hint, "notes": notes.get(i.item, "")}
            for i in CHECKLISTS[self.kind]
        ]


class ReviewEvent(models.Model):
    """Who did what to a review, and when (``actor`` empty: the schedule)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=16, choices=ReviewAction.choices)
    at = models.DateTimeField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} by {self.actor_id or 'schedule'}"

"""The review page's forms: the checklist notes and summary, and the reason for skipping."""

from __future__ import annotations

from typing import Any

from django import forms

from policies.reviews.models import Review

NOTES_PREFIX = "notes_"


class ChecklistForm(forms.Form):
    """One notes box per checklist item of the review's kind, and the summary.

    Blank notes are allowed while saving; completing checks them in the service,
    whose messages land on the matching fields.
    """

    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was decided, in a few sentences. The client reads it.",
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        initial = {f"{NOTES_PREFIX}{row['item']}": row["notes"] for row in review.checklist_rows()}
        initial["summary"] = review.summary
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.review = review
        self.rows = review.checklist_rows()
        for row in self.rows:
            self.fields[f"{NOTES_PREFIX}{row['item']}"] = forms.CharField(
                label=row["label"],
                required=False,
                help_text=row["hint"],
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields([f"{NOTES_PREFIX}{row['item']}" for row in self.rows] + ["summary"])

    def checklist(self) -> list[dict[str, str]]:
        return [
            {
                "item": row["item"],
                "notes": self.cleaned_data.get(f"{NOTES_PREFIX}{row['item']}", ""),
            }
            for row in self.rows
        ]

    def add_service_errors(self, field_errors: dict[str, Any]) -> None:
        """Put a ``DomainError``'s field messages on the notes boxes and the summary."""
        for item, messages in (field_errors.get("checklist") or {}).items():
            name = f"{NOTES_PREFIX}{item}"
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        for message in field_errors.get("summary", []):
            self.add_error("summary", message)


class SkipForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why this review is not held (kept with the review).",
    )

"""The API's shapes for reviews (API.md "Reviews")."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from policies.reviews.models import Review, ReviewKind, ReviewStatus


class ChecklistRowSerializer(serializers.Serializer[Any]):
    item = serializers.CharField()
    label = serializers.CharField(read_only=True)
    notes = serializers.CharField(allow_blank=True)


class ReviewSerializer(serializers.ModelSerializer[Review]):
    overdue = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = (
            "id",
            "household",
            "kind",
            "period_start",
            "period_end",
            "due_on",
            "status",
            "overdue",
            "checklist",
            "summary",
            "skip_reason",
            "policy",
            "risk_capacity_score",
            "risk_tolerance_score",
            "started_at",
            "started_by",
            "completed_at",
            "completed_by",
            "acknowledged_at",
            "acknowledged_by",
            "actions",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, review: Review) -> bool:
        return review.is_overdue(timezone.localdate())

    @extend_schema_field(ChecklistRowSerializer(many=True))
    def get_checklist(self, review: Review) -> list[dict[str, str]]:
        return [
            {"item": row["item"], "label": row["label"], "notes": row["notes"]}
            for row in review.checklist_rows()
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, review: Review) -> list[str]:
        """The actions the table allows from the current state (whoever may take them)."""
        return [str(t.action) for t in review.transitions]


class ReviewFilterSerializer(serializers.Serializer[Any]):
    household = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=ReviewKind.choices, required=False)
    due_before = serializers.DateField(required=False)


class ChecklistNoteSerializer(serializers.Serializer[Any]):
    item = serializers.CharField()
    notes = serializers.CharField(allow_blank=True, trim_whitespace=True)


class ReviewCompleteSerializer(serializers.Serializer[Any]):
    checklist = ChecklistNoteSerializer(many=True, required=False, default=list)
    summary = serializers.CharField(allow_blank=True, required=False, default="")


class ReviewSkipSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True)

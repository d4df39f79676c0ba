"""The API's shapes for reviews (API.md "Reviews")."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from policies.reviews.models import Review, ReviewKind, ReviewStatus


class ChecklistRowSerializer(serializers.Serializer[Any]):
    item = serializers.CharField()
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
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


class ReturnRowSerializer(serializers.Serializer[Any]):
    period = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.DateField()
    end = serializers.DateField()
    annualised = serializers.BooleanField()
    twr = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    mwr = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    benchmark = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)


class AllocationRowSerializer(serializers.Serializer[Any]):
    asset_class = serializers.CharField()
    name = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=2)
    weight = serializers.DecimalField(max_digits=9, decimal_places=6)
    target = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class ReviewPacketSerializer(serializers.Serializer[Any]):
    """The packet's shape for the schema (the view returns the packet dict as built)."""

    household = serializers.IntegerField()
    household_name = serializers.CharField()
    as_of = serializers.DateField()
    review = serializers.IntegerField(allow_null=True)
    last_review = serializers.DictField(allow_null=True)
    total_value = serializers.DecimalField(max_digits=20, decimal_places=2)
    allocation = AllocationRowSerializer(many=True)
    drift = serializers.DictField(
        help_text="rows (asset_class, target, current, drift, band, in_band), needs_rebalance"
    )
    drift_at_last_review = serializers.DictField(allow_null=True)
    returns = ReturnRowSerializer(many=True)
    growth = serializers.ListField(child=serializers.DictField())
    benchmark_growth = serializers.ListField(child=serializers.DictField())
    rmds = serializers.JSONField()
    contribution_room = serializers.JSONField()
    stress = serializers.JSONField()
    correlations = serializers.JSONField()
    realized_gains = serializers.DictField(help_text="year, gains, losses, net, sales")
    changes = serializers.DictField(
        help_text="policies and proposals executed since the last review"
    )

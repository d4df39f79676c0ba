"""JSON for IPS versions, drift, the risk questionnaire and version diffs.

Weights, bands and drift are fractions as decimal strings (``"0.55"``), never
floats; the rules an IPS version must meet are ``services.policy_draft_errors``,
so the API and the editor answer with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from advisory.engine.drift import DriftReport
from advisory.engine.risk import QUESTIONS, RiskScores, SuggestedAllocation
from advisory.validators import validate_planning_date
from policies.drift import DRIFT_PLACES
from policies.fields import TargetInputSerializer, fraction_field
from policies.modelportfolios.following import followed_draft, model_of_firm, override_errors
from policies.models import InvestmentPolicy, PolicyStatus, RebalanceMethod, ReviewFrequency
from policies.selectors import PolicyDiff
from policies.services import (
    DEFAULT_ABS_BAND,
    DEFAULT_HORIZON_YEARS,
    DEFAULT_REL_BAND,
    Following,
    OverrideDraft,
    PolicyDraft,
    TargetDraft,
    policy_draft_errors,
)

# --- writing a version ---------------------------------------------------------------------


class OverrideInputSerializer(serializers.Serializer):
    """A class's target (``asset_class``, ``weight``) or the bands, instead of the model's."""

    asset_class = serializers.CharField(max_length=40, required=False, allow_null=True)
    weight = fraction_field(required=False, allow_null=True)
    abs_band = fraction_field(required=False, allow_null=True)
    rel_band = fraction_field(required=False, allow_null=True)
    rationale = serializers.CharField(allow_blank=True, help_text="Why the household differs.")


class PolicyWriteSerializer(serializers.Serializer):
    """A new IPS version. Weights must sum to exactly 1; ``status`` draft or active.

    With ``model`` the version follows the firm's model: its targets, bands and method,
    with ``overrides`` (each with its rationale); ``targets`` are then not given.
    """

    targets = TargetInputSerializer(many=True, allow_empty=True, required=False, default=list)
    model = serializers.IntegerField(required=False, allow_null=True, help_text="A model's id.")
    overrides = OverrideInputSerializer(many=True, required=False, default=list)
    abs_band = fraction_field(required=False, allow_null=True, default=DEFAULT_ABS_BAND)
    rel_band = fraction_field(required=False, allow_null=True, default=DEFAULT_REL_BAND)
    method = serializers.ChoiceField(
        choices=RebalanceMethod.choices, default=RebalanceMethod.THRESHOLD
    )
    frequency = serializers.ChoiceField(
        choices=ReviewFrequency.choices, required=False, allow_null=True, allow_blank=True
    )
    anchor_date = serializers.DateField(
        required=False, allow_null=True, validators=[validate_planning_date]
    )
    horizon_years = serializers.IntegerField(default=DEFAULT_HORIZON_YEARS)
    cash_reserve = serializers.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    effective_date = serializers.DateField(
        required=False, allow_null=True, validators=[validate_planning_date]
    )
    rationale = serializers.CharField(help_text="What changed and why (required).")
    questionnaire_answers = serializers.DictField(
        child=serializers.CharField(), required=False, default=dict
    )
    status = serializers.ChoiceField(
        choices=[PolicyStatus.DRAFT, PolicyStatus.ACTIVE],
        default=PolicyStatus.ACTIVE,
        help_text="active (default) replaces the current version now; draft waits.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        following = self._following(attrs)
        draft = self.draft_from(attrs)
        if following is not None:
            draft = followed_draft(following.model, draft, following.overrides)
        errors = policy_draft_errors(draft, self.context["class_names"])
        if following is not None and "targets" in errors:
            name = following.model.name
            errors["overrides"] = [
                f"With these overrides of {name}: {m}" for m in errors.pop("targets")
            ]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["following"], attrs["draft"] = following, draft
        return attrs

    def _following(self, attrs: Mapping[str, Any]) -> Following | None:
        overrides = tuple(OverrideDraft(**o) for o in attrs.get("overrides", []))
        if attrs.get("model") is None:
            if overrides:
                raise serializers.ValidationError({"overrides": ["Overrides need a model."]})
            return None
        model = model_of_firm(self.context["firm_id"], attrs["model"])
        if model is None:
            raise serializers.ValidationError({"model": ["No such model in this firm."]})
        if attrs.get("targets"):
            message = "The version follows the model's targets: change one with an override."
            raise serializers.ValidationError({"targets": [message]})
        errors = override_errors(overrides, self.context["class_names"])
        if errors:
            raise serializers.ValidationError({"overrides": errors})
        return Following(model, overrides)

    @staticmethod
    def draft_from(attrs: Mapping[str, Any]) -> PolicyDraft:
        return PolicyDraft(
            targets=tuple(
                TargetDraft(t["asset_class"], t["weight"]) for t in attrs.get("targets", [])
            ),
            rationale=attrs.get("rationale", ""),
            abs_band=attrs.get("abs_band"),
            rel_band=attrs.get("rel_band"),
            method=attrs.get("method", RebalanceMethod.THRESHOLD),
            frequency=attrs.get("frequency") or None,
            anchor_date=attrs.get("anchor_date"),
            horizon_years=attrs.get("horizon_years", DEFAULT_HORIZON_YEARS),
            cash_reserve=attrs.get("cash_reserve", Decimal(0)),
            effective_date=attrs.get("effective_date"),
            questionnaire_answers=attrs.get("questionnaire_answers") or {},
        )

    @property
    def draft(self) -> PolicyDraft:
        draft: PolicyDraft = self.validated_data["draft"]
        return draft

    @property
    def following(self) -> Following | None:
        following: Following | None = self.validated_data["following"]
        return following


# --- reading a version -----------------------------------------------------------------------


class TargetSerializer(serializers.Serializer):
    asset_class = serializers.CharField(source="asset_class.code")
    name = serializers.CharField(source="asset_class.name")
    weight = fraction_field()


class AcknowledgementSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.display_name")
    acknowledged_at = serializers.DateTimeField()


class OverrideSerializer(serializers.Serializer):
    asset_class = serializers.CharField(source="asset_class.code", allow_null=True, default=None)
    weight = fraction_field(allow_null=True)
    abs_band = fraction_field(allow_null=True)
    rel_band = fraction_field(allow_null=True)
    rationale = serializers.CharField()


class PolicySerializer(serializers.ModelSerializer):
    """An IPS version. ``pending_acknowledgement``: the household's clients yet to acknowledge."""

    author_name = serializers.SerializerMethodField()
    targets = TargetSerializer(many=True, read_only=True)
    governing_risk_score = serializers.IntegerField(read_only=True, allow_null=True)
    crypto_sleeve = serializers.SerializerMethodField()
    acknowledgements = AcknowledgementSerializer(many=True, read_only=True)
    pending_acknowledgement = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()
    overrides = OverrideSerializer(many=True, read_only=True)
    # Stored blank for the threshold method; read back as null (the schema says so).
    frequency = serializers.ChoiceField(
        choices=ReviewFrequency.choices, read_only=True, allow_null=True
    )

    class Meta:
        model = InvestmentPolicy
        fields = (
            "id",
            "household",
            "version",
            "status",
            "effective_date",
            "author",
            "author_name",
            "created_at",
            "activated_at",
            "superseded_at",
            "rationale",
            "targets",
            "abs_band",
            "rel_band",
            "method",
            "frequency",
            "anchor_date",
            "horizon_years",
            "cash_reserve",
            "risk_capacity_score",
            "risk_tolerance_score",
            "governing_risk_score",
            "questionnaire_answers",
            "crypto_sleeve",
            "last_rebalanced_on",
            "document_status",
            "document_url",
            "acknowledgements",
            "pending_acknowledgement",
            "model",
            "model_version",
            "overrides",
        )
        read_only_fields = fields

    def to_representation(self, instance: InvestmentPolicy) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        data["frequency"] = data["frequency"] or None
        return data

    def get_author_name(self, policy: InvestmentPolicy) -> str | None:
        return policy.author.display_name if policy.author else None

    def get_crypto_sleeve(self, policy: InvestmentPolicy) -> dict[str, Any]:
        sleeve = policy.crypto_sleeve
        split = {code: str(share.quantize(DRIFT_PLACES)) for code, share in sleeve.split.items()}
        return {"weight": str(sleeve.weight), "split": split}

    def get_pending_acknowledgement(self, policy: InvestmentPolicy) -> list[dict[str, Any]]:
        if policy.status != PolicyStatus.ACTIVE:
            return []
        done = {a.user_id for a in policy.acknowledgements.all()}
        clients = self.context.get("clients", [])
        return [{"user": u.pk, "name": u.display_name} for u in clients if u.pk not in done]

    def get_document_url(self, policy: InvestmentPolicy) -> str:
        request = self.context.get("request")
        path = f"/api/v1/policies/{policy.pk}/document.pdf"
        return request.build_absolute_uri(path) if request else path


# --- drift, risk, diff -------------------------------------------------------------------------


def _fraction(value: Decimal) -> str:
    return str(value.quantize(DRIFT_PLACES))


def drift_json(report: DriftReport, *, household_id: int, policy_id: int) -> dict[str, Any]:
    """A drift report as the API shows it: one row per class under ``classes``."""
    return {
        "household": household_id,
        "policy": policy_id,
        "as_of": report.as_of.isoformat(),
        "method": report.method,
        "total_value": str(report.total_value),
        "needs_rebalance": report.needs_rebalance,
        "reason": report.reason,
        "calendar_due": report.calendar_due,
        "next_review_date": report.next_review_date.isoformat()
        if report.next_review_date
        else None,
        "classes": [
            {
                "asset_class": row.asset_class,
                "target": _fraction(row.target),
                "current": _fraction(row.current),
                "drift": _fraction(row.drift),
                "band": _fraction(row.band),
                "lower": _fraction(row.lower),
                "upper": _fraction(row.upper),
                "in_band": row.in_band,
            }
            for row in report.rows
        ],
    }


def questionnaire_json() -> dict[str, Any]:
    return {
        "questions": [
            {
                "id": q.id,
                "category": q.category,
                "text": q.text,
                "choices": [{"id": c.id, "text": c.text, "points": c.points} for c in q.choices],
            }
            for q in QUESTIONS
        ],
        "rules": [
            "Every answer is worth 0-3 points; a category's score is its points as a share "
            "of the maximum, 0-100.",
            "Below 40 is conservative, 40-69 moderate, 70 and above aggressive.",
            "Capacity and tolerance are scored separately; the lower score governs.",
        ],
    }


class RiskProfileInputSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.CharField())
    age = serializers.IntegerField(
        required=False, min_value=18, max_value=120, help_text="Defaults to the eldest person."
    )


def risk_profile_json(
    scores: RiskScores, suggestion: SuggestedAllocation, firm_classes: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "capacity": scores.capacity,
        "tolerance": scores.tolerance,
        "capacity_profile": scores.capacity_profile,
        "tolerance_profile": scores.tolerance_profile,
        "governing_profile": scores.governing_profile,
        "age": suggestion.age,
        "suggested": {
            "targets": [
                {"asset_class": code, "weight": str(weight)}
                for code, weight in suggestion.weights.items()
            ],
            "crypto": str(suggestion.crypto),
            "rules": list(suggestion.rules),
        },
        "missing_classes": [code for code in suggestion.weights if code not in firm_classes],
        "saved": False,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def policy_diff_json(diff: PolicyDiff) -> dict[str, Any]:
    return {
        "a": {"id": diff.a.pk, "version": diff.a.version},
        "b": {"id": diff.b.pk, "version": diff.b.version},
        "fields": [
            {
                "field": row.key,
                "label": row.label,
                "a": _plain(row.a),
                "b": _plain(row.b),
                "changed": row.changed,
            }
            for row in diff.fields
        ],
        "targets": [
            {
                "asset_class": row.key,
                "name": row.label,
                "a": _plain(row.a),
                "b": _plain(row.b),
                "changed": row.changed,
            }
            for row in diff.targets
        ],
    }


# --- response shapes for the OpenAPI schema (the views build plain dicts) ------------------------


class DriftClassSerializer(serializers.Serializer):
    asset_class = serializers.CharField()
    target = fraction_field()
    current = fraction_field()
    drift = fraction_field(help_text="current - target: positive means overweight")
    band = fraction_field(help_text="Half-width of the tolerance band")
    lower = fraction_field()
    upper = fraction_field()
    in_band = serializers.BooleanField()


class DriftReportSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    policy = serializers.IntegerField()
    as_of = serializers.DateField()
    method = serializers.ChoiceField(choices=RebalanceMethod.choices)
    total_value = serializers.DecimalField(max_digits=16, decimal_places=2)
    needs_rebalance = serializers.BooleanField()
    reason = serializers.CharField()
    calendar_due = serializers.BooleanField()
    next_review_date = serializers.DateField(allow_null=True)
    classes = DriftClassSerializer(many=True)


class AcknowledgementResultSerializer(serializers.Serializer):
    policy = serializers.IntegerField()
    user = serializers.IntegerField()
    acknowledged_at = serializers.DateTimeField()


class DocumentPendingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "ready", "failed", "none"])
    url = serializers.URLField()


class PolicyDiffRowSerializer(serializers.Serializer):
    field = serializers.CharField(required=False)
    asset_class = serializers.CharField(required=False)
    label = serializers.CharField(required=False)  # type: ignore[assignment]
    name = serializers.CharField(required=False)
    a = serializers.JSONField(allow_null=True)
    b = serializers.JSONField(allow_null=True)
    changed = serializers.BooleanField()


class PolicyVersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()


class PolicyDiffSerializer(serializers.Serializer):
    a = PolicyVersionRefSerializer()
    b = PolicyVersionRefSerializer()
    fields = PolicyDiffRowSerializer(many=True)  # type: ignore[assignment]
    targets = PolicyDiffRowSerializer(many=True)


class RiskChoiceSerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField()
    points = serializers.IntegerField()


class RiskQuestionSerializer(serializers.Serializer):
    id = serializers.CharField()
    category = serializers.ChoiceField(choices=["capacity", "tolerance"])
    text = serializers.CharField()
    choices = RiskChoiceSerializer(many=True)


class RiskQuestionnaireSerializer(serializers.Serializer):
    questions = RiskQuestionSerializer(many=True)
    rules = serializers.ListField(child=serializers.CharField())


class SuggestedTargetSerializer(serializers.Serializer):
    asset_class = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=4)


class SuggestedAllocationSerializer(serializers.Serializer):
    targets = SuggestedTargetSerializer(many=True)
    crypto = serializers.DecimalField(max_digits=5, decimal_places=4)
    rules = serializers.ListField(child=serializers.CharField())


class RiskProfileSerializer(serializers.Serializer):
    capacity = serializers.IntegerField()
    tolerance = serializers.IntegerField()
    capacity_profile = serializers.CharField()
    tolerance_profile = serializers.CharField()
    governing_profile = serializers.CharField()
    age = serializers.IntegerField()
    suggested = SuggestedAllocationSerializer()
    missing_classes = serializers.ListField(child=serializers.CharField())
    saved = serializers.BooleanField(help_text="Always false: nothing is stored.")

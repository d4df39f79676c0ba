"""JSON for model portfolios (docs/API.md "The whole book"): fractions as decimal strings.

The rules are ``services.model_draft_errors``; a PATCH is the model as it is with the
given fields replaced, checked whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from policies.fields import TargetInputSerializer, fraction_field
from policies.modelportfolios.models import ModelPortfolio
from policies.modelportfolios.selectors import buy_list_of
from policies.modelportfolios.services import BuyListDraft, ModelDraft, model_draft_errors
from policies.models import RebalanceMethod, ReviewFrequency
from policies.services import DEFAULT_ABS_BAND, DEFAULT_REL_BAND, TargetDraft


class BuyListInputSerializer(serializers.Serializer):
    asset_class = serializers.CharField(max_length=40, help_text="The firm's asset class code.")
    security = serializers.IntegerField(help_text="The preferred security (id).")
    substitutes = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="In order."
    )


class ModelWriteSerializer(serializers.Serializer):
    """A model's content; ``note`` says why it changed (the followers' drafts quote it)."""

    name = serializers.CharField(max_length=120)
    targets = TargetInputSerializer(many=True, allow_empty=True)
    abs_band = fraction_field(required=False, allow_null=True, default=DEFAULT_ABS_BAND)
    rel_band = fraction_field(required=False, allow_null=True, default=DEFAULT_REL_BAND)
    method = serializers.ChoiceField(
        choices=RebalanceMethod.choices, default=RebalanceMethod.THRESHOLD
    )
    frequency = serializers.ChoiceField(
        choices=ReviewFrequency.choices, required=False, allow_null=True, allow_blank=True
    )
    anchor_date = serializers.DateField(required=False, allow_null=True)
    buy_list = BuyListInputSerializer(many=True, required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        model: ModelPortfolio | None = self.context.get("model")
        merged = {**(model_attrs(model) if model is not None else {}), **attrs}
        errors = model_draft_errors(
            draft_from(merged), firm_id=self.context["firm_id"], model_id=getattr(model, "pk", None)
        )
        if errors:
            raise serializers.ValidationError(errors)
        attrs["draft"] = draft_from(merged)
        return attrs


def draft_from(attrs: Mapping[str, Any]) -> ModelDraft:
    return ModelDraft(
        name=attrs.get("name", ""),
        targets=tuple(TargetDraft(t["asset_class"], t["weight"]) for t in attrs.get("targets", [])),
        abs_band=attrs.get("abs_band", DEFAULT_ABS_BAND),
        rel_band=attrs.get("rel_band", DEFAULT_REL_BAND),
        method=attrs.get("method", RebalanceMethod.THRESHOLD),
        frequency=attrs.get("frequency") or None,
        anchor_date=attrs.get("anchor_date"),
        buy_list=tuple(
            BuyListDraft(b["asset_class"], b["security"], tuple(b.get("substitutes", ())))
            for b in attrs.get("buy_list", [])
        ),
    )


def model_attrs(model: ModelPortfolio) -> dict[str, Any]:
    """A stored model as the write serializer's validated data (the base of a PATCH)."""
    return {
        "name": model.name,
        "targets": [
            {"asset_class": t.asset_class.code, "weight": t.weight} for t in model.targets.all()
        ],
        "abs_band": model.abs_band,
        "rel_band": model.rel_band,
        "method": model.method,
        "frequency": model.frequency or None,
        "anchor_date": model.anchor_date,
        "buy_list": [
            {
                "asset_class": code,
                "security": choices[0].security_id,
                "substitutes": [c.security_id for c in choices[1:]],
            }
            for code, choices in buy_list_of(model).items()
        ],
    }


class ModelTargetSerializer(serializers.Serializer):
    asset_class = serializers.CharField(source="asset_class.code")
    weight = fraction_field()


class ModelSerializer(serializers.ModelSerializer):
    """A model as the API shows it; ``buy_list`` items each ``asset_class``, ``security``,
    ``substitutes``."""

    targets = ModelTargetSerializer(many=True, read_only=True)
    buy_list = serializers.SerializerMethodField()
    # Stored blank for the threshold method; read back as null (the schema says so).
    frequency = serializers.ChoiceField(
        choices=ReviewFrequency.choices, read_only=True, allow_null=True
    )

    class Meta:
        model = ModelPortfolio
        fields = (
            "id",
            "name",
            "targets",
            "abs_band",
            "rel_band",
            "method",
            "frequency",
            "anchor_date",
            "buy_list",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_buy_list(self, model: ModelPortfolio) -> list[dict[str, Any]]:
        return model_attrs(model)["buy_list"]

    def to_representation(self, instance: ModelPortfolio) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        data["frequency"] = data["frequency"] or None
        return data

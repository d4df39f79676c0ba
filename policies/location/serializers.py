"""JSON for asset location: the request's options, a computed plan, a saved plan.

Money, weights, drags and basis points are decimal strings; weights and drags
are fractions. A computed plan and a saved plan share their field names, so an
integrator reads ``objective`` or ``placements`` the same way in both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from advisory.engine.location import DEFAULT_CHURN_PENALTY_BP, LocationBasis, LocationOptions
from policies.location.models import LocationBasis as SavedBasis
from policies.location.models import SavedLocationPlan
from policies.location.services import LocationResult, binding_json, explanation_json

MAX_HORIZON_YEARS = 60


def money_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=24, decimal_places=2, **kwargs)


def fraction_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=7, decimal_places=6, **kwargs)


# --- the request -----------------------------------------------------------------------------


class LocationRequestSerializer(serializers.Serializer):
    """How to plan; every field is optional."""

    horizon_years = serializers.IntegerField(
        min_value=1,
        max_value=MAX_HORIZON_YEARS,
        required=False,
        allow_null=True,
        help_text="Years to the horizon; default the active IPS's.",
    )
    basis = serializers.ChoiceField(
        choices=SavedBasis.choices,
        default=SavedBasis.PRE_TAX,
        help_text="pre_tax: every dollar counts the same; after_tax: a traditional dollar "
        "counts net of the tax due on withdrawal when the allocation is measured.",
    )
    churn_penalty_bp = serializers.DecimalField(
        max_digits=9,
        decimal_places=4,
        min_value=Decimal(0),
        default=DEFAULT_CHURN_PENALTY_BP,
        help_text="Basis points of terminal value charged per dollar moved from where it is.",
    )
    # The API's word is "save"; DRF takes declared fields off the class, so the method survives.
    save = serializers.BooleanField(  # type: ignore[assignment]
        default=False,
        help_text="Save the plan as the household's current location plan (needs the right "
        "to edit its policy). An infeasible plan is never saved.",
    )
    as_of = serializers.DateField(
        required=False, allow_null=True, help_text="Holdings and prices of this date; today."
    )

    def location_options(self) -> LocationOptions:
        data = self.validated_data
        return LocationOptions(
            horizon_years=data.get("horizon_years"),
            basis=LocationBasis(data["basis"]),
            churn_penalty_bp=data["churn_penalty_bp"],
        )


# --- the answer ------------------------------------------------------------------------------


class PlacementSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="Account id.")
    account_name = serializers.CharField()
    asset_class = serializers.CharField(help_text="Asset class code.")
    amount = money_field(help_text="Dollars the plan puts here (the account's own dollars).")
    current_amount = money_field(
        required=False, help_text="Dollars held here now (computed plans only)."
    )


class BindingSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="menu, churn, class_room, account_room (infeasible) or solver."
    )
    message = serializers.CharField()
    amount = serializers.CharField(
        help_text="Decimal string: menu = terminal dollars per dollar, churn = basis points, "
        "room = dollars missing."
    )
    account = serializers.IntegerField(allow_null=True)
    asset_class = serializers.CharField(allow_null=True)


class ExplanationSerializer(serializers.Serializer):
    asset_class = serializers.CharField()
    taxable_drag = fraction_field(help_text="Yearly fraction lost to tax in a taxable account.")
    placed_in = serializers.ListField(child=serializers.CharField(), help_text="Account names.")
    reason = serializers.CharField()


class _PlanFiguresSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    as_of = serializers.DateField()
    policy = serializers.IntegerField(allow_null=True, help_text="The IPS version used.")
    feasible = serializers.BooleanField()
    basis = serializers.ChoiceField(choices=SavedBasis.choices)
    horizon_years = serializers.IntegerField()
    churn_penalty_bp = serializers.DecimalField(max_digits=9, decimal_places=4)
    placements = PlacementSerializer(many=True)
    objective = money_field(help_text="After-tax dollars at the horizon.")
    baseline_objective = money_field(help_text="The same mix in every account, at the horizon.")
    uplift_dollars = money_field()
    uplift_bp = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text="Basis points a year over the baseline."
    )
    dollars_moved = money_field(allow_null=True, help_text="Sold to reach the plan.")
    binding = BindingSerializer(many=True)
    explanations = ExplanationSerializer(many=True)
    summary = serializers.CharField()


class LocationResultSerializer(_PlanFiguresSerializer):
    """A computed plan (POST); ``plan_id`` is set when it was saved."""

    account_weights = serializers.DictField(
        child=serializers.DictField(child=fraction_field()),
        help_text="Account id -> class code -> fraction of the account.",
    )
    class_totals = serializers.DictField(child=money_field(), help_text="Class code -> dollars.")
    cash_reserve_set_aside = serializers.DictField(
        child=money_field(), help_text="Account id -> IPS cash reserve kept out of the plan."
    )
    plan_id = serializers.IntegerField(allow_null=True)


class SavedLocationPlanSerializer(_PlanFiguresSerializer):
    """The household's current saved plan (GET)."""

    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.IntegerField(allow_null=True, help_text="User id.")
    is_current = serializers.BooleanField()


def location_result_json(result: LocationResult, *, saved: SavedLocationPlan | None = None) -> Any:
    """A computed plan as the API answers it."""
    answer = result.plan
    body = {
        "household": result.household_id,
        "as_of": result.as_of,
        "policy": result.policy.pk,
        "feasible": answer.feasible,
        "basis": answer.basis.value,
        "horizon_years": answer.horizon_years,
        "churn_penalty_bp": result.options.churn_penalty_bp,
        "placements": [
            {
                "account": row.account_id,
                "account_name": row.account_name,
                "asset_class": row.asset_class,
                "amount": row.amount,
                "current_amount": row.current_amount,
            }
            for row in result.rows()
        ],
        "account_weights": {
            str(account): dict(weights) for account, weights in answer.account_weights.items()
        },
        "class_totals": dict(answer.class_totals),
        "cash_reserve_set_aside": {str(a): v for a, v in result.reserve_set_aside.items()},
        "objective": answer.objective,
        "baseline_objective": answer.baseline_objective,
        "uplift_dollars": answer.uplift_dollars,
        "uplift_bp": answer.uplift_bp,
        "dollars_moved": answer.dollars_moved,
        "binding": [binding_json(b) for b in answer.binding],
        "explanations": explanation_json(answer)["explanations"],
        "summary": answer.summary,
        "plan_id": saved.pk if saved else None,
    }
    return LocationResultSerializer(body).data


def saved_plan_json(plan: SavedLocationPlan) -> Any:
    """A saved plan (placements loaded) as the API answers it."""
    body = {
        "id": plan.pk,
        "household": plan.household_id,
        "created_at": plan.created_at,
        "created_by": plan.created_by_id,
        "is_current": plan.is_current,
        "as_of": plan.as_of,
        "policy": plan.policy_id,
        "feasible": True,
        "basis": plan.basis,
        "horizon_years": plan.horizon_years,
        "churn_penalty_bp": plan.churn_penalty_bp,
        "placements": [
            {
                "account": p.account_id,
                "account_name": p.account.name,
                "asset_class": p.asset_class.code,
                "amount": p.amount,
            }
            for p in plan.placements.all()
        ],
        "objective": plan.objective,
        "baseline_objective": plan.baseline_objective,
        "uplift_dollars": plan.uplift_dollars,
        "uplift_bp": plan.uplift_bp,
        "dollars_moved": plan.dollars_moved,
        "binding": plan.binding,
        "explanations": plan.explanations,
        "summary": plan.summary,
    }
    return SavedLocationPlanSerializer(body).data

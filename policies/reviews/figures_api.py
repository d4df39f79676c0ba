"""API of the review figures: RMDs, contribution room, stress, correlations, returns.

Read-only: every caller who may see the household (its client included) may
ask; the stress test is a POST because it takes the advisor's shocks, and it
saves nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.engine.stress import validate_shock
from advisory.engine.tax_tables import LIMIT_GROUP_LABELS, TAX_YEARS
from advisory.http import AuthenticatedRequest
from policies.reviews.figures import (
    household_contribution_room,
    household_correlations,
    household_returns,
    household_rmds,
    household_stress,
)
from portfolios.access import household_for
from portfolios.models import AssetClass, Household

YEAR_PARAMETER = OpenApiParameter("year", OpenApiTypes.INT, required=False)
AS_OF_PARAMETER = OpenApiParameter("as_of", OpenApiTypes.DATE, required=False)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def year_of(request: Request) -> int:
    """``?year=`` (default this year), which must be in the tax tables: else 400 on ``year``."""
    raw = request.query_params.get("year")
    if not raw:
        year = timezone.localdate().year
    else:
        try:
            year = int(raw)
        except ValueError:
            raise ValidationError({"year": ["Use a year such as 2026."]}) from None
    if year not in TAX_YEARS:
        known = ", ".join(str(y) for y in sorted(TAX_YEARS))
        raise ValidationError({"year": [f"No tax figures for {year}; the table covers {known}."]})
    return year


def as_of_of(request: Request) -> date:
    raw = request.query_params.get("as_of")
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"as_of": ["Use YYYY-MM-DD."]}) from None


RmdSerializer = inline_serializer(
    "Rmd",
    {
        "account": serializers.IntegerField(),
        "account_name": serializers.CharField(),
        "person": serializers.IntegerField(),
        "person_name": serializers.CharField(),
        "year": serializers.IntegerField(),
        "age": serializers.IntegerField(),
        "divisor": serializers.DecimalField(max_digits=5, decimal_places=1),
        "prior_year_end_value": serializers.DecimalField(max_digits=16, decimal_places=2),
        "prior_year_end_source": serializers.ChoiceField(["custodian", "computed"]),
        "amount": serializers.DecimalField(max_digits=16, decimal_places=2),
        "distributed": serializers.DecimalField(max_digits=16, decimal_places=2),
        "remaining": serializers.DecimalField(max_digits=16, decimal_places=2),
    },
    many=True,
)


class HouseholdRmdsView(APIView):
    """RMDs per traditional account owner for ``?year=`` (Uniform Lifetime Table only)."""

    @extend_schema(parameters=[YEAR_PARAMETER], responses={200: RmdSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk)
        rows = household_rmds(
            household=household, year=year_of(request), as_of=timezone.localdate()
        )
        return Response(
            [
                {
                    "account": row.account.pk,
                    "account_name": row.account.name,
                    "person": row.person.pk,
                    "person_name": str(row.person),
                    "year": row.rmd.year,
                    "age": row.rmd.age,
                    "divisor": _money(row.rmd.divisor),
                    "prior_year_end_value": _money(row.rmd.prior_year_end_value),
                    "prior_year_end_source": "custodian" if row.custodian_figure else "computed",
                    "amount": _money(row.rmd.amount),
                    "distributed": _money(row.rmd.distributed),
                    "remaining": _money(row.rmd.remaining),
                }
                for row in rows
            ]
        )


RoomSerializer = inline_serializer(
    "ContributionRoom",
    {
        "person": serializers.IntegerField(),
        "person_name": serializers.CharField(),
        "account_type": serializers.ChoiceField(["401k", "ira", "hsa"]),
        "year": serializers.IntegerField(),
        "limit": serializers.DecimalField(max_digits=16, decimal_places=2),
        "catch_up": serializers.DecimalField(max_digits=16, decimal_places=2),
        "contributed": serializers.DecimalField(max_digits=16, decimal_places=2),
        "remaining": serializers.DecimalField(max_digits=16, decimal_places=2),
        "over": serializers.DecimalField(max_digits=16, decimal_places=2),
    },
    many=True,
)


class HouseholdContributionRoomView(APIView):
    """Room per person and limit (401(k) and IRA shared by their Roth and traditional kinds)."""

    @extend_schema(parameters=[YEAR_PARAMETER], responses={200: RoomSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk)
        rows = household_contribution_room(household=household, year=year_of(request))
        return Response(
            [
                {
                    "person": row.person.pk,
                    "person_name": str(row.person),
                    "account_type": row.group,
                    "account_type_label": LIMIT_GROUP_LABELS[row.group],
                    "year": row.room.limit.year,
                    "limit": _money(row.room.limit.base),
                    "catch_up": _money(row.room.limit.catch_up),
                    "contributed": _money(row.room.contributed),
                    "remaining": _money(row.room.remaining),
                    "over": _money(row.room.over),
                }
                for row in rows
            ]
        )


class StressRequestSerializer(serializers.Serializer[Any]):
    shocks = serializers.DictField(
        child=serializers.DecimalField(max_digits=8, decimal_places=6), required=False
    )
    rate_shock = serializers.DecimalField(
        max_digits=8,
        decimal_places=6,
        required=False,
        allow_null=True,
        min_value=Decimal("-0.20"),
        max_value=Decimal("0.20"),
    )

    def validate_shocks(self, shocks: dict[str, Decimal]) -> dict[str, Decimal]:
        household: Household = self.context["household"]
        codes = set(
            AssetClass.objects.filter(firm_id=household.firm_id).values_list("code", flat=True)
        )
        errors = {}
        for code, shock in shocks.items():
            if code not in codes:
                errors[code] = [f"No asset class {code!r}."]
                continue
            try:
                validate_shock(code, shock)
            except ValueError:
                errors[code] = ["A shock is a fraction of at least -1 (e.g. -0.30)."]
        if errors:
            raise serializers.ValidationError(errors)
        return shocks


def stress_json(results: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": result.name,
            "value": _money(result.value),
            "impact": _money(result.impact),
            "impact_pct": _money(result.impact_pct),
            "by_class": [
                {
                    "asset_class": c.code,
                    "value": _money(c.value),
                    "shock": _money(c.shock),
                    "impact": _money(c.impact),
                }
                for c in result.by_class
            ],
        }
        for result in results
    ]


class HouseholdStressView(APIView):
    """Stress scenarios on today's values: the defaults and the caller's own shocks."""

    @extend_schema(
        request=StressRequestSerializer,
        responses={
            200: inline_serializer("StressResponse", {"scenarios": serializers.ListField()})
        },
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk)
        body = StressRequestSerializer(data=request.data, context={"household": household})
        body.is_valid(raise_exception=True)
        results = household_stress(
            household=household,
            shocks=body.validated_data.get("shocks") or None,
            rate_shock=body.validated_data.get("rate_shock"),
            as_of=timezone.localdate(),
        )
        return Response({"scenarios": stress_json(results)})


CorrelationSerializer = inline_serializer(
    "Correlation",
    {
        "asset_class": serializers.CharField(),
        "correlation": serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True),
        "median_1y": serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True),
        "flagged": serializers.BooleanField(),
        "flagged_since": serializers.DateField(allow_null=True),
    },
    many=True,
)


class HouseholdCorrelationsView(APIView):
    """Each class's 90-day correlation with US equity and whether a rise is flagged."""

    @extend_schema(parameters=[AS_OF_PARAMETER], responses={200: CorrelationSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk)
        rows = household_correlations(household=household, as_of=as_of_of(request))
        return Response(
            [
                {
                    "asset_class": row.asset_class.code,
                    "correlation": _money(row.report.correlation),
                    "median_1y": _money(row.report.median_1y),
                    "flagged": row.report.flagged,
                    "flagged_since": row.report.flagged_since,
                }
                for row in rows
            ]
        )


ReturnSerializer = inline_serializer(
    "PeriodReturn",
    {
        "period": serializers.CharField(),
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "annualised": serializers.BooleanField(),
        "twr": serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True),
        "mwr": serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True),
        "benchmark": serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True),
    },
    many=True,
)


class HouseholdReturnsView(APIView):
    """Time- and money-weighted returns against the IPS blend (``?as_of=``, ``?since=``)."""

    @extend_schema(
        parameters=[AS_OF_PARAMETER, OpenApiParameter("since", OpenApiTypes.DATE, required=False)],
        responses={200: ReturnSerializer},
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk)
        since = None
        if raw := request.query_params.get("since"):
            try:
                since = date.fromisoformat(raw)
            except ValueError:
                raise ValidationError({"since": ["Use YYYY-MM-DD."]}) from None
        result = household_returns(household=household, as_of=as_of_of(request), since=since)
        return Response(
            [
                {
                    "period": p.window.period.value,
                    "start": p.window.start,
                    "end": p.window.end,
                    "annualised": p.window.annualised,
                    "twr": _money(p.twr),
                    "mwr": _money(p.mwr),
                    "benchmark": _money(p.benchmark),
                }
                for p in result.periods
            ]
        )

"""``/api/v1/households/{id}/asset-location/``: compute (and save) a plan; read the current one.

Access: reading the saved plan needs the household visible (clients too).
Computing is advisory work, so clients get 403; operations staff may compute
but saving needs ``Capability.EDIT_POLICY`` (403 otherwise). A household
without an active IPS answers 400; one no plan fits answers 200 with
``feasible`` false and the reasons under ``binding``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.http import AuthenticatedRequest
from advisory.idempotency import IDEMPOTENCY_KEY_PARAMETER, with_idempotency
from advisory.models import Role
from policies.location.selectors import current_location_plan_get
from policies.location.serializers import (
    LocationRequestSerializer,
    LocationResultSerializer,
    SavedLocationPlanSerializer,
    location_result_json,
    saved_plan_json,
)
from policies.location.services import location_plan_compute, location_plan_save
from portfolios.access import Capability, has_capability, household_for, role_of
from portfolios.models import Household

MAY_NOT_SAVE = "You may not change this household's location plan."


def location_household_for(user: Any, pk: int | str, *, save: bool = False) -> Household:
    """The household to plan for: 404 if unseen; 403 for clients, and for saving without rights."""
    household = household_for(user, pk)
    if role_of(user) == Role.CLIENT:
        raise PermissionDenied("Asset location is computed by the household's advisors.")
    if save and not has_capability(user, Capability.EDIT_POLICY):
        raise PermissionDenied(MAY_NOT_SAVE)
    return household


class HouseholdLocationView(APIView):
    """The household's asset-location plan: POST computes (and saves), GET reads the saved one."""

    @extend_schema(
        responses={
            200: SavedLocationPlanSerializer,
            404: OpenApiResponse(description="No saved location plan"),
        }
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk)
        plan = current_location_plan_get(household=household)
        if plan is None:
            raise Http404("This household has no saved location plan.")
        return Response(saved_plan_json(plan))

    @extend_schema(
        request=LocationRequestSerializer,
        responses={
            200: LocationResultSerializer,
            201: LocationResultSerializer,
            400: OpenApiResponse(description="Bad options, or no active IPS"),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = location_household_for(request.user, pk)
        options = LocationRequestSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        save = options.validated_data["save"]
        if save and not has_capability(request.user, Capability.EDIT_POLICY):
            raise PermissionDenied(MAY_NOT_SAVE)

        def compute() -> Response:
            result = location_plan_compute(
                household=household,
                as_of=options.validated_data.get("as_of") or timezone.localdate(),
                options=options.location_options(),
            )
            if not (save and result.plan.feasible):
                return Response(location_result_json(result))
            saved = location_plan_save(household=household, user=request.user, result=result)
            return Response(
                location_result_json(result, saved=saved), status=status.HTTP_201_CREATED
            )

        return with_idempotency(request, compute)

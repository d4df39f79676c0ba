"""REST endpoints for IPS versions, drift, the risk questionnaire and acknowledgements.

Each view parses, checks access through ``portfolios.access``, calls a
selector or service and serializes. Reading needs the household visible;
writing a version needs ``Capability.EDIT_POLICY``; acknowledging needs
``Capability.ACKNOWLEDGE`` (clients).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.engine.risk import score_questionnaire, suggest_allocation
from advisory.http import AuthenticatedRequest
from advisory.idempotency import IDEMPOTENCY_KEY_PARAMETER, with_idempotency
from policies.models import DocumentStatus, InvestmentPolicy, PolicyStatus
from policies.selectors import (
    active_policy_get,
    household_drift,
    policy_diff,
    policy_get,
    policy_list,
)
from policies.serializers import (
    AcknowledgementResultSerializer,
    DocumentPendingSerializer,
    DriftReportSerializer,
    PolicyDiffSerializer,
    PolicySerializer,
    PolicyWriteSerializer,
    RiskProfileInputSerializer,
    RiskProfileSerializer,
    RiskQuestionnaireSerializer,
    drift_json,
    policy_diff_json,
    questionnaire_json,
    risk_profile_json,
)
from policies.services import (
    policy_acknowledge,
    policy_activate,
    policy_create,
    policy_discard,
    policy_document_request,
    policy_update_draft,
)
from portfolios.access import Capability, household_for
from portfolios.models import ClientLink, Household
from portfolios.selectors import eldest_age, firm_class_names


def _clients(household_id: int) -> list[Any]:
    links = ClientLink.objects.filter(household_id=household_id).select_related("user")
    return [link.user for link in links.order_by("user__email")]


def _policy_response(
    request: AuthenticatedRequest,
    policy: InvestmentPolicy,
    *,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    fresh = policy_get(user=request.user, pk=policy.pk)
    context = {"request": request, "clients": _clients(fresh.household_id)}
    return Response(PolicySerializer(fresh, context=context).data, status=status_code)


def _write_serializer(household: Household, data: Any) -> PolicyWriteSerializer:
    serializer = PolicyWriteSerializer(
        data=data,
        context={"class_names": firm_class_names(household.firm_id), "firm_id": household.firm_id},
    )
    serializer.is_valid(raise_exception=True)
    return serializer


class HouseholdPolicyView(APIView):
    """The household's active IPS; POST a new version (active unless ``status`` is draft)."""

    @extend_schema(responses={200: PolicySerializer, 404: OpenApiResponse(description="No IPS")})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk)
        policy = active_policy_get(household=household)
        if policy is None:
            raise Http404("This household has no active IPS.")
        return _policy_response(request, policy)

    @extend_schema(
        request=PolicyWriteSerializer,
        responses={201: PolicySerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk, write=Capability.EDIT_POLICY)

        def create() -> Response:
            serializer = _write_serializer(household, request.data)
            policy = policy_create(
                household=household,
                author=request.user,
                draft=serializer.draft,
                activate=serializer.validated_data["status"] == PolicyStatus.ACTIVE,
                following=serializer.following,
            )
            return _policy_response(request, policy, status_code=status.HTTP_201_CREATED)

        return with_idempotency(request, create)


class HouseholdPolicyListView(generics.ListAPIView):
    """Every IPS version of the household, newest first."""

    request: AuthenticatedRequest

    serializer_class = PolicySerializer
    queryset = InvestmentPolicy.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self) -> QuerySet[InvestmentPolicy]:
        if getattr(self, "swagger_fake_view", False):
            return InvestmentPolicy.objects.none()
        self.household = household_for(self.request.user, self.kwargs["pk"])
        return policy_list(household=self.household, user=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if hasattr(self, "household"):
            context["clients"] = _clients(self.household.pk)
        return context


def _as_of(request: AuthenticatedRequest) -> date:
    raw = request.query_params.get("as_of")
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"as_of": ["Use YYYY-MM-DD."]}) from None


class HouseholdDriftView(APIView):
    """Drift of every class against the active IPS, and whether to rebalance (``?as_of=``)."""

    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, required=False)],
        responses={200: DriftReportSerializer, 404: OpenApiResponse(description="No active IPS")},
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk)
        report = household_drift(household=household, as_of=_as_of(request))
        policy = active_policy_get(household=household) if report else None
        if report is None or policy is None:
            raise Http404("This household has no active IPS.")
        return Response(drift_json(report, household_id=household.pk, policy_id=policy.pk))


class PolicyDetailView(APIView):
    """One version. PUT replaces a draft; DELETE discards a draft. Active versions are final."""

    @extend_schema(responses={200: PolicySerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return _policy_response(request, policy_get(user=request.user, pk=pk))

    @extend_schema(request=PolicyWriteSerializer, responses={200: PolicySerializer})
    def put(self, request: AuthenticatedRequest, pk: int) -> Response:
        policy = policy_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
        serializer = _write_serializer(policy.household, request.data)
        updated = policy_update_draft(
            policy=policy, draft=serializer.draft, following=serializer.following
        )
        return _policy_response(request, updated)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        policy = policy_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
        policy_discard(policy=policy)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyActivateView(APIView):
    """Make a draft the active version (the previous one is superseded); 409 if not a draft."""

    @extend_schema(request=None, responses={200: PolicySerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        policy = policy_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
        return _policy_response(request, policy_activate(policy=policy, user=request.user))


class PolicyAcknowledgeView(APIView):
    """A client acknowledges the active IPS (201 the first time, 200 after)."""

    @extend_schema(
        request=None,
        responses={201: AcknowledgementResultSerializer, 200: AcknowledgementResultSerializer},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        policy = policy_get(user=request.user, pk=pk, write=Capability.ACKNOWLEDGE)
        acknowledgement, created = policy_acknowledge(policy=policy, user=request.user)
        body = {
            "policy": policy.pk,
            "user": request.user.pk,
            "acknowledged_at": acknowledgement.acknowledged_at.isoformat(),
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PolicyDocumentView(APIView):
    """The version's PDF when rendered; else 202 ``{"status": "pending"}`` (rendering queued)."""

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: OpenApiResponse(DocumentPendingSerializer, description="Rendering; ask again."),
        }
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response | FileResponse:
        policy = policy_get(user=request.user, pk=pk)
        if policy.document_status == DocumentStatus.READY and policy.document:
            return document_response(policy)
        state = policy_document_request(policy=policy)
        body = {"status": state, "url": request.build_absolute_uri()}
        return Response(body, status=status.HTTP_202_ACCEPTED)


def document_response(policy: InvestmentPolicy) -> FileResponse:
    """The stored PDF as a download named after the household and version."""
    name = f"IPS {policy.household.name} v{policy.version}.pdf"
    return FileResponse(policy.document.open("rb"), content_type="application/pdf", filename=name)


class PolicyDiffView(APIView):
    """Two versions of one household side by side: ``?a=<id>&b=<id>``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("a", OpenApiTypes.INT, required=True),
            OpenApiParameter("b", OpenApiTypes.INT, required=True),
        ],
        responses={200: PolicyDiffSerializer},
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        errors = {k: ["Required."] for k in ("a", "b") if not request.query_params.get(k)}
        if errors:
            raise ValidationError(errors)
        a = policy_get(user=request.user, pk=request.query_params["a"])
        b = policy_get(user=request.user, pk=request.query_params["b"])
        if a.household_id != b.household_id:
            raise ValidationError({"b": ["Compare two versions of the same household."]})
        return Response(policy_diff_json(policy_diff(a=a, b=b)))


class RiskQuestionnaireView(APIView):
    """The capacity and tolerance questions, their choices and the scoring rules."""

    @extend_schema(responses={200: RiskQuestionnaireSerializer})
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(questionnaire_json())


class RiskProfileView(APIView):
    """Answers in, scores and a suggested allocation out. Nothing is saved: the advisor
    edits the suggestion and POSTs it (with the answers) as a new version."""

    @extend_schema(request=RiskProfileInputSerializer, responses={200: RiskProfileSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk, write=Capability.EDIT_POLICY)
        serializer = RiskProfileInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            scores = score_questionnaire(serializer.validated_data["answers"])
        except ValueError as problem:
            raise ValidationError({"answers": [f"{str(problem).capitalize()}."]}) from None
        age = serializer.validated_data.get("age") or eldest_age(household, timezone.localdate())
        if age is None:
            message = "Give an age: nobody in the household has a birth date."
            raise ValidationError({"age": [message]})
        suggestion = suggest_allocation(scores, age)
        classes = firm_class_names(household.firm_id)
        return Response(risk_profile_json(scores, suggestion, classes))

"""REST endpoints for proposals, their order files and implementation plans.

Access (``portfolios.access`` through ``selectors``, as the pages):
reading needs the household visible (its advisors, the firm's admins and
operations staff, its clients); a client reads only approved and executed
proposals (404 for the others), no implementation plans (404, an empty list)
and no order file (403). Requesting, approving, rejecting and executing need
``Capability.EDIT_POLICY`` (the household's advisors and the firm's admins):
operations staff and clients get 403, anyone who cannot see the household 404.

``POST /households/{id}/proposals/`` answers 201 with the proposal, or 202
``{"id", "status": "pending"}`` with ``Location`` (the proposal, to poll) when a
worker computes it: whole shares, or a household with more lots than
``settings.PROPOSAL_ASYNC_LOT_THRESHOLD``. Approve, reject and
execute answer 200 with the proposal, 409 when its status does not allow the
action or the household changed since it was computed.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.http import AuthenticatedRequest
from advisory.idempotency import IDEMPOTENCY_KEY_PARAMETER, with_idempotency
from policies.proposals.desk import (
    account_number_of,
    fills_book,
    fills_from_csv,
    may_release,
    order_cancel,
    order_list,
    orders_release,
)
from policies.proposals.execution import proposal_execute
from policies.proposals.models import ImplementationPlan, OrderStatus, Proposal, ProposalTrade
from policies.proposals.orders import ORDERABLE, orders_csv
from policies.proposals.plans import implementation_plan_create
from policies.proposals.runs import rebalance_run_start, run_approve, run_summary, runs_for
from policies.proposals.selectors import (
    implementation_plan_get,
    implementation_plan_list,
    mark_stale,
    proposal_get,
    proposal_list,
    proposal_orders_get,
)
from policies.proposals.serializers import (
    ImplementationPlanRequestSerializer,
    ImplementationPlanSerializer,
    ProposalFilterSerializer,
    ProposalPendingSerializer,
    ProposalRequestSerializer,
    ProposalSerializer,
    RebalanceRunListSerializer,
    RebalanceRunRequestSerializer,
    RebalanceRunSerializer,
    RebalanceRunStartedSerializer,
    RejectSerializer,
)
from policies.proposals.services import (
    ProposalStateError,
    proposal_approve,
    proposal_create,
    proposal_reject,
)
from portfolios.access import Capability, has_capability, household_for, role_of

POLL_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.STR,  # a path on this host (a relative reference), not an absolute URI
    location=OpenApiParameter.HEADER,
    response=[202],
    description="The pending proposal's path, e.g. /api/v1/proposals/16/: GET it until "
    "its status is no longer pending.",
)
CONFLICT = OpenApiResponse(description="The status does not allow it, or the household changed")


def _proposal_response(
    request: AuthenticatedRequest, pk: int, code: int = status.HTTP_200_OK
) -> Response:
    proposal = proposal_get(user=request.user, pk=pk)
    mark_stale([proposal])
    return Response(ProposalSerializer(proposal).data, status=code)


class StaleMarked(generics.ListAPIView):
    """A (paginated) list of proposals, each page's rows marked stale or not in one pass."""

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        return None if page is None else mark_stale(list(page))


class HouseholdProposalsView(StaleMarked):
    """The household's proposals (GET, newest first); POST requests a new one."""

    request: AuthenticatedRequest

    serializer_class = ProposalSerializer
    queryset = Proposal.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self) -> QuerySet[Proposal]:
        if getattr(self, "swagger_fake_view", False):
            return Proposal.objects.none()
        household = household_for(self.request.user, self.kwargs["pk"])
        return proposal_list(user=self.request.user, household=household.pk)

    @extend_schema(
        request=ProposalRequestSerializer,
        responses={
            201: ProposalSerializer,
            202: ProposalPendingSerializer,
            400: OpenApiResponse(description="Bad options, or no active IPS"),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER, POLL_LOCATION],
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk, write=Capability.EDIT_POLICY)

        def create() -> Response:
            options = ProposalRequestSerializer(data=request.data, context={"household": household})
            options.is_valid(raise_exception=True)
            proposal = proposal_create(
                household=household, user=request.user, request=options.proposal_request
            )
            if proposal.is_pending:
                body = {"id": proposal.pk, "status": proposal.status}
                poll = reverse("api-proposal-detail", args=[proposal.pk])
                return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": poll})
            return _proposal_response(request, proposal.pk, status.HTTP_201_CREATED)

        return with_idempotency(request, create)


class ProposalListView(StaleMarked):
    """Proposals of every household the caller may see, newest first."""

    request: AuthenticatedRequest

    serializer_class = ProposalSerializer
    queryset = Proposal.objects.none()

    @extend_schema(parameters=[ProposalFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Proposal]:
        if getattr(self, "swagger_fake_view", False):
            return Proposal.objects.none()
        # An empty value is no filter, as with the lists' other filters.
        given = {k: v for k, v in self.request.query_params.items() if v != ""}
        params = ProposalFilterSerializer(data=given)
        params.is_valid(raise_exception=True)
        return proposal_list(
            user=self.request.user,
            household=params.validated_data.get("household"),
            status=params.validated_data.get("status"),
            kind=params.validated_data.get("kind"),
        )


class ProposalDetailView(APIView):
    """One proposal (``pending`` until a worker has computed it)."""

    @extend_schema(responses={200: ProposalSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return _proposal_response(request, pk)


class ProposalApproveView(APIView):
    """Approve a draft; 409 if it is not a draft or the household changed since."""

    @extend_schema(request=None, responses={200: ProposalSerializer, 409: CONFLICT})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        proposal = proposal_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
        proposal_approve(proposal=proposal, user=request.user)
        return _proposal_response(request, pk)


class ProposalRejectView(APIView):
    """Reject a draft or approved proposal, with an optional ``reason``; 409 otherwise."""

    @extend_schema(request=RejectSerializer, responses={200: ProposalSerializer, 409: CONFLICT})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        proposal = proposal_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal_reject(proposal=proposal, user=request.user, reason=body.validated_data["reason"])
        return _proposal_response(request, pk)


class ProposalExecuteView(APIView):
    """Apply an approved proposal to lots, cash and transactions; 409 if stale or not approved."""

    @extend_schema(request=None, responses={200: ProposalSerializer, 409: CONFLICT})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        proposal = proposal_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
        proposal_execute(proposal=proposal, user=request.user)
        return _proposal_response(request, pk)


class CSVRenderer(BaseRenderer):
    """Lets a client ask for ``text/csv``; errors still read as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        text = data if isinstance(data, str) else json.dumps(data, default=str)
        return text.encode(self.charset)


class ProposalOrdersView(APIView):
    """The order file for the custodian (CSV); a draft's is for review. 409 without orders."""

    renderer_classes = (JSONRenderer, CSVRenderer)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR, 409: CONFLICT})
    def get(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        proposal = proposal_orders_get(user=request.user, pk=pk)
        if proposal.status not in ORDERABLE:
            raise ProposalStateError(f"A {proposal.status} proposal has no orders.")
        response = HttpResponse(orders_csv(proposal), content_type="text/csv; charset=utf-8")
        filename = f"proposal-{proposal.pk}-orders.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class HouseholdImplementationPlansView(generics.ListAPIView):
    """The household's implementation plans (GET); POST a new one (cancels the active one)."""

    request: AuthenticatedRequest

    serializer_class = ImplementationPlanSerializer
    queryset = ImplementationPlan.objects.none()

    def get_queryset(self) -> QuerySet[ImplementationPlan]:
        if getattr(self, "swagger_fake_view", False):
            return ImplementationPlan.objects.none()
        household = household_for(self.request.user, self.kwargs["pk"])
        return implementation_plan_list(user=self.request.user, household=household)

    @extend_schema(
        request=ImplementationPlanRequestSerializer,
        responses={
            201: ImplementationPlanSerializer,
            400: OpenApiResponse(description="Bad options, no active IPS, nothing to do"),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER, POLL_LOCATION],
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        household = household_for(request.user, pk, write=Capability.EDIT_POLICY)

        def create() -> Response:
            body = ImplementationPlanRequestSerializer(
                data=request.data, context={"household": household}
            )
            body.is_valid(raise_exception=True)
            plan = implementation_plan_create(
                household=household,
                user=request.user,
                months=body.validated_data["months"],
                start=body.validated_data["start"],
                request=body.proposal_request,
            )
            fresh = implementation_plan_get(user=request.user, pk=plan.pk)
            data = ImplementationPlanSerializer(fresh).data
            return Response(data, status=status.HTTP_201_CREATED)

        return with_idempotency(request, create)


class ImplementationPlanDetailView(APIView):
    """One implementation plan with its tranches."""

    @extend_schema(responses={200: ImplementationPlanSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        plan = implementation_plan_get(user=request.user, pk=pk)
        return Response(ImplementationPlanSerializer(plan).data)


# --- rebalance runs -----------------------------------------------------------------------------


def _may_run(request: AuthenticatedRequest) -> None:
    if not has_capability(request.user, Capability.EDIT_POLICY):
        raise PermissionDenied("Only advisors and firm admins start rebalance runs.")


class RebalanceRunsView(APIView):
    """``POST``: start a run (202); ``GET``: the runs you started (firm admins: every one)."""

    @extend_schema(operation_id="rebalance_runs_list", responses={200: RebalanceRunListSerializer})
    def get(self, request: AuthenticatedRequest) -> Response:
        _may_run(request)
        runs = runs_for(request.user).order_by("-created_at", "-id")[:50]
        return Response({"results": [run_summary(run) for run in runs]})

    @extend_schema(
        request=RebalanceRunRequestSerializer,
        responses={202: RebalanceRunStartedSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        _may_run(request)
        firm = request.user.membership.firm

        def start() -> Response:
            body = RebalanceRunRequestSerializer(data=request.data, context={"firm": firm})
            body.is_valid(raise_exception=True)
            run = rebalance_run_start(
                user=request.user,
                firm=firm,
                selection=body.validated_data["selection"],
                request=body.validated_data["request"],
                household_ids=body.validated_data["households"],
                model_id=body.validated_data.get("model"),
            )
            answer = {"id": run.pk, "status": run.status, "total": run.total}
            return Response(answer, status=status.HTTP_202_ACCEPTED)

        return with_idempotency(request, start)


class RebalanceRunDetailView(APIView):
    """A run's progress and, once done, its summary."""

    @extend_schema(responses={200: RebalanceRunSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        _may_run(request)
        run = get_object_or_404(runs_for(request.user), pk=pk)
        return Response(run_summary(run))


class RebalanceRunApproveView(APIView):
    """Approve every draft of a run at once; each is still checked for staleness (and four eyes)."""

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        _may_run(request)
        run = get_object_or_404(runs_for(request.user), pk=pk)
        return Response(run_approve(run=run, user=request.user))


# --- the order desk -----------------------------------------------------------------------------


def _may_release(request: AuthenticatedRequest) -> None:
    if not may_release(request.user):
        raise PermissionDenied("Only the order desk (operations, admins) releases orders.")


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    proposal = serializers.IntegerField(source="proposal_id")
    household = serializers.IntegerField(source="proposal.household_id")
    account = serializers.IntegerField(source="account_id")
    account_number = serializers.SerializerMethodField()
    security = serializers.IntegerField(source="security_id")
    symbol = serializers.CharField(source="security.symbol")
    side = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=22, decimal_places=6)
    filled_quantity = serializers.DecimalField(max_digits=22, decimal_places=6)
    open_quantity = serializers.SerializerMethodField()
    status = serializers.CharField(source="order_status")

    def get_account_number(self, order: ProposalTrade) -> str:
        if self.context.get("full_numbers"):
            return account_number_of(order.account)
        return order.account.masked_number

    def get_open_quantity(self, order: ProposalTrade) -> str:
        if order.order_status == OrderStatus.CANCELLED:
            return "0.000000"
        return f"{order.quantity - order.filled_quantity:.6f}"


ORDER_FILTERS = {"status": "order_status", "household": "proposal__household_id",
                 "account": "account_id", "proposal": "proposal_id"}  # fmt: skip


class OrderListView(generics.ListAPIView):
    """Orders: the trades of approved proposals (filters status, household, account, proposal)."""

    serializer_class = OrderSerializer
    queryset = ProposalTrade.objects.none()

    def get_queryset(self) -> QuerySet[ProposalTrade]:
        if getattr(self, "swagger_fake_view", False):
            return ProposalTrade.objects.none()
        request: Any = self.request
        if not has_capability(request.user, Capability.VIEW) or role_of(request.user) == "client":
            raise PermissionDenied("Orders are for the firm's staff.")
        orders = order_list(user=request.user)
        for name, lookup in ORDER_FILTERS.items():
            value = request.query_params.get(name)
            if value:
                orders = orders.filter(**{lookup: value})
        return orders

    def get_serializer_context(self) -> dict[str, Any]:
        request: Any = self.request
        return {**super().get_serializer_context(), "full_numbers": may_release(request.user)}


class ReleaseSerializer(serializers.Serializer):
    proposals = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)
    layout = serializers.ChoiceField(choices=["generic", "block"], default="generic")


class OrderReleaseView(APIView):
    """Release approved proposals' open orders: the order file (CSV) with full account numbers."""

    renderer_classes = (JSONRenderer, CSVRenderer)

    @extend_schema(request=ReleaseSerializer, responses={(200, "text/csv"): OpenApiTypes.STR})
    def post(self, request: AuthenticatedRequest) -> HttpResponse:
        _may_release(request)
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        text = orders_release(
            user=request.user,
            proposal_ids=body.validated_data["proposals"],
            layout=body.validated_data["layout"],
        )
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="orders.csv"'
        return response


class OrderCancelView(APIView):
    """Cancel what is still open of an order."""

    @extend_schema(request=None, responses={200: OrderSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        order = get_object_or_404(order_list(user=request.user), pk=pk)
        _may_release(request)
        cancelled = order_cancel(order=order, user=request.user)
        fresh = order_list(user=request.user).get(pk=cancelled.pk)
        return Response(OrderSerializer(fresh, context={"full_numbers": True}).data)


class FillsSerializer(serializers.Serializer):
    fills = serializers.ListField(child=serializers.DictField(), required=False)
    file = serializers.FileField(required=False)


class ProposalFillsView(APIView):
    """Book the custodian's fills (JSON ``fills`` or a CSV ``file``); one bad line refuses all."""

    @extend_schema(request=FillsSerializer, responses={200: ProposalSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        proposal = proposal_get(user=request.user, pk=pk)
        _may_release(request)
        upload = request.FILES.get("file")
        data: Any = request.data
        rows: Any = data.get("fills") if hasattr(data, "get") else None
        if upload is not None:
            rows = fills_from_csv(upload.read().decode("utf-8-sig"))
        elif not isinstance(rows, list):
            rows = []
        fills_book(proposal=proposal, user=request.user, rows=rows)
        return _proposal_response(request, proposal.pk)

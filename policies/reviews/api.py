"""REST endpoints for reviews: list, one, and one APIView per action.

Reading needs the review visible (a client: their household's completed
reviews only); start, complete and skip need ``Capability.EDIT_POLICY``;
acknowledging needs ``Capability.ACKNOWLEDGE`` (the household's client).
An action the state table does not allow from the current state is 409.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.http import AuthenticatedRequest
from policies.reviews.models import Review
from policies.reviews.selectors import review_get, review_list
from policies.reviews.serializers import (
    ReviewCompleteSerializer,
    ReviewFilterSerializer,
    ReviewPacketSerializer,
    ReviewSerializer,
    ReviewSkipSerializer,
)
from policies.reviews.services import (
    review_acknowledge,
    review_complete,
    review_skip,
    review_start,
)
from portfolios.access import Capability, household_for


def _review_response(request: AuthenticatedRequest, review: Review) -> Response:
    fresh = review_get(request.user, review.pk)
    return Response(ReviewSerializer(fresh).data)


class ReviewListView(generics.ListAPIView):
    """Reviews of every household the caller may see, newest period first."""

    serializer_class = ReviewSerializer
    queryset = Review.objects.none()  # the schema's model; requests use get_queryset

    @extend_schema(parameters=[ReviewFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Review]:
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        filters = ReviewFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return review_list(user=self.request.user, **filters.validated_data)


class ReviewDetailView(APIView):
    """One review with its checklist and the actions its state allows."""

    @extend_schema(responses={200: ReviewSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(ReviewSerializer(review_get(request.user, pk)).data)


class ReviewStartView(APIView):
    """Scheduled -> in progress (409 from any other state)."""

    @extend_schema(request=None, responses={200: ReviewSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        review = review_get(request.user, pk, write=Capability.EDIT_POLICY)
        return _review_response(request, review_start(review=review, user=request.user))


class ReviewCompleteView(APIView):
    """In progress -> awaiting the client; 400 naming every checklist item without notes."""

    @extend_schema(request=ReviewCompleteSerializer, responses={200: ReviewSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        review = review_get(request.user, pk, write=Capability.EDIT_POLICY)
        body = ReviewCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = review_complete(
            review=review,
            user=request.user,
            checklist=body.validated_data["checklist"],
            summary=body.validated_data["summary"],
        )
        return _review_response(request, done)


class ReviewSkipView(APIView):
    """Scheduled or in progress -> skipped, with a reason (400 without)."""

    @extend_schema(request=ReviewSkipSerializer, responses={200: ReviewSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        review = review_get(request.user, pk, write=Capability.EDIT_POLICY)
        body = ReviewSkipSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        skipped = review_skip(
            review=review, user=request.user, reason=body.validated_data["reason"]
        )
        return _review_response(request, skipped)


class ReviewAcknowledgeView(APIView):
    """The household's client acknowledges a completed review (409 unless awaiting them)."""

    @extend_schema(request=None, responses={200: ReviewSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        review = review_get(request.user, pk, write=Capability.ACKNOWLEDGE)
        done = review_acknowledge(review=review, user=request.user)
        return _review_response(request, done)


def _as_of(request: AuthenticatedRequest) -> date:
    raw = request.query_params.get("as_of")
    today = timezone.localdate()
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"as_of": ["Use YYYY-MM-DD."]}) from None
    if day > today:
        raise ValidationError({"as_of": ["The packet cannot describe a day after today."]})
    return day


class HouseholdReviewPacketView(APIView):
    """The review packet of a household (``?as_of=`` YYYY-MM-DD, default today)."""

    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, required=False)],
        responses={200: ReviewPacketSerializer},
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        from policies.reviews.packet import review_packet

        household = household_for(request.user, pk)
        return Response(review_packet(household, as_of=_as_of(request)))


class ReviewPacketPdfView(APIView):
    """The review's packet as a PDF (kept and rendered again only when what it shows changed)."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        from policies.reviews.packet import review_packet
        from policies.reviews.pdf import review_pdf

        review = review_get(request.user, pk)
        today = timezone.localdate()
        packet = review_packet(review.household, as_of=review.packet_as_of(today), review=review)
        pdf = review_pdf(review, packet, client=False, produced_on=today)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"Review packet {review.household.name} {review.period_end:%Y-%m-%d}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response

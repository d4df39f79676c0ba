"""REST API v1 of the book of record (paths and fields in docs/API.md).

Every queryset comes from ``portfolios.selectors``, scoped by ``portfolios.access``:
a row the caller may not see answers 404. Writes are checked by role:

- households, people, accounts, lots, transactions: ``Capability.EDIT_BOOK``
  (admin, advisor on their households, operations); a client gets 403;
- securities: admins and operations (``can_edit_securities``);
- asset classes: firm admins (``can_manage_firm``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from advisory.http import AuthenticatedRequest
from advisory.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateMixin
from advisory.pagination import PagePagination
from portfolios import selectors
from portfolios.access import (
    Capability,
    can_edit_securities,
    can_manage_firm,
    firm_id_of,
    has_capability,
)
from portfolios.archiving import record_archive
from portfolios.filters import (
    AccountFilter,
    AssetClassFilter,
    HouseholdFilter,
    LotFilter,
    PersonFilter,
    PriceFilter,
    RestrictionFilter,
    SecurityFilter,
    TransactionFilter,
)
from portfolios.models import (
    Account,
    AssetClass,
    Household,
    Lot,
    Person,
    Restriction,
    Security,
    Transaction,
)
from portfolios.records import Archivable
from portfolios.serializers import (
    AccountSerializer,
    AssetClassSerializer,
    HouseholdSerializer,
    LotSerializer,
    PersonSerializer,
    PricePointSerializer,
    RestrictionSerializer,
    SecuritySerializer,
    TransactionSerializer,
)


class MayWrite(BasePermission):
    """Reads pass (the queryset scopes them); writes need ``view.may_write(user)``.

    A change to an existing row is judged only once the row was found, so a
    caller who cannot see it gets 404, never 403.
    """

    message = "You may not change this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS or _is_detail(view):
            return True
        return bool(view.may_write(request.user))  # type: ignore[attr-defined]

    def has_object_permission(self, request: Request, view: APIView, obj: Model) -> bool:
        return request.method in SAFE_METHODS or bool(view.may_write(request.user))  # type: ignore[attr-defined]


def _is_detail(view: APIView) -> bool:
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return lookup in view.kwargs


class BookViewSet(IdempotentCreateMixin, viewsets.ModelViewSet[Any]):
    """A scoped, paginated, filtered resource whose creating POST honours Idempotency-Key."""

    request: AuthenticatedRequest  # behind IsAuthenticated: request.user is a User

    permission_classes = (IsAuthenticated, MayWrite)
    pagination_class = PagePagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def may_write(self, user: Any) -> bool:
        return has_capability(user, Capability.EDIT_BOOK)

    def created_with(self) -> dict[str, Any]:
        """Fields the server sets on a new row (its firm)."""
        return {}

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @transaction.atomic
    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.save(**self.created_with())
        serializer.instance = self._reloaded(serializer.instance)

    @transaction.atomic
    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        serializer.save()
        serializer.instance = self._reloaded(serializer.instance)

    @extend_schema(
        description="Households, people, accounts, lots and transactions are archived, not "
        "deleted (204; restored from /api/v1/archive/); a person owning accounts is 409."
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: Any) -> None:
        # The financial records are archived, never deleted (docs/API.md, "Archive").
        if isinstance(instance, Archivable):
            record_archive(record=instance, user=self.request.user)
        else:
            super().perform_destroy(instance)

    def _reloaded(self, instance: Any) -> Any:
        # Read the row back through the selector for its computed values (market value).
        return self.get_queryset().filter(pk=instance.pk).first() or instance


class AssetClassViewSet(BookViewSet):
    """The firm's asset classes and capital-market assumptions. Firm admins edit them."""

    serializer_class = AssetClassSerializer
    filterset_class = AssetClassFilter
    queryset = AssetClass.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[AssetClass]:
        return selectors.asset_class_list(user=self.request.user)

    def may_write(self, user: Any) -> bool:
        return can_manage_firm(user)

    def created_with(self) -> dict[str, Any]:
        return {"firm_id": firm_id_of(self.request.user)}


class SecurityViewSet(BookViewSet):
    """The firm's securities and their last prices. Admins and operations edit them."""

    serializer_class = SecuritySerializer
    filterset_class = SecurityFilter
    queryset = Security.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Security]:
        return selectors.security_list(user=self.request.user)

    def may_write(self, user: Any) -> bool:
        return can_edit_securities(user)

    def created_with(self) -> dict[str, Any]:
        return {"firm_id": firm_id_of(self.request.user)}

    @extend_schema(
        responses=PricePointSerializer(many=True),
        parameters=[
            OpenApiParameter("after", OpenApiTypes.DATE, description="On or after this date."),
            OpenApiParameter("before", OpenApiTypes.DATE, description="On or before this date."),
        ],
    )
    @action(
        detail=True, methods=["get"], serializer_class=PricePointSerializer, filterset_class=None
    )
    def prices(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Daily closing prices, newest first."""
        if not (pk or "").isdigit():
            raise ValidationError({"id": ["A security id is a whole number."]})
        security = get_object_or_404(self.get_queryset(), pk=pk)
        prices = PriceFilter(request.query_params, queryset=selectors.price_list(security=security))
        if not prices.is_valid():
            raise ValidationError(prices.errors)
        page = self.paginate_queryset(prices.qs)
        return self.get_paginated_response(PricePointSerializer(page, many=True).data)


class HouseholdViewSet(BookViewSet):
    """Households the caller may see, with their tax profile and total value."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter
    queryset = Household.objects.none()

    def get_queryset(self) -> QuerySet[Household]:
        households = selectors.household_list(user=self.request.user)
        if self.action == "list":  # the page's team ids come from one query instead
            return households.prefetch_related(None)
        return households

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        return None if page is None else selectors.household_team_ids(list(page))

    def created_with(self) -> dict[str, Any]:
        return {"firm_id": firm_id_of(self.request.user)}


class PersonViewSet(BookViewSet):
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    queryset = Person.objects.none()

    def get_queryset(self) -> QuerySet[Person]:
        return selectors.person_list(user=self.request.user)


class AccountViewSet(BookViewSet):
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    queryset = Account.objects.none()

    def get_queryset(self) -> QuerySet[Account]:
        return selectors.account_list(user=self.request.user)


class LotViewSet(BookViewSet):
    serializer_class = LotSerializer
    filterset_class = LotFilter
    queryset = Lot.objects.none()

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.lot_list(user=self.request.user)


class TransactionViewSet(BookViewSet):
    """Transactions are records: they are added, never changed (no PATCH); DELETE archives.

    Recording one does not change the account's lots or cash, nor does archiving it.
    """

    serializer_class = TransactionSerializer
    filterset_class = TransactionFilter
    queryset = Transaction.objects.none()
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Transaction]:
        return selectors.transaction_list(user=self.request.user)


class RestrictionViewSet(BookViewSet):
    """Standing restrictions (GET POST DELETE): kept on the record, applied by every proposal."""

    serializer_class = RestrictionSerializer
    filterset_class = RestrictionFilter
    queryset = Restriction.objects.none()
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Restriction]:
        return selectors.restriction_list(user=self.request.user)

    @transaction.atomic
    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.save(created_by=self.request.user)

"""``/api/v1/models/`` (GET POST PATCH): the firm's model portfolios.

Staff read them; advisors and firm admins write them; clients get 403; a model of
another firm is 404. A PATCH answers the model with ``drafts`` (the IPS drafts made
for its followers: ``household``, ``policy``) and ``conflicts`` (followers whose
overrides no longer fit: ``household``, ``reason``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from advisory.http import AuthenticatedRequest
from advisory.idempotency import IDEMPOTENCY_KEY_PARAMETER, with_idempotency
from advisory.pagination import PagePagination
from policies.modelportfolios.models import ModelPortfolio
from policies.modelportfolios.selectors import may_edit_models, model_get, model_list
from policies.modelportfolios.serializers import ModelSerializer, ModelWriteSerializer
from policies.modelportfolios.services import ModelChange, model_create, model_update
from portfolios.access import firm_id_of


def change_json(change: ModelChange) -> dict[str, Any]:
    return {
        "drafts": [{"household": p.household_id, "policy": p.pk} for p in change.drafts],
        "conflicts": [{"household": h.pk, "reason": why} for h, why in change.conflicts],
    }


class ModelViewSet(viewsets.GenericViewSet[ModelPortfolio]):
    """The firm's models: targets, bands, method and a buy list per class."""

    request: AuthenticatedRequest
    permission_classes = (IsAuthenticated,)
    pagination_class = PagePagination
    serializer_class = ModelSerializer
    queryset = ModelPortfolio.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ModelPortfolio.objects.none()
        return model_list(user=self.request.user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ModelSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ModelSerializer(model_get(user=self.request.user, pk=pk)).data)

    @extend_schema(
        request=ModelWriteSerializer,
        responses={201: ModelSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request: Request) -> Response:
        user = self.request.user
        if not may_edit_models(user):
            raise PermissionDenied("Only advisors and firm admins change models.")

        firm_id = firm_id_of(user) or 0  # a writer always has a firm

        def make() -> Response:
            body = ModelWriteSerializer(data=request.data, context={"firm_id": firm_id})
            body.is_valid(raise_exception=True)
            model = model_create(firm_id=firm_id, user=user, draft=body.validated_data["draft"])
            fresh = model_get(user=user, pk=model.pk)
            return Response(ModelSerializer(fresh).data, status=status.HTTP_201_CREATED)

        return with_idempotency(self.request, make)

    @extend_schema(request=ModelWriteSerializer, responses={200: ModelSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        user = self.request.user
        model = model_get(user=user, pk=pk, write=True)
        context = {"firm_id": model.firm_id, "model": model}
        body = ModelWriteSerializer(data=request.data, context=context, partial=True)
        body.is_valid(raise_exception=True)
        draft, note = body.validated_data["draft"], body.validated_data.get("note", "")
        change = model_update(model=model, user=user, draft=draft, note=note)
        data = dict(ModelSerializer(model_get(user=user, pk=model.pk)).data)
        return Response({**data, **change_json(change)})

"""The firm's archive in the API: list archived records, restore one (firm admins).

``DELETE`` on a household, person, account, lot or transaction archives it (204);
these two endpoints are how an admin sees and undoes that (docs/API.md).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.http import AuthenticatedRequest
from advisory.pagination import PagePagination
from portfolios.access import can_manage_firm, firm_id_of
from portfolios.archiving import ARCHIVABLE, archived_rows, record_restore

KIND_HELP = "households, people, accounts, lots or transactions"


class ArchivedRecordSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=KIND_HELP)
    name = serializers.CharField(help_text="The record as pages name it.")
    archived_at = serializers.DateTimeField()
    archived_by = serializers.IntegerField(
        source="archived_by_id", allow_null=True, help_text="User id."
    )
    version = serializers.IntegerField()


def _admin(request: AuthenticatedRequest) -> None:
    if not can_manage_firm(request.user):
        raise PermissionDenied("Only firm admins see and restore the archive.")


def _kind(kind: str | None) -> str:
    if kind not in ARCHIVABLE:
        raise ValidationError({"kind": [f"One of {KIND_HELP}."]})
    return kind


class ArchiveListView(APIView):
    """Records of the firm archived themselves, newest first, of one ``kind``."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, required=True, enum=[*ARCHIVABLE])],
        responses={200: ArchivedRecordSerializer(many=True)},
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        _admin(request)
        kind = _kind(request.query_params.get("kind"))
        rows = archived_rows(ARCHIVABLE[kind], firm_id=firm_id_of(request.user))
        paginator = PagePagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        items = [{"id": r.pk, "kind": kind, "name": str(r), **_archive_fields(r)} for r in page]
        return paginator.get_paginated_response(ArchivedRecordSerializer(items, many=True).data)


def _archive_fields(row: Any) -> dict[str, Any]:
    return {
        "archived_at": row.archived_at,
        "archived_by_id": row.archived_by_id,
        "version": row.version,
    }


class RestoreView(APIView):
    """Bring an archived record back (204); 409 while its household or account is archived."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=None,
        responses={
            204: None,
            403: OpenApiResponse(),
            404: OpenApiResponse(),
            409: OpenApiResponse(),
        },
    )
    def post(self, request: AuthenticatedRequest, kind: str, pk: int) -> Response:
        _admin(request)
        if kind not in ARCHIVABLE:
            raise NotFound("No such kind of record.")
        rows = archived_rows(ARCHIVABLE[kind], firm_id=firm_id_of(request.user))
        row = rows.filter(pk=pk).first()
        if row is None:
            raise NotFound("No such archived record.")
        record_restore(record=row)
        return Response(status=status.HTTP_204_NO_CONTENT)

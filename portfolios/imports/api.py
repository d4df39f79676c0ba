"""``POST /api/v1/imports/{kind}/``: a CSV file of lots, transactions or prices.

Multipart ``file`` and optional ``dry_run``. 200 with the report for a dry run,
201 when written; any error writes nothing and answers 400 in the project's
error format: ``{"detail", "code", "rows": [{"row", "column", "message"}]}`` for
rows (the header is row 1), ``{"detail", "code", "file": ["..."]}`` for a file
that cannot be read. Clients, and advisors importing prices, get 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.api_errors import DomainError
from advisory.idempotency import IDEMPOTENCY_KEY_PARAMETER, with_idempotency
from portfolios.imports.files import MAX_FILE_BYTES, MAX_ROWS
from portfolios.imports.services import ImportKind, ImportReport, book_import, may_import


class ImportRejected(DomainError):
    """A file with errors: nothing was written."""

    code = "import_rejected"


class BookImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            f"A UTF-8 CSV file (a byte-order mark is fine), at most {MAX_FILE_BYTES // 2**20} MB "
            f"and {MAX_ROWS:,} rows; header names are case-insensitive."
        )
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Check every row and report, but write nothing."
    )


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="As a spreadsheet numbers it: the header is row 1.")
    column = serializers.CharField(allow_null=True, help_text="Null when the whole row is wrong.")
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[k.value for k in ImportKind])
    dry_run = serializers.BooleanField()
    written = serializers.BooleanField(help_text="False on a dry run: nothing was written.")
    rows_read = serializers.IntegerField(help_text="Data rows in the file (blank rows skipped).")
    created = serializers.IntegerField(help_text="Rows created (on a dry run: would be).")
    updated = serializers.IntegerField(help_text="Prices replaced for an existing date.")
    securities_repriced = serializers.IntegerField(
        help_text="Securities whose last price (and its date) the file moved forward."
    )
    summary = serializers.CharField()


class ImportRejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    rows = ImportRowErrorSerializer(many=True, required=False)
    file = serializers.ListField(child=serializers.CharField(), required=False)


def report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "kind": report.kind.value,
        "dry_run": report.dry_run,
        "written": report.written,
        "rows_read": report.rows_read,
        "created": report.created,
        "updated": report.updated,
        "securities_repriced": report.securities_repriced,
        "summary": report.summary(),
    }


def rejection(report: ImportReport) -> ImportRejected:
    """The report's errors in the one error format: ``file`` or ``rows``."""
    if report.file_errors:
        return ImportRejected(report.file_errors[0], field_errors={"file": report.file_errors})
    rows = [{"row": e.row, "column": e.column, "message": e.message} for e in report.row_errors]
    return ImportRejected(report.summary(), field_errors={"rows": rows})


class BookImportView(APIView):
    """Import a CSV file into the book of record, all or nothing."""

    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        operation_id="imports_create",
        request={"multipart/form-data": BookImportUploadSerializer},
        parameters=[
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=[k.value for k in ImportKind],
                description=(
                    "lots (account, symbol, quantity, cost_basis, acquired_on); transactions "
                    "(account, symbol, kind, trade_date, quantity, amount, realized_gain, "
                    "description; history only, lots and cash are not changed); prices "
                    "(symbol, date, price; upserted, admins and operations only)."
                ),
            ),
            IDEMPOTENCY_KEY_PARAMETER,
        ],
        responses={
            200: ImportReportSerializer,
            201: ImportReportSerializer,
            400: ImportRejectedSerializer,
            403: OpenApiResponse(description="The caller may not import this kind."),
        },
    )
    def post(self, request: Request, kind: str) -> Response:
        try:
            import_kind = ImportKind(kind)
        except ValueError as unknown:
            raise Http404("No such import.") from unknown
        if not may_import(request.user, import_kind):
            raise PermissionDenied(f"You may not import {kind}.")
        upload = BookImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)

        def run() -> Response:
            report = book_import(
                kind=import_kind,
                user=request.user,
                upload=upload.validated_data["file"],
                dry_run=upload.validated_data["dry_run"],
            )
            if not report.ok:
                raise rejection(report)
            answer = status.HTTP_201_CREATED if report.written else status.HTTP_200_OK
            return Response(report_json(report), status=answer)

        return with_idempotency(request, run)

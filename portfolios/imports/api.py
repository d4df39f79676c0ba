"""``POST /api/v1/imports/{kind}/``: a CSV file of lots, transactions or prices.

Multipart ``file`` and optional ``dry_run``. 200 with the report for a dry run,
201 when written; any error writes nothing and answers 400 in the project's
error format: ``{"detail", "code", "rows": [{"row", "column", "message"}]}`` for
rows (the header is row 1), ``{"detail", "code", "file": ["..."]}`` for a file
that cannot be read. Clients, and advisors importing prices, get 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.api_errors import DomainError
from advisory.http import AuthenticatedRequest
from advisory.idempotency import IDEMPOTENCY_KEY_PARAMETER, with_idempotency
from portfolios.access import (
    Capability,
    can_edit_securities,
    firm_id_of,
    has_capability,
    household_for,
)
from portfolios.imports.exports import EXPORTS, FORMATS, Table, export_file, export_table
from portfolios.imports.files import MAX_FILE_BYTES, MAX_ROWS
from portfolios.imports.gains import realized_gains
from portfolios.imports.kinds import COLUMNS, ImportKind, ImportReport, may_import
from portfolios.imports.models import ImportMapping, ImportRecord
from portfolios.imports.progress import import_progress_of
from portfolios.imports.services import book_import, prices_upsert
from portfolios.imports.tasks import import_queue, is_large
from portfolios.models import PricePoint, Security


def _firm_id(user: Any) -> int:
    """The caller's firm; someone of no firm may not touch firm data."""
    firm_id = firm_id_of(user)
    if firm_id is None:
        raise PermissionDenied("You belong to no firm.")
    return firm_id


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
    mapping = serializers.IntegerField(required=False, help_text="A saved mapping's id.")
    apply = serializers.BooleanField(
        default=False, help_text="Transactions: move lots and cash, not only keep history."
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
    """A refused import; a malformed upload (no file, bad options) names only its fields."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
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
        "added": report.created,
        "changed": report.updated,
        "closed": report.closed,
        "unchanged": report.unchanged,
        "changes": list(report.changes[:1000]),
        "import": report.record_id,
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
                    "positions (account_number, symbol, quantity, cost_basis, acquired_on; "
                    "reconciled: added, changed, closed, unchanged); lots (account, symbol, "
                    "quantity, cost_basis, acquired_on); transactions (account or "
                    "account_number, symbol, kind, trade_date, quantity, amount, "
                    "realized_gain, description; history, or with apply they move lots and "
                    "cash); cash (account_number, date, cash); prices (symbol, date, price; "
                    "upserted, admins and operations only). CSV or XLSX; a saved mapping "
                    "reads other layouts."
                ),
            ),
            IDEMPOTENCY_KEY_PARAMETER,
        ],
        responses={
            200: ImportReportSerializer,
            201: ImportReportSerializer,
            400: ImportRejectedSerializer,
            403: OpenApiResponse(description="The caller may not import this kind."),
            405: OpenApiResponse(description="A number is a past import's id (GET only)."),
        },
    )
    def post(self, request: AuthenticatedRequest, kind: str) -> Response:
        try:
            import_kind = ImportKind(kind)
        except ValueError as unknown:
            raise Http404("No such import.") from unknown
        if not may_import(request.user, import_kind):
            raise PermissionDenied(f"You may not import {kind}.")
        upload = BookImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)

        mapping = None
        if "mapping" in upload.validated_data:
            mapping = ImportMapping.objects.filter(
                firm_id=_firm_id(request.user),
                pk=upload.validated_data["mapping"],
            ).first()
            if mapping is None:
                raise ImportRejected(
                    "No such mapping.", field_errors={"mapping": ["No mapping of your firm."]}
                )

        if is_large(upload.validated_data["file"]):
            record = import_queue(
                kind=import_kind.value,
                user=request.user,
                upload=upload.validated_data["file"],
                mapping=mapping,
                apply=upload.validated_data["apply"],
                dry_run=upload.validated_data["dry_run"],
            )
            body = {
                "id": record.pk,
                "status": record.status,
                "progress": f"/api/v1/imports/{record.pk}/",
            }
            return Response(body, status=status.HTTP_202_ACCEPTED)

        def run() -> Response:
            report = book_import(
                kind=import_kind,
                user=request.user,
                upload=upload.validated_data["file"],
                dry_run=upload.validated_data["dry_run"],
                mapping=mapping,
                apply=upload.validated_data["apply"],
            )
            if not report.ok:
                raise rejection(report)
            answer = status.HTTP_201_CREATED if report.written else status.HTTP_200_OK
            return Response(report_json(report), status=answer)

        return with_idempotency(request, run)


# --- mappings, the record of imports, bulk prices, realised gains ---------------------------


def _may_keep_book(user: Any) -> None:
    if not has_capability(user, Capability.EDIT_BOOK):
        raise PermissionDenied("Only staff who keep the book see imports and mappings.")


class ImportMappingSerializer(serializers.ModelSerializer[ImportMapping]):
    class Meta:
        model = ImportMapping
        fields = (
            "id",
            "name",
            "kind",
            "columns",
            "date_format",
            "decimal_separator",
            "thousands_separator",
            "negative_parentheses",
            "amount_sign",
            "encoding",
            "delimiter",
        )

    def validate_columns(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise serializers.ValidationError("An object of generic name to the file's header.")
        kind = self.initial_data.get("kind") or getattr(self.instance, "kind", "")
        known = {c.name for c in COLUMNS.get(ImportKind(kind), ())} if kind in ImportKind else set()
        unknown = sorted(set(value) - known)
        if known and unknown:
            raise serializers.ValidationError(f"Not columns of {kind}: {', '.join(unknown)}.")
        return value

    def validate_name(self, value: str) -> str:
        firm_id = self.context["firm_id"]
        taken = ImportMapping.objects.filter(firm_id=firm_id, name=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("Your firm has a mapping of this name.")
        return value


class ImportMappingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[ImportMapping],
):
    """The firm's saved column mappings (staff who keep the book)."""

    serializer_class = ImportMappingSerializer
    queryset = ImportMapping.objects.none()  # the schema's model; get_queryset scopes it
    request: AuthenticatedRequest
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[ImportMapping]:
        if getattr(self, "swagger_fake_view", False):
            return ImportMapping.objects.none()
        _may_keep_book(self.request.user)
        return ImportMapping.objects.filter(firm_id=_firm_id(self.request.user))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "firm_id": _firm_id(self.request.user)}

    def perform_create(self, serializer: Any) -> None:
        _may_keep_book(self.request.user)
        serializer.save(firm_id=_firm_id(self.request.user))


class ImportRecordSerializer(serializers.ModelSerializer[ImportRecord]):
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = ImportRecord
        fields = (
            "id",
            "kind",
            "file_name",
            "created_by",
            "created_at",
            "status",
            "rows_total",
            "rows_done",
            "progress",
            "apply",
            "summary",
        )

    def get_created_by(self, record: ImportRecord) -> str | None:
        return record.created_by.email if record.created_by else None


class ImportRecordListView(APIView):
    """``GET /api/v1/imports/``: the firm's past imports, newest first."""

    @extend_schema(operation_id="imports_list", responses=ImportRecordSerializer(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        _may_keep_book(request.user)
        records = ImportRecord.objects.filter(firm_id=_firm_id(request.user)).select_related(
            "created_by"
        )[:200]
        return Response(ImportRecordSerializer(records, many=True).data)


class ImportRecordDetailView(APIView):
    """``GET /api/v1/imports/{id}/``: one import, with its progress while it runs."""

    @extend_schema(
        operation_id="imports_retrieve",
        parameters=[
            OpenApiParameter("id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
        ],
        responses={
            200: ImportRecordSerializer,
            405: OpenApiResponse(description="Not a number: a kind to import (POST only)."),
        },
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        _may_keep_book(request.user)
        record = ImportRecord.objects.filter(pk=pk, firm_id=_firm_id(request.user)).first()
        if record is None:
            raise Http404("No such import.")
        data = ImportRecordSerializer(record).data
        return Response({**data, "progress": import_progress_of(record)})


class PriceRowSerializer(serializers.Serializer):
    security = serializers.IntegerField(required=False)
    symbol = serializers.CharField(required=False, max_length=20)
    date = serializers.DateField()
    price = serializers.DecimalField(max_digits=18, decimal_places=6, min_value=Decimal("0.000001"))


class BulkPricesSerializer(serializers.Serializer):
    prices = serializers.ListField(child=PriceRowSerializer(), allow_empty=False, max_length=10_000)


class BulkPricesView(APIView):
    """``POST /api/v1/prices/``: many daily closes, upserted per security and date."""

    @extend_schema(
        operation_id="prices_bulk",
        request=BulkPricesSerializer,
        responses={200: OpenApiTypes.OBJECT, 400: ImportRejectedSerializer},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        if not can_edit_securities(request.user):
            raise PermissionDenied("Admins and operations keep prices.")
        body = BulkPricesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        firm = Security.objects.filter(firm_id=_firm_id(request.user))
        by_id = {s.pk: s for s in firm}
        by_symbol = {s.symbol.upper(): s for s in by_id.values()}
        rows = body.validated_data["prices"]
        errors: dict[str, str] = {}
        points: dict[tuple[int, Any], PricePoint] = {}
        for index, row in enumerate(rows):
            found = by_id.get(row.get("security", -1)) or by_symbol.get(
                str(row.get("symbol", "")).upper()
            )
            if found is None:
                errors[str(index)] = "Unknown security: none of your firm's."
                continue
            points[(found.pk, row["date"])] = PricePoint(
                security=found, date=row["date"], close=row["price"]
            )
        if errors:
            raise DomainError(
                "Some rows name no security of yours.", field_errors={"prices": errors}
            )
        written = prices_upsert(list(points.values()))
        return Response({"created": written[0], "updated": written[1]}, status=status.HTTP_200_OK)


class RealizedGainsView(APIView):
    """``GET /api/v1/households/{id}/realized-gains/?year=YYYY``: each sale line and totals."""

    @extend_schema(
        operation_id="households_realized_gains",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.QUERY)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: AuthenticatedRequest, pk: str) -> Response:
        household = household_for(request.user, pk)
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError as bad:
            raise DomainError(
                "Give the tax year.", field_errors={"year": ["A year like 2025."]}
            ) from bad
        report = realized_gains(household=household, year=year)
        return Response(report)


class _FileRenderer(BaseRenderer):
    """Hands a download's bytes through (the view sets the content type and file name)."""

    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> Any:
        return data


class CSVFileRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXFileRenderer(_FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


def export_response(kind: str, table: Table, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise DomainError("Unknown format.", field_errors={"format": ["csv or xlsx."]})
    content, content_type, name = export_file(kind, table, fmt)
    response = Response(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def export_filters(request: AuthenticatedRequest) -> dict[str, Any]:
    """``household`` and ``year`` from the query, each checked (400 when not a number)."""
    filters: dict[str, Any] = {}
    for name, key in (("household", "household_id"), ("year", "year")):
        text = request.query_params.get(name)
        if text:
            if not text.isdigit():
                raise DomainError(f"Bad {name}.", field_errors={name: ["A whole number."]})
            filters[key] = int(text)
    return filters


class ExportView(APIView):
    """``GET /api/v1/exports/{kind}/?format=csv|xlsx&household=&year=``: what the user may see."""

    renderer_classes = (CSVFileRenderer, XLSXFileRenderer, JSONRenderer)

    @extend_schema(
        operation_id="exports_retrieve",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(EXPORTS)),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "xlsx"]),
            OpenApiParameter("household", OpenApiTypes.INT),
            OpenApiParameter("year", OpenApiTypes.INT),
        ],
        responses={200: OpenApiTypes.BINARY},
    )
    def get(self, request: AuthenticatedRequest, kind: str) -> Response:
        if kind not in EXPORTS:
            raise Http404("No such export.")
        table = export_table(kind, user=request.user, **export_filters(request))
        return export_response(kind, table, request.query_params.get("format", "csv"))

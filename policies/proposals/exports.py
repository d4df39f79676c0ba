"""``GET /api/v1/exports/proposals/``: the proposals (one row per trade) the user may see."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.http import AuthenticatedRequest
from advisory.lib.spreadsheet import Cell
from policies.proposals.models import ProposalTrade
from portfolios.access import households_for
from portfolios.imports.api import (
    CSVFileRenderer,
    XLSXFileRenderer,
    export_filters,
    export_response,
)
from portfolios.imports.exports import Table

HEADER = [
    "proposal",
    "household",
    "kind",
    "status",
    "as_of",
    "account",
    "symbol",
    "side",
    "quantity",
    "price",
    "amount",
    "estimated_tax",
]


def proposals_table(user: Any, household_id: int | None = None, **_: Any) -> Table:
    households = households_for(user)
    if household_id is not None:
        households = households.filter(pk=household_id)
    trades = (
        ProposalTrade.objects.filter(proposal__household__in=households)
        .select_related("proposal__household", "account", "security")
        .order_by("proposal__household__name", "proposal_id", "position")
    )
    rows: list[list[Cell]] = [
        [
            t.proposal_id,
            t.proposal.household.name,
            t.proposal.kind,
            t.proposal.status,
            t.proposal.as_of,
            t.account.name,
            t.security.symbol,
            t.side,
            t.quantity,
            t.price,
            t.amount,
            t.proposal.estimated_tax,
        ]
        for t in trades
    ]
    return HEADER, rows


class ProposalExportView(APIView):
    renderer_classes = (CSVFileRenderer, XLSXFileRenderer, JSONRenderer)

    @extend_schema(operation_id="exports_proposals", responses={200: OpenApiTypes.BINARY})
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = export_filters(request)
        filters.pop("year", None)
        table = proposals_table(request.user, **filters)
        return export_response("proposals", table, request.query_params.get("format", "csv"))

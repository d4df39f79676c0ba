"""/api/v1/ routes for proposals, their order files and implementation plans."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies.proposals import api as api
from policies.proposals import exports

urlpatterns: list[URLPattern | URLResolver] = [
    path("exports/proposals/", exports.ProposalExportView.as_view(), name="api-export-proposals"),
    path(
        "households/<int:pk>/proposals/",
        api.HouseholdProposalsView.as_view(),
        name="api-household-proposals",
    ),
    path("proposals/", api.ProposalListView.as_view(), name="api-proposal-list"),
    path("proposals/<int:pk>/", api.ProposalDetailView.as_view(), name="api-proposal-detail"),
    path(
        "proposals/<int:pk>/approve/",
        api.ProposalApproveView.as_view(),
        name="api-proposal-approve",
    ),
    path(
        "proposals/<int:pk>/reject/", api.ProposalRejectView.as_view(), name="api-proposal-reject"
    ),
    path(
        "proposals/<int:pk>/execute/",
        api.ProposalExecuteView.as_view(),
        name="api-proposal-execute",
    ),
    path(
        "proposals/<int:pk>/orders.csv",
        api.ProposalOrdersView.as_view(),
        name="api-proposal-orders",
    ),
    path(
        "households/<int:pk>/implementation-plans/",
        api.HouseholdImplementationPlansView.as_view(),
        name="api-implementation-plans",
    ),
    path("orders/", api.OrderListView.as_view(), name="api-orders"),
    path("orders/release/", api.OrderReleaseView.as_view(), name="api-orders-release"),
    path("orders/<int:pk>/cancel/", api.OrderCancelView.as_view(), name="api-order-cancel"),
    path("proposals/<int:pk>/fills/", api.ProposalFillsView.as_view(), name="api-proposal-fills"),
    path("rebalance-runs/", api.RebalanceRunsView.as_view(), name="api-rebalance-runs"),
    path(
        "rebalance-runs/<int:pk>/",
        api.RebalanceRunDetailView.as_view(),
        name="api-rebalance-run-detail",
    ),
    path(
        "rebalance-runs/<int:pk>/approve/",
        api.RebalanceRunApproveView.as_view(),
        name="api-rebalance-run-approve",
    ),
    path(
        "implementation-plans/<int:pk>/",
        api.ImplementationPlanDetailView.as_view(),
        name="api-implementation-plan-detail",
    ),
]

"""Pages for proposals, loss harvests, implementation plans and the approval queue."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies.proposals import desk_views, run_views
from policies.proposals import views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("households/<int:pk>/proposals/", views.household_proposals, name="household_proposals"),
    path("households/<int:pk>/proposals/new/", views.proposal_new, name="proposal_new"),
    path(
        "households/<int:pk>/harvest/new/",
        views.proposal_harvest_new,
        name="proposal_harvest_new",
    ),
    path(
        "households/<int:pk>/implementation-plans/new/",
        views.implementation_plan_new,
        name="implementation_plan_new",
    ),
    path(
        "implementation-plans/<int:pk>/",
        views.implementation_plan_detail,
        name="implementation_plan_detail",
    ),
    path("proposals/queue/", views.proposal_queue, name="proposal_queue"),
    path("orders/", desk_views.order_desk, name="order_desk"),
    path("orders/release/", desk_views.order_release_page, name="order_release"),
    path("orders/<int:pk>/fills/", desk_views.order_fills_page, name="order_fills"),
    path("rebalance-runs/", run_views.run_list, name="rebalance_runs"),
    path("rebalance-runs/<int:pk>/", run_views.run_detail, name="rebalance_run_detail"),
    path(
        "rebalance-runs/<int:pk>/progress/", run_views.run_progress, name="rebalance_run_progress"
    ),
    path(
        "rebalance-runs/<int:pk>/approve/", run_views.run_approve_page, name="rebalance_run_approve"
    ),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/approve/", views.proposal_approve_page, name="proposal_approve"),
    path("proposals/<int:pk>/rerun/", views.proposal_rerun_page, name="proposal_rerun"),
    path("proposals/<int:pk>/reject/", views.proposal_reject_page, name="proposal_reject"),
    path("proposals/<int:pk>/execute/", views.proposal_execute_page, name="proposal_execute"),
    path("proposals/<int:pk>/orders.csv", views.proposal_orders, name="proposal_orders"),
    path("proposals/<int:pk>/document.pdf", views.proposal_document, name="proposal_document"),
]

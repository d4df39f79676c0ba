from __future__ import annotations

from django.urls import path

from policies.reviews import figures_api as api

urlpatterns = [
    path("households/<int:pk>/rmds/", api.HouseholdRmdsView.as_view(), name="api-rmds"),
    path(
        "households/<int:pk>/contribution-room/",
        api.HouseholdContributionRoomView.as_view(),
        name="api-contribution-room",
    ),
    path("households/<int:pk>/stress/", api.HouseholdStressView.as_view(), name="api-stress"),
    path(
        "households/<int:pk>/correlations/",
        api.HouseholdCorrelationsView.as_view(),
        name="api-correlations",
    ),
    path("households/<int:pk>/returns/", api.HouseholdReturnsView.as_view(), name="api-returns"),
]

"""/api/v1/ route for asset location."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies.location import api as location_api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "households/<int:pk>/asset-location/",
        location_api.HouseholdLocationView.as_view(),
        name="api-asset-location",
    ),
]

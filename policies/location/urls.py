"""Pages for asset location."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies.location import views as location_views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "households/<int:pk>/location/",
        location_views.household_location,
        name="household_location",
    ),
    path(
        "households/<int:pk>/location/save/",
        location_views.household_location_save,
        name="household_location_save",
    ),
]

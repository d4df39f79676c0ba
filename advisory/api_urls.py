from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from advisory.api import ApiTokenViewSet, FirmSettingsView

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="api-token")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("firm/", FirmSettingsView.as_view(), name="api-firm-settings"),
]

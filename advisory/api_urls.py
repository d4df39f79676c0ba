from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from advisory.api import ApiTokenViewSet

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="api-token")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

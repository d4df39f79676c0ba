"""/api/v1/models/ routes."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from policies.modelportfolios import api

router = SimpleRouter()
router.register("models", api.ModelViewSet, basename="api-model")

urlpatterns: list[URLPattern | URLResolver] = list(router.urls)

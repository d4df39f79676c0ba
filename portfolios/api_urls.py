from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from portfolios import api
from portfolios.imports import api as import_api

router = SimpleRouter()
router.register("asset-classes", api.AssetClassViewSet, basename="api-asset-class")
router.register("securities", api.SecurityViewSet, basename="api-security")
router.register("households", api.HouseholdViewSet, basename="api-household")
router.register("people", api.PersonViewSet, basename="api-person")
router.register("accounts", api.AccountViewSet, basename="api-account")
router.register("lots", api.LotViewSet, basename="api-lot")
router.register("restrictions", api.RestrictionViewSet, basename="api-restriction")
router.register("transactions", api.TransactionViewSet, basename="api-transaction")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("imports/<str:kind>/", import_api.BookImportView.as_view(), name="api-import"),
]

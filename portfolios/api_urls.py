from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path
from rest_framework.routers import SimpleRouter

from portfolios import api, archive_api
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
router.register("import-mappings", import_api.ImportMappingViewSet, basename="api-import-mapping")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("imports/", import_api.ImportRecordListView.as_view(), name="api-import-list"),
    path(
        "imports/<int:pk>/", import_api.ImportRecordDetailView.as_view(), name="api-import-detail"
    ),
    path("imports/<str:kind>/", import_api.BookImportView.as_view(), name="api-import"),
    path("archive/", archive_api.ArchiveListView.as_view(), name="api-archive"),
    path(
        "archive/<str:kind>/<int:pk>/restore/",
        archive_api.RestoreView.as_view(),
        name="api-archive-restore",
    ),
    path("prices/", import_api.BulkPricesView.as_view(), name="api-prices-bulk"),
    re_path(
        r"^exports/(?P<kind>households|accounts|lots|transactions|realized-gains)/$",
        import_api.ExportView.as_view(),
        name="api-export",
    ),
    path(
        "households/<str:pk>/realized-gains/",
        import_api.RealizedGainsView.as_view(),
        name="api-household-realized-gains",
    ),
]

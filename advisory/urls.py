from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from advisory.health import healthz

# The Django admin signs in through allauth: the same rate limits and MFA as the product.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

api_v1: list[URLPattern | URLResolver] = [
    path("", include("portfolios.api_urls")),
    path("", include("policies.api_urls")),
    path("", include("policies.location.api_urls")),
    path("", include("policies.modelportfolios.api_urls")),
    path("", include("policies.proposals.api_urls")),
    path("", include("policies.reviews.api_urls")),
    path("", include("policies.reviews.figures_api_urls")),
    path("", include("advisory.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "advisory.views.not_found"
handler500 = "advisory.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("advisory.site_urls")),
    path("", include("portfolios.urls")),
    path("", include("policies.urls")),
    path("", include("policies.location.urls")),
    path("", include("policies.modelportfolios.urls")),
    path("", include("policies.proposals.urls")),
    path("", include("policies.reviews.urls")),
    path("", include("policies.portal.urls")),
]

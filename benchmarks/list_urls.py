"""The URL conf of ``benchmarks.api_list``: the site, plus a bare DRF list of households.

The bare list is what DRF gives for nothing: a ``ModelSerializer`` of the
model's own columns (no team members, no computed value), DRF's
``PageNumberPagination`` (50 a page), the firm's households by name.
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path


def _bare_view() -> Any:
    from rest_framework import generics, serializers
    from rest_framework.pagination import PageNumberPagination

    from portfolios.access import firm_id_of
    from portfolios.models import Household

    class BareSerializer(serializers.ModelSerializer[Household]):
        class Meta:
            model = Household
            exclude = ("firm", "team_members")

    class BarePagination(PageNumberPagination):
        page_size = 50

    class BareList(generics.ListAPIView[Household]):
        serializer_class = BareSerializer
        pagination_class = BarePagination

        def get_queryset(self) -> Any:
            firm = firm_id_of(self.request.user)  # type: ignore[arg-type]
            return Household.objects.filter(firm_id=firm or 0).order_by("name")

    return BareList.as_view()


_BARE: list[Any] = []


def _bare(request: Any) -> Any:
    if not _BARE:
        _BARE.append(_bare_view())
    return _BARE[0](request)


urlpatterns = [path("bench/bare-households/", _bare), path("", include("advisory.urls"))]

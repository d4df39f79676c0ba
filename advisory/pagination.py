"""API pagination (its own module: DRF imports it while its viewsets are half loaded)."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``?page=`` and ``?page_size=`` (max 500)."""

    page_size_query_param = "page_size"
    max_page_size = 500

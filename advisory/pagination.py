"""API pagination (its own module: DRF imports it while its viewsets are half loaded)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``?page=`` and ``?page_size=`` (max 500).

    A page that is not a positive whole number (``?page=0``, ``?page=abc``) is a 400
    on ``page``; a page past the last one is still a 404 (nothing there).
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not _valid_page(raw, self.last_page_strings):
            raise ValidationError({"page": ["A page is a whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)


def _valid_page(raw: str, last_page_strings: Any) -> bool:
    if raw in last_page_strings:
        return True
    return raw.isascii() and raw.isdigit() and len(raw) < 10 and int(raw) >= 1

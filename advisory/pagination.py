"""API pagination (its own module: DRF imports it while its viewsets are half loaded)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

# Nine digits: a page (or page size) past this is refused rather than counted out.
MAX_PAGE = 999_999_999


class PagePagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``?page=`` and ``?page_size=`` (max 500).

    A page that is not a positive whole number (``?page=0``, ``?page=abc``) is a 400
    on ``page`` (likewise ``page_size``; one over the maximum gets the maximum); a page
    past the last one is still a 404 (nothing there). The schema says both minimums.
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not _valid_page(raw, self.last_page_strings):
            raise ValidationError({"page": ["A page is a whole number from 1."]})
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and not _valid_page(size, ()):
            raise ValidationError({"page_size": ["A page size is a whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """The schema says what the check above enforces: a page is an integer from 1."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_query_param, self.page_size_query_param):
                parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": MAX_PAGE}
        return parameters


def _valid_page(raw: str, last_page_strings: Any) -> bool:
    if raw in last_page_strings:
        return True
    return raw.isascii() and raw.isdigit() and len(raw) < 10 and 1 <= int(raw) <= MAX_PAGE

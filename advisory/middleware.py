"""Request ids, response headers and the product's own 404 page.

- ``RequestIdMiddleware`` gives every request an id (the caller's ``X-Request-ID`` when
  it is a sane token, else a new one), puts it on every log line of the request
  (``advisory.logs``), answers it in ``X-Request-ID`` and shows it on error pages.
- ``NoStoreMiddleware``: signed-in pages and API answers carry ``Cache-Control:
  no-store`` (a shared or browser cache must not keep a client's figures).
- ``OwnNotFoundMiddleware``: with DEBUG on (the demo) Django would show its debug 404
  with the URL list; a visitor gets the product's 404 page (or JSON under /api/).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from advisory.logs import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Django's technical (debug) pages carry this tag; the product's pages never do.
_DEBUG_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'

Handler = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs "Not Found"/errors after the middleware
        # returns. request_finished (advisory.apps) clears it once the answer is sent.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RefuseNulMiddleware:
    """A NUL character in the query string or a form field is a 400, not a database error.

    PostgreSQL refuses NUL in text; a ``?status=`` filter or a lookup carrying one
    reached it and answered 500. JSON bodies are checked by advisory.parsers.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            bad = _nul_field(request.GET)
            if bad is None and request.method == "POST" and request.content_type in _FORM_TYPES:
                bad = _nul_field(request.POST)
        except SuspiciousOperation:
            # Too many fields, or a body over the limit: the API says so in its error format.
            if not request.path.startswith("/api/"):
                raise
            refusal = {"detail": "The request is malformed or too large.", "code": "invalid"}
            return JsonResponse(refusal, status=400)
        if bad is not None:
            message = "NUL characters are not allowed."
            if request.path.startswith("/api/"):
                return JsonResponse({bad: [message]}, status=400)
            return HttpResponse(f"{message} ({bad})", status=400, content_type="text/plain")
        return self.get_response(request)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_field(data: object) -> str | None:
    for key, values in data.lists():  # type: ignore[attr-defined]
        if "\x00" in key:
            return "non_field_errors"
        if any("\x00" in value for value in values if isinstance(value, str)):
            return str(key)
    return None


class NoStoreMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            patch_cache_control(response, no_store=True)
        return response


class OwnNotFoundMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not getattr(response, "streaming", False)
            and _DEBUG_PAGE_MARK in response.content
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Not found."}, status=404)
            return render(request, "404.html", status=404)
        return response


class HistoryContextMiddleware:
    """pghistory's request context (user, URL on every history event), PostgreSQL only.

    On SQLite there are no history triggers, and pghistory's context injection
    breaks SQLite's cursor; the demo runs without it.
    """

    def __init__(self, get_response: Handler) -> None:
        from pghistory.middleware import HistoryMiddleware

        self.get_response = get_response
        self.with_history = HistoryMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.db import connection

        if connection.vendor == "postgresql":
            return self.with_history(request)
        return self.get_response(request)

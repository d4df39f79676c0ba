"""One error format for the API, and domain errors turned into 400/409.

Validation errors keep DRF's shape, ``{"field": ["message"]}`` (nested for list
items); everything else is ``{"detail": "..."}`` (plus ``"code"`` for domain
errors). Deleting a row that others still reference, or losing a race on a
unique or check constraint, answers 409 rather than a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import IntegrityError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)
# deadlock_detected, serialization_failure: the database rolled the request back.
RETRYABLE_SQLSTATES = {"40P01", "40001"}


def _sqlstate(exc: Exception) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None)


class DomainError(Exception):
    """A business rule refused the request (400). ``field_errors`` name the fields."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = "invalid"

    def __init__(self, message: str, *, field_errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class ConflictError(DomainError):
    """The state changed under the request (409): stale proposal, concurrent activation."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus DomainError; 404/403 from the access module pass through.

    An error is JSON whatever the view renders otherwise (a CSV export, ``?format=csv``):
    the schema documents one error body, ``application/json``.
    """
    response = _error_response(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


def _error_response(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SuspiciousOperation):
        # Too many form fields, a body over the size limit: Django's own 400, said in JSON.
        return Response(
            {"detail": "The request is malformed or too large.", "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        body.update(exc.field_errors)
        return Response(body, status=exc.status_code)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {"detail": "Other records still refer to this one.", "code": "protected"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, OperationalError) and _sqlstate(exc) in RETRYABLE_SQLSTATES:
        # PostgreSQL broke a deadlock (or a serialization conflict) by rolling this
        # request back: nothing was written, and trying again is the answer.
        logger.warning("Concurrent write answered as 409: %s", exc)
        return Response(
            {"detail": "A concurrent change got in the way; try again.", "code": "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # Validation should have caught it; a concurrent write did not wait for us.
        logger.warning("Integrity error answered as 409: %s", exc)
        return Response(
            {"detail": "The request conflicts with the current data.", "code": "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)

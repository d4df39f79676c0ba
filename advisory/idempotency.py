"""``Idempotency-Key`` for writes that create things.

The same key from the same user returns the first response (status and body)
and creates nothing new; the same key with a different request (method, path
or body) answers 409. The record is written in the same database transaction
as whatever the view creates, so a failed request stores nothing and can be
retried with the same key; error responses (4xx/5xx) are never stored.

Three ways to use it, all calling :func:`with_idempotency`:

- ``class MyViewSet(IdempotentCreateMixin, ModelViewSet)`` wraps ``create``;
- ``@idempotent`` on an ``APIView.post`` (or any ``(self, request, ...)`` handler);
- ``with_idempotency(request, lambda: compute(), redact=("key",))`` by hand.

Add ``parameters=[IDEMPOTENCY_KEY_PARAMETER]`` to the view's ``@extend_schema``
so the OpenAPI schema documents the header.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from advisory.api_errors import ConflictError
from advisory.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is fine), at most 255 characters. Sending the same key "
        "again from the same user returns the first response and creates nothing; the same "
        "key with a different request answers 409."
    ),
)


class IdempotencyKeyReused(ConflictError):
    code = "idempotency_key_reused"


class _RollBack(Exception):
    """Carries a non-2xx response out of the atomic block so nothing it wrote is kept."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def with_idempotency(
    request: Request, compute: Callable[[], Response], *, redact: Collection[str] = ()
) -> Response:
    """Run ``compute`` once per (user, ``Idempotency-Key``); replay its 2xx response after.

    ``redact`` names top-level body fields stored as ``null`` (a secret shown once,
    like a new API token's key, is never written to the database).
    Without the header, or for an anonymous user, this is just ``compute()``.
    """
    key = request.headers.get(HEADER)
    user = request.user
    if key is None or not getattr(user, "is_authenticated", False):
        return compute()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} characters."]})
    fingerprint = request_fingerprint(request)
    earlier = _earlier_record(user, key)
    if earlier is not None:
        return _replay(earlier, fingerprint)
    try:
        return _compute_and_record(request, key, fingerprint, compute, redact)
    except IntegrityError:
        # A concurrent request with the same key won the race; answer as it did.
        earlier = _earlier_record(user, key)
        if earlier is None:
            raise
        return _replay(earlier, fingerprint)


def _earlier_record(user: Any, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def _compute_and_record(
    request: Request,
    key: str,
    fingerprint: str,
    compute: Callable[[], Response],
    redact: Collection[str],
) -> Response:
    user: Any = request.user  # authenticated: checked by with_idempotency
    try:
        with transaction.atomic():
            response = compute()
            if not status.is_success(response.status_code):
                raise _RollBack(response)
            body = _stored_body(response, redact)
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method=request.method or "",
                path=request.path[:500],
                request_hash=fingerprint,
                status_code=response.status_code,
                response_body=body,
            )
    except _RollBack as rolled_back:
        return rolled_back.response
    return response


def request_fingerprint(request: Request) -> str:
    """SHA-256 of method, path and the parsed body (key order does not matter)."""
    data: Any = request.data
    if hasattr(data, "lists"):  # a QueryDict from a form or multipart body
        data = dict(data.lists())
    payload = json.dumps(
        [request.method, request.path, data],
        sort_keys=True,
        default=_fingerprint_value,
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _fingerprint_value(value: Any) -> str:
    # An uploaded file counts by its content: the same name with other rows is another request.
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"file:{digest.hexdigest()}"
    return str(value)


def _stored_body(response: Response, redact: Collection[str]) -> Any:
    # Store exactly what the client received: render to JSON and read it back.
    if response.data is None:
        return None
    body = json.loads(JSONRenderer().render(response.data))
    if isinstance(body, dict):
        for field in redact:
            if field in body:
                body[field] = None
    return body


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for a different request.")
    return Response(
        record.response_body, status=record.status_code, headers={REPLAYED_HEADER: "true"}
    )


def idempotent[**P](handler: Callable[P, Response]) -> Callable[P, Response]:
    """Decorate ``def post(self, request, *args, **kwargs)`` of an APIView."""

    @wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        request = next(arg for arg in args if isinstance(arg, Request))
        return with_idempotency(request, lambda: handler(*args, **kwargs))

    return wrapper


class IdempotentCreateMixin:
    """Wraps a (Model)ViewSet's ``create`` in :func:`with_idempotency`."""

    idempotency_redact: tuple[str, ...] = ()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parent_create = super().create  # type: ignore[misc]
        return with_idempotency(
            request,
            lambda: parent_create(request, *args, **kwargs),
            redact=self.idempotency_redact,
        )

"""API test helpers: short names for the endpoints and the error format."""

from __future__ import annotations

from typing import Any

API = "/api/v1"


def url(resource: str, pk: int | None = None) -> str:
    """``url("lots")`` → ``/api/v1/lots/``; ``url("lots", 3)`` → ``/api/v1/lots/3/``."""
    return f"{API}/{resource}/" if pk is None else f"{API}/{resource}/{pk}/"


def assert_field_error(response: Any, field: str) -> None:
    """A 400 in the one error format, naming ``field`` with at least one message."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    messages = body[field]
    assert isinstance(messages, list | dict)
    assert messages


def at_version(model: Any, pk: int, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` plus the row's current ``version``: what a client that just read it sends."""
    return {**body, "version": model.all_objects.get(pk=pk).version}

"""Every operation of the schema documents the errors the API really answers.

``advisory.api_errors.exception_handler`` answers every error in one format, so the
schema can say it once (the ``Error`` component) and a postprocessing hook adds it to
each operation: 400 (a field's message, a bad filter or page), 401 (no or a bad token),
403 (a reader who tries to write), 404 (not there, or not the caller's), 409 (stale or
conflicting state, on writes), 415 (a body of a media type the operation does not read)
and 429 (throttled). Responses a view documents itself
are kept; one documented by a description alone gets the error body.

It also says two things the API does that drf-spectacular cannot see: an empty filter
(``?household=``) is no filter, and integrators' bodies are JSON.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        'Every API error. `{"detail": "...", "code": "..."}` for a refusal of the whole '
        'request (`code` on domain errors: "invalid", "conflict", "protected"); '
        '`{"field": ["message"]}` (nested for list items) when fields are invalid.'
    ),
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "A stable word for programs."},
    },
    "additionalProperties": True,
}
# status -> (description, only on operations that write)
ERRORS: dict[str, tuple[str, bool]] = {
    "400": ("Invalid input: each field's messages, or a domain rule refused it.", False),
    "401": ("No credentials, or a token that is invalid, expired or revoked.", False),
    "403": ("The caller may see this but not do it (a client writing, a role).", False),
    "404": ("Not there, or not the caller's to see.", False),
    "409": ("Stale or conflicting state: changed since read, or still referenced.", True),
    "415": ("The body is not of a media type this operation reads.", True),
    "429": ("Throttled: too many requests; retry after the Retry-After header.", False),
}
WRITES = {"post", "put", "patch", "delete"}
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
STRICT_QUERY = {"page", "page_size"}
HTTP_METHODS = WRITES | {"get"}


def _error_response(description: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def document_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error responses to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in HTTP_METHODS:
                _add_errors(method, operation.setdefault("responses", {}))
                _json_bodies_only(operation)
                _empty_filters_allowed(operation)
    return result


def _add_errors(method: str, responses: dict[str, Any]) -> None:
    for status, (description, writes_only) in ERRORS.items():
        if writes_only and method not in WRITES:
            continue
        documented = responses.get(status)
        if documented is None:
            responses[status] = _error_response(description)
        elif "content" not in documented:
            documented.update(_error_response(documented.get("description") or description))


def _json_bodies_only(operation: dict[str, Any]) -> None:
    """Integrators send JSON (API.md); the form encodings DRF also parses are the browser's."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        for browser_only in FORM_MEDIA_TYPES:
            content.pop(browser_only, None)


def _empty_filters_allowed(operation: dict[str, Any]) -> None:
    """``?household=`` is no filter at all (django-filter skips empty values); pages are strict."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and parameter.get("name") not in STRICT_QUERY:
            parameter["allowEmptyValue"] = True

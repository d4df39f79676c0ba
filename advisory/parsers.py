"""JSON bodies the API accepts: bounded nesting, no NUL characters.

A body nested thousands of levels deep made the serializers recurse past Python's
limit (a 500); a NUL character in a string reached PostgreSQL, which refuses it (a
500). Both are now a 400 naming the field where it can be named.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers

MAX_DEPTH = 20
NUL_MESSAGE = "NUL characters are not allowed."


def _check(value: Any, depth: int, field: str | None) -> None:
    if depth > MAX_DEPTH:
        raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, str):
        if "\x00" in value:
            raise exceptions.ValidationError({field or "non_field_errors": [NUL_MESSAGE]})
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise exceptions.ValidationError({"non_field_errors": [NUL_MESSAGE]})
            _check(item, depth + 1, field or key)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1, field)


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError as deep:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from deep
        except ValueError as bad:
            raise exceptions.ParseError(f"JSON parse error - {bad}") from bad
        _check(data, 0, None)
        return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")

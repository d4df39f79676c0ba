"""The OpenAPI schema states the bounds of decimals sent as strings.

Decimals travel as strings (``COERCE_DECIMAL_TO_STRING``), and JSON Schema's
``minimum``/``maximum`` apply to numbers only, so drf-spectacular leaves them out;
this adds ``x-minimum``/``x-maximum`` and says them in the description.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular import openapi
from rest_framework import serializers


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and schema.get("type") == "string":
            bounds = []
            if field.min_value is not None:
                schema["x-minimum"] = _number(Decimal(field.min_value))
                bounds.append(f"at least {Decimal(field.min_value):,}")
            if field.max_value is not None:
                schema["x-maximum"] = _number(Decimal(field.max_value))
                bounds.append(f"at most {Decimal(field.max_value):,}")
            if bounds:
                said = "A decimal string, " + " and ".join(bounds) + "."
                existing = schema.get("description")
                schema["description"] = f"{existing} {said}" if existing else said
        return schema

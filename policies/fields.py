"""API fields the IPS and the models share: fractions, and a class's target as written."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def fraction_field(**kwargs: Any) -> serializers.DecimalField:
    """A weight, band or drift: a fraction with 6 decimal places, as a string."""
    return serializers.DecimalField(max_digits=7, decimal_places=6, **kwargs)


class TargetInputSerializer(serializers.Serializer):
    asset_class = serializers.CharField(max_length=40, help_text="The firm's asset class code.")
    weight = fraction_field(help_text="Fraction of the portfolio, 0..1.")

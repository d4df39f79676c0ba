"""Edits that carry the version they read: the form's hidden field, the API's ``version``.

Both end in ``portfolios.archiving.save_if_current`` (one conditional UPDATE), so a
stale edit is refused with nothing saved: a form error on the page, 409 in the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from rest_framework import serializers
from rest_framework.utils import model_meta

from portfolios.archiving import save_if_current
from portfolios.records import Archivable

VERSION_HELP = (
    "The row's version: counts its saves. Required on PATCH, as read; a version that "
    "is no longer current answers 409 (code conflict) and changes nothing."
)
MISSING_VERSION = "Send the version you read (GET the row first): it guards against overwriting."


class VersionedForm(forms.ModelForm):
    """A ModelForm that posts the version it was read at (hidden) and saves only at it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["version"].required = False
        else:
            self.fields["version"].initial = self.instance.version

    def save(self, commit: bool = True) -> Any:
        if self.instance.pk is None:
            return super().save(commit=commit)
        record = super().save(commit=False)
        save_if_current(record, version=self.cleaned_data["version"])
        self.save_m2m()  # set by save(commit=False)
        return record


class VersionedSerializer(serializers.ModelSerializer):
    """``version`` in every answer; a PATCH must send it back, and is written only at it."""

    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text=VERSION_HELP
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": [MISSING_VERSION]})
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> Any:
        validated_data.pop("version", None)
        return super().create(validated_data)

    def update(self, instance: Archivable, validated_data: dict[str, Any]) -> Any:
        version = validated_data.pop("version")
        info = model_meta.get_field_info(type(instance))
        many = {}
        for attr, value in validated_data.items():
            if attr in info.relations and info.relations[attr].to_many:
                many[attr] = value
            else:
                setattr(instance, attr, value)
        save_if_current(instance, version=version)
        for attr, value in many.items():
            getattr(instance, attr).set(value)
        return instance

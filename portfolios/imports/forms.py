"""Forms of the import pages: the upload and a saved column mapping."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError

from portfolios.imports.models import ImportMapping


class BookImportForm(forms.Form):
    """The import page: what the file holds and the file. The buttons say check or import."""

    kind = forms.ChoiceField(label="The file holds", widget=forms.RadioSelect)
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="CSV (UTF-8, or as the mapping says) or XLSX; the first row names the columns.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv,.xlsx"}),
        error_messages={"required": "Choose a file.", "empty": "The file is empty."},
    )
    mapping = forms.ModelChoiceField(
        label="Column mapping",
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label="The generic layout",
    )
    apply = forms.BooleanField(
        label="Transactions: apply them to the book (lots and cash)", required=False
    )

    def __init__(
        self, *args: Any, kinds: list[tuple[str, str]], firm_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds
        mappings = ImportMapping.objects.filter(firm_id=firm_id)  # type: ignore[misc]
        cast(forms.ModelChoiceField, self.fields["mapping"]).queryset = mappings


class ImportMappingForm(forms.ModelForm):
    """A saved mapping: ``columns`` as lines of ``generic_name = File header``."""

    columns_text = forms.CharField(
        label="Columns",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line: generic name = the file's header (e.g. quantity = Shares).",
    )

    class Meta:
        model = ImportMapping
        fields = (
            "name",
            "kind",
            "date_format",
            "decimal_separator",
            "thousands_separator",
            "negative_parentheses",
            "amount_sign",
            "encoding",
            "delimiter",
        )
        help_texts: ClassVar[dict[str, str]] = {
            "date_format": "A strftime pattern like %m/%d/%Y, or excel for serial day numbers.",
        }

    def __init__(self, *args: Any, firm_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.firm_id = firm_id
        self.fields["encoding"].widget = forms.Select(
            choices=[("utf-8", "UTF-8"), ("latin-1", "Latin-1"), ("cp1252", "Windows-1252")]
        )

    def clean_columns_text(self) -> dict[str, str]:
        columns: dict[str, str] = {}
        for line in self.cleaned_data.get("columns_text", "").splitlines():
            if not line.strip():
                continue
            ours, sep, theirs = line.partition("=")
            if not sep or not ours.strip() or not theirs.strip():
                raise ValidationError(f"“{line[:40]}” is not name = header.")
            columns[ours.strip()] = theirs.strip()
        return columns

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if ImportMapping.objects.filter(firm_id=self.firm_id, name=name).exists():
            raise ValidationError("Your firm has a mapping of this name.")
        return name

    def save(self, commit: bool = True) -> ImportMapping:
        mapping = super().save(commit=False)
        mapping.firm_id = self.firm_id
        mapping.columns = self.cleaned_data.get("columns_text") or {}
        if commit:
            mapping.save()
        return mapping

"""Query-parameter filters of the book-of-record API (django-filter).

Ids are validated as positive 64-bit integers, so ``?household=abc`` or an
absurdly large number answers 400 rather than reaching the database. Filtering
on a household the caller cannot see simply matches nothing: the queryset being
filtered is already scoped by ``portfolios.access``.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from portfolios.models import (
    Account,
    AccountType,
    AssetClass,
    Household,
    Lot,
    Person,
    PricePoint,
    Restriction,
    RestrictionKind,
    Security,
    Transaction,
    TransactionKind,
)

MAX_ID = 2**63 - 1


# drf-spectacular types a NumberFilter ``number``; an id is an integer, within these bounds.
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An integer id (``NumberFilter`` would accept ``1.5``)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class _StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``); anything else is a 400, not "no filter"."""

    WORDS = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: object) -> bool | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        word = str(value).lower()
        if word not in self.WORDS:
            raise forms.ValidationError("Enter true or false.", code="invalid")
        return self.WORDS[word]

    def validate(self, value: object) -> None:
        return None


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = _StrictBooleanField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", forms.TextInput)  # the raw word, for the field to judge
        super().__init__(*args, **kwargs)


class AssetClassFilter(filters.FilterSet):
    code = filters.CharFilter(field_name="code")
    tax_exempt = StrictBooleanFilter(field_name="tax_exempt")

    class Meta:
        model = AssetClass
        fields = ("code", "tax_exempt")


class SecurityFilter(filters.FilterSet):
    symbol = filters.CharFilter(field_name="symbol", lookup_expr="iexact")
    asset_class = filters.CharFilter(
        field_name="asset_class__code", help_text="Asset class code, e.g. us_equity."
    )
    substitute_group = filters.CharFilter(field_name="substitute_group")
    search = filters.CharFilter(method="filter_search", help_text="Part of the symbol or the name.")

    class Meta:
        model = Security
        fields = ("symbol", "asset_class", "substitute_group", "search")

    def filter_search(
        self, queryset: QuerySet[Security], name: str, value: str
    ) -> QuerySet[Security]:
        return queryset.filter(Q(symbol__icontains=value) | Q(name__icontains=value))


class PriceFilter(filters.FilterSet):
    after = filters.DateFilter(field_name="date", lookup_expr="gte", help_text="On or after.")
    before = filters.DateFilter(field_name="date", lookup_expr="lte", help_text="On or before.")

    class Meta:
        model = PricePoint
        fields = ("after", "before")


class HouseholdFilter(filters.FilterSet):
    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text="Part of the household's name."
    )
    primary_advisor = IdFilter(field_name="primary_advisor_id")
    filing_status = filters.ChoiceFilter(
        field_name="filing_status", choices=Household._meta.get_field("filing_status").choices
    )

    class Meta:
        model = Household
        fields = ("search", "primary_advisor", "filing_status")


class PersonFilter(filters.FilterSet):
    household = IdFilter(field_name="household_id")

    class Meta:
        model = Person
        fields = ("household",)


class AccountFilter(filters.FilterSet):
    household = IdFilter(field_name="household_id")
    owner = IdFilter(field_name="owner_id")
    account_type = filters.ChoiceFilter(field_name="account_type", choices=AccountType.choices)

    class Meta:
        model = Account
        fields = ("household", "owner", "account_type")


class LotFilter(filters.FilterSet):
    household = IdFilter(field_name="account__household_id")
    account = IdFilter(field_name="account_id")
    security = IdFilter(field_name="security_id")
    symbol = filters.CharFilter(field_name="security__symbol", lookup_expr="iexact")
    asset_class = filters.CharFilter(
        field_name="security__asset_class__code", help_text="Asset class code."
    )
    acquired_after = filters.DateFilter(field_name="acquired_on", lookup_expr="gte")
    acquired_before = filters.DateFilter(field_name="acquired_on", lookup_expr="lte")

    class Meta:
        model = Lot
        fields = (
            "household",
            "account",
            "security",
            "symbol",
            "asset_class",
            "acquired_after",
            "acquired_before",
        )


class TransactionFilter(filters.FilterSet):
    household = IdFilter(field_name="account__household_id")
    account = IdFilter(field_name="account_id")
    security = IdFilter(field_name="security_id")
    symbol = filters.CharFilter(field_name="security__symbol", lookup_expr="iexact")
    asset_class = filters.CharFilter(
        field_name="security__asset_class__code", help_text="Asset class code."
    )
    kind = filters.ChoiceFilter(field_name="kind", choices=TransactionKind.choices)
    trade_date_after = filters.DateFilter(
        field_name="trade_date", lookup_expr="gte", help_text="On or after."
    )
    trade_date_before = filters.DateFilter(
        field_name="trade_date", lookup_expr="lte", help_text="On or before."
    )

    class Meta:
        model = Transaction
        fields = (
            "household",
            "account",
            "security",
            "symbol",
            "asset_class",
            "kind",
            "trade_date_after",
            "trade_date_before",
        )


class RestrictionFilter(filters.FilterSet):
    household = IdFilter(field_name="household_id")
    account = IdFilter(field_name="account_id")
    kind = filters.ChoiceFilter(field_name="kind", choices=RestrictionKind.choices)

    class Meta:
        model = Restriction
        fields = ("household", "account", "kind")

"""Serializers of the book-of-record API: field names are the contract of docs/API.md.

Decimals travel as strings (money 2 places, quantities and prices 6, rates 6 as
fractions). Every related id a client sends is looked up among the rows the
requesting user may act on, so an id of another firm or of a household the user
cannot see answers "does not exist", exactly like an id that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from rest_framework import serializers

from advisory.engine.money import HUNDRED, ONE, ZERO
from advisory.engine.types import TaxTreatment
from advisory.models import Role, User
from portfolios.access import (
    firm_id_of,
    households_for,
    mask_account_number,
    may_see_account_numbers,
    role_of,
)
from portfolios.models import (
    Account,
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
    amount_sign_error,
)
from portfolios.ownership import account_owner_error
from portfolios.selectors import asset_class_list, security_list
from portfolios.versioned import VersionedSerializer

UNIT_INTERVAL = {"min_value": ZERO, "max_value": ONE}
NON_NEGATIVE = {"min_value": ZERO}
SECURITY_KINDS = frozenset({TransactionKind.BUY, TransactionKind.SELL, TransactionKind.REINVEST})

Scope = Callable[[Any], QuerySet[Any]]


def _writable_households(user: Any) -> QuerySet[Household]:
    return households_for(user, write=True)


def _writable_people(user: Any) -> QuerySet[Person]:
    return Person.objects.filter(household__in=households_for(user, write=True))


def _writable_accounts(user: Any) -> QuerySet[Account]:
    return Account.objects.filter(household__in=households_for(user, write=True))


def _firm_securities(user: Any) -> QuerySet[Security]:
    return security_list(user=user)


def _firm_asset_classes(user: Any) -> QuerySet[AssetClass]:
    return asset_class_list(user=user)


def _firm_advisors(user: Any) -> QuerySet[User]:
    """People a household can be assigned to: the firm's advisors and admins."""
    firm_id = firm_id_of(user)
    if firm_id is None:
        return User.objects.none()
    return User.objects.filter(
        membership__firm_id=firm_id, membership__role__in=(Role.ADVISOR, Role.ADMIN)
    )


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id looked up among what ``scope(request.user)`` returns."""

    def __init__(self, *, scope: Scope, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scope(self.context["request"].user)

    def to_internal_value(self, data: Any) -> Any:
        # An id is a whole number: 1.5 or true must not be read as row 1.
        whole = isinstance(data, int) and not isinstance(data, bool)
        digits = isinstance(data, str) and data.isascii() and data.isdigit() and len(data) < 19
        if not (whole or digits):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class TeamMembersField(serializers.ManyRelatedField):
    """Team member ids: read from ``team_member_ids`` when the list attached them.

    A list page attaches every row's ids from one query (``household_team_ids``),
    so no row builds a related manager (0.2 ms a row); a single household reads
    its manager as usual.
    """

    def get_attribute(self, instance: Any) -> Any:
        ids = getattr(instance, "team_member_ids", None)
        return ids if ids is not None else super().get_attribute(instance)

    def to_representation(self, iterable: Any) -> list[Any]:
        if isinstance(iterable, list) and all(isinstance(i, int) for i in iterable):
            return iterable
        return super().to_representation(iterable)


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    """A related row named by a slug (an asset class ``code``), scoped like above."""

    def __init__(self, *, scope: Scope, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scope(self.context["request"].user)


class BookSerializer(serializers.ModelSerializer):
    """Refuses to move a row to another parent after it was created."""

    fixed_after_create: ClassVar[tuple[str, ...]] = ()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for field in self.fixed_after_create:
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError({field: ["Cannot be changed once created."]})
        return attrs

    @property
    def user(self) -> Any:
        return self.context["request"].user


def _firm_unique(
    model: type[Model], serializer: BookSerializer, field: str, value: str, message: str
) -> None:
    rows = model._default_manager.filter(firm_id=firm_id_of(serializer.user), **{field: value})
    if serializer.instance is not None:
        rows = rows.exclude(pk=serializer.instance.pk)
    if rows.exists():
        raise serializers.ValidationError(message)


class AssetClassSerializer(BookSerializer):
    """An asset class with its capital-market assumptions (annual fractions)."""

    class Meta:
        model = AssetClass
        fields = (
            "id",
            "code",
            "name",
            "expected_return",
            "volatility",
            "income_yield",
            "qualified_ratio",
            "turnover",
            "tax_exempt",
            "duration",
            "sort_order",
        )
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
            "expected_return": {"min_value": -ONE, "max_value": ONE},
            "volatility": UNIT_INTERVAL,
            "income_yield": UNIT_INTERVAL,
            "qualified_ratio": UNIT_INTERVAL,
            "turnover": UNIT_INTERVAL,
            "duration": {"min_value": ZERO, "max_value": HUNDRED, "required": False},
            "sort_order": {"required": False},
        }

    def validate_code(self, code: str) -> str:
        _firm_unique(AssetClass, self, "code", code, "The firm already has this asset class.")
        return code


class SecuritySerializer(BookSerializer):
    """A security and its last price. ``substitute_group`` defaults to the symbol."""

    asset_class = ScopedSlugRelatedField(
        scope=_firm_asset_classes, slug_field="code", help_text="Asset class code."
    )

    class Meta:
        model = Security
        fields = (
            "id",
            "symbol",
            "name",
            "asset_class",
            "substitute_group",
            "price",
            "price_date",
        )
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
            "price": NON_NEGATIVE,
            "substitute_group": {"required": False},
        }

    def validate_symbol(self, symbol: str) -> str:
        symbol = symbol.strip().upper()
        _firm_unique(Security, self, "symbol__iexact", symbol, "The firm already has this symbol.")
        return symbol

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("substitute_group"):
            attrs["substitute_group"] = attrs["symbol"].lower()
        return attrs


class PricePointSerializer(serializers.ModelSerializer):
    class Meta:
        model = PricePoint
        fields = ("date", "close")


class HouseholdSerializer(VersionedSerializer, BookSerializer):
    """A household and its tax profile.

    Rates are fractions in [0, 1]; carry-forwards are positive loss amounts.
    ``primary_advisor`` and ``team_members`` are assigned by firm admins; an
    advisor who creates a household becomes its primary advisor.
    """

    primary_advisor = ScopedPrimaryKeyRelatedField(
        scope=_firm_advisors, allow_null=True, required=False, help_text="User id."
    )
    team_members = TeamMembersField(
        child_relation=ScopedPrimaryKeyRelatedField(scope=_firm_advisors),
        required=False,
        help_text="User ids.",
    )
    total_value = serializers.DecimalField(
        max_digits=24,
        decimal_places=2,
        rounding=ROUND_HALF_UP,
        read_only=True,
        help_text="Cash plus every lot at its security's last price.",
    )

    class Meta:
        model = Household
        fields = (
            "id",
            "name",
            "primary_advisor",
            "team_members",
            "filing_status",
            "t_ord",
            "t_ltcg",
            "t_ret",
            "realized_st_ytd",
            "realized_lt_ytd",
            "carryforward_st",
            "carryforward_lt",
            "notes",
            "total_value",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = ("created_at", "updated_at")
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
            "t_ord": UNIT_INTERVAL,
            "t_ltcg": UNIT_INTERVAL,
            "t_ret": UNIT_INTERVAL,
            "carryforward_st": NON_NEGATIVE,
            "carryforward_lt": NON_NEGATIVE,
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is None and role_of(self.user) == Role.ADVISOR:
            attrs.setdefault("primary_advisor", self.user)
        if role_of(self.user) != Role.ADMIN:
            self._refuse_reassignment(attrs)
        return attrs

    def _refuse_reassignment(self, attrs: dict[str, Any]) -> None:
        message = ["Only a firm admin assigns households to advisors."]
        household = self.instance
        if household is None:
            primary = self.user if role_of(self.user) == Role.ADVISOR else None
            team: set[Any] = set()
        else:
            primary = household.primary_advisor
            team = set(household.team_members.all())
        if "primary_advisor" in attrs and attrs["primary_advisor"] != primary:
            raise serializers.ValidationError({"primary_advisor": message})
        if "team_members" in attrs and set(attrs["team_members"]) != team:
            raise serializers.ValidationError({"team_members": message})


class PersonSerializer(VersionedSerializer, BookSerializer):
    household = ScopedPrimaryKeyRelatedField(scope=_writable_households)
    fixed_after_create = ("household",)

    class Meta:
        model = Person
        fields = ("id", "household", "first_name", "last_name", "date_of_birth", "version")


class AccountSerializer(VersionedSerializer, BookSerializer):
    """An account. ``market_value`` = cash + lots at their securities' last prices."""

    household = ScopedPrimaryKeyRelatedField(scope=_writable_households)
    owner = ScopedPrimaryKeyRelatedField(
        scope=_writable_people, allow_null=True, required=False, help_text="Person id."
    )
    allowed_asset_classes = ScopedSlugRelatedField(
        scope=_firm_asset_classes,
        slug_field="code",
        many=True,
        required=False,
        help_text="Asset class codes an account may hold (a 401(k) menu); empty means all.",
    )
    tax_treatment = serializers.ChoiceField(
        choices=[(t.value, t.value) for t in TaxTreatment], read_only=True
    )
    masked_number = serializers.CharField(read_only=True)
    market_value = serializers.DecimalField(
        max_digits=24,
        decimal_places=2,
        rounding=ROUND_HALF_UP,
        read_only=True,
        help_text="Cash plus every lot at its security's last price.",
    )
    fixed_after_create = ("household",)

    class Meta:
        model = Account
        fields = (
            "id",
            "household",
            "owner",
            "name",
            "account_type",
            "tax_treatment",
            "custodian",
            "number_last4",
            "masked_number",
            "account_number",
            "cash",
            "cash_reserve",
            "prior_year_end_value",
            "prior_year_end_date",
            "held_away",
            "allowed_asset_classes",
            "market_value",
            "version",
        )
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
            "cash": NON_NEGATIVE,
            "cash_reserve": NON_NEGATIVE,
            "prior_year_end_value": {**NON_NEGATIVE, "required": False},
            "prior_year_end_date": {"required": False},
            "number_last4": {"help_text": "Only the last 4 digits of the account number."},
            "account_number": {
                "help_text": "The full number, written in full; read back masked (****2345) "
                "except by those who release orders."
            },
        }

    def validate_account_number(self, number: str) -> str:
        number = number.strip()
        if number and not re.fullmatch(r"[A-Za-z0-9-]{4,34}", number):
            raise serializers.ValidationError("4 to 34 letters, digits or dashes.")
        return number

    def to_representation(self, instance: Account) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if data.get("account_number") and not may_see_account_numbers(user):
            data["account_number"] = mask_account_number(instance.account_number)
        return data

    def validate_number_last4(self, digits: str) -> str:
        if digits and not (digits.isascii() and digits.isdigit()):
            raise serializers.ValidationError("Up to 4 digits, nothing else.")
        return digits

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        household = attrs.get("household", getattr(self.instance, "household", None))
        error = account_owner_error(
            account_type=attrs.get("account_type", getattr(self.instance, "account_type", "")),
            owner=attrs["owner"] if "owner" in attrs else getattr(self.instance, "owner", None),
            household=household,
        )
        if error:
            raise serializers.ValidationError({"owner": [error]})
        year_end = attrs.get("prior_year_end_date")
        if year_end is not None and (year_end.month, year_end.day) != (12, 31):
            raise serializers.ValidationError(
                {"prior_year_end_date": ["The custodian's balance is for a 31 December."]}
            )

        number = attrs.get("account_number")
        if number and household is not None:
            # Archived accounts keep their numbers (they may be restored).
            taken = Account.all_objects.filter(
                household__firm_id=household.firm_id, account_number=number
            )
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    {"account_number": ["Another account of your firm has this number."]}
                )
            attrs["number_last4"] = number[-4:] if number[-4:].isdigit() else ""
        return attrs


class LotSerializer(VersionedSerializer, BookSerializer):
    """A tax lot: ``quantity`` shares bought on ``acquired_on`` for ``cost_basis`` in total."""

    account = ScopedPrimaryKeyRelatedField(scope=_writable_accounts)
    security = ScopedPrimaryKeyRelatedField(scope=_firm_securities, help_text="Security id.")
    symbol = serializers.CharField(source="security.symbol", read_only=True)
    fixed_after_create = ("account",)

    class Meta:
        model = Lot
        fields = (
            "id",
            "account",
            "security",
            "symbol",
            "quantity",
            "cost_basis",
            "acquired_on",
            "version",
        )
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {"cost_basis": NON_NEGATIVE}

    def validate_quantity(self, quantity: Decimal) -> Decimal:
        if quantity <= ZERO:
            raise serializers.ValidationError("Ensure this value is greater than 0.")
        return quantity


class TransactionSerializer(VersionedSerializer, BookSerializer):
    """A record of what happened in an account.

    Recording a transaction does not change the account's lots or cash: the
    book is kept by the lots and cash themselves (a proposal's execution updates
    both and records its transactions). ``amount`` is the signed effect on cash
    (buys, withdrawals, fees, reinvestments negative); ``security`` is required
    for buys, sells and reinvestments and may be null for cash movements;
    ``realized_gain`` (signed) only on sells.
    """

    account = ScopedPrimaryKeyRelatedField(scope=_writable_accounts)
    security = ScopedPrimaryKeyRelatedField(
        scope=_firm_securities, allow_null=True, required=False, help_text="Security id."
    )
    symbol = serializers.CharField(source="security.symbol", read_only=True, allow_null=True)

    class Meta:
        model = Transaction
        fields = (
            "id",
            "account",
            "security",
            "symbol",
            "kind",
            "trade_date",
            "quantity",
            "amount",
            "realized_gain",
            "description",
            "created_at",
            "version",
        )
        read_only_fields = ("created_at",)
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {"quantity": NON_NEGATIVE}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        kind = attrs.get("kind")
        errors: dict[str, list[str]] = {}
        if kind in SECURITY_KINDS:
            if attrs.get("security") is None:
                errors["security"] = [f"A {kind} needs a security."]
            if attrs.get("quantity", ZERO) <= ZERO:
                errors["quantity"] = [f"A {kind} needs a quantity greater than 0."]
        if attrs.get("realized_gain") is not None and kind != TransactionKind.SELL:
            errors["realized_gain"] = ["Only a sell realizes a gain."]
        kind_now = kind or getattr(self.instance, "kind", None)
        amount = attrs.get("amount", getattr(self.instance, "amount", None))
        sign_error = None
        if kind_now is not None and amount is not None:
            sign_error = amount_sign_error(kind_now, amount)
        if sign_error:
            errors["amount"] = [sign_error]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class RestrictionSerializer(serializers.ModelSerializer):
    """A standing restriction: a security (not traded or not bought) or an account (not traded)."""

    household = ScopedPrimaryKeyRelatedField(scope=_writable_households)
    account = ScopedPrimaryKeyRelatedField(
        scope=_writable_accounts, allow_null=True, required=False, help_text="Account id or null."
    )
    security = ScopedPrimaryKeyRelatedField(
        scope=_firm_securities, allow_null=True, required=False, help_text="Security id or null."
    )
    created_by: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = Restriction
        fields = ("id", "household", "account", "security", "kind", "reason", "created_by")
        read_only_fields = ("created_by",)
        validators: ClassVar[list[Any]] = []  # the model's check is explained in validate()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        account, security = attrs.get("account"), attrs.get("security")
        if account is not None and account.household_id != attrs["household"].pk:
            raise serializers.ValidationError({"account": ["Not an account of this household."]})
        if (account is None) == (security is None):
            raise serializers.ValidationError(
                {"security": ["Name a security or an account (not both)."]}
            )
        if account is not None and attrs["kind"] != RestrictionKind.DO_NOT_TRADE:
            raise serializers.ValidationError(
                {"kind": ["An account can only be do_not_trade (or held away)."]}
            )
        if not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": ["Say why."]})
        return attrs

"""Forms for the book of record: households, people, accounts and lots.

Choices are always limited to the household's firm (securities, asset classes,
advisors) or to the household itself (account owners), so a crafted POST can
never point a row at another firm's data: an id outside the choices is a field error.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from advisory.engine.money import HUNDRED, ZERO
from advisory.models import Role, User
from advisory.validators import MAX_MONEY, MAX_SHARES
from portfolios.models import (
    Account,
    AssetClass,
    Household,
    Lot,
    Person,
    Restriction,
    RestrictionKind,
    Security,
    TransactionKind,
)
from portfolios.ownership import account_owner_error
from portfolios.versioned import VersionedForm


def money_field(*, label: str, allow_negative: bool = False, **kwargs: Any) -> forms.DecimalField:
    """Dollars and cents (2 places), the same bounds as the model's column."""
    return forms.DecimalField(
        label=label,
        max_digits=16,
        decimal_places=2,
        min_value=-MAX_MONEY if allow_negative else ZERO,
        max_value=MAX_MONEY,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


class PercentRateField(forms.DecimalField):
    """A rate typed as a percent (35 or 35.5) and stored as a fraction (0.35, 0.355)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", ZERO)
        kwargs.setdefault("max_value", HUNDRED)
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault(
            "widget", forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:
        percent = super().clean(value)
        return None if percent is None else percent / HUNDRED

    def prepare_value(self, value: Any) -> Any:
        # Initial values are stored fractions; bound data is what the user typed.
        if isinstance(value, Decimal):
            return f"{(value * HUNDRED).normalize():f}"  # 40, not 4E+1
        return value


def staff_of_firm(firm_id: int) -> Any:
    """Users of the firm who may be put on a household (not clients), active first."""
    return (
        User.objects.filter(
            membership__firm_id=firm_id,
            membership__role__in=[Role.ADMIN, Role.ADVISOR, Role.OPERATIONS],
            is_active=True,
        )
        .select_related("membership")
        .order_by("last_name", "first_name", "email")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.membership.get_role_display()})"


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.membership.get_role_display()})"


class HouseholdForm(VersionedForm):
    """The household's profile; with ``can_assign`` also its primary advisor and team."""

    t_ord = PercentRateField(
        label="Ordinary income rate (%)", help_text="Federal + state marginal rate."
    )
    t_ltcg = PercentRateField(
        label="Long-term gains rate (%)", help_text="Including the 3.8% NIIT where it applies."
    )
    t_ret = PercentRateField(
        label="Retirement withdrawal rate (%)",
        help_text="Expected rate when traditional accounts are withdrawn.",
    )
    realized_st_ytd = money_field(label="Short-term gains realised this year", allow_negative=True)
    realized_lt_ytd = money_field(label="Long-term gains realised this year", allow_negative=True)
    carryforward_st = money_field(
        label="Short-term loss carried forward", help_text="A positive amount."
    )
    carryforward_lt = money_field(
        label="Long-term loss carried forward", help_text="A positive amount."
    )

    class Meta:
        model = Household
        fields = (
            "name",
            "filing_status",
            "t_ord",
            "t_ltcg",
            "t_ret",
            "realized_st_ytd",
            "realized_lt_ytd",
            "carryforward_st",
            "carryforward_lt",
            "notes",
        )
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, firm_id: int, can_assign: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.can_assign = can_assign
        if can_assign:
            staff = staff_of_firm(firm_id)
            self.fields["primary_advisor"] = StaffChoiceField(
                queryset=staff.filter(membership__role__in=[Role.ADVISOR, Role.ADMIN]),
                required=False,
                empty_label="Unassigned",
                initial=self.instance.primary_advisor_id,
            )
            self.fields["team_members"] = StaffMultipleChoiceField(
                queryset=staff,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=list(self.instance.team_members.all()) if self.instance.pk else [],
                help_text="Advisors on the team see and manage the household.",
            )

    def assignment(self) -> tuple[User | None, list[User]] | None:
        """The chosen (primary advisor, team members), or None when the form does not assign."""
        if not self.can_assign:
            return None
        return self.cleaned_data["primary_advisor"], list(self.cleaned_data["team_members"])


class PersonForm(VersionedForm):
    class Meta:
        model = Person
        fields = ("first_name", "last_name", "date_of_birth")
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"date_of_birth": "Used for required minimum distributions."}

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date_of_birth(self) -> date | None:
        born: date | None = self.cleaned_data.get("date_of_birth")
        if born is not None and born > self.today:
            raise ValidationError("A date of birth cannot be in the future.")
        return born


class ReassignAccountsForm(forms.Form):
    """Before removing a person who owns accounts: who owns them from now on."""

    reassign_to = forms.ModelChoiceField(
        queryset=Person.objects.none(), label="Reassign their accounts to", empty_label=None
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = Person.objects.filter(household_id=person.household_id).exclude(pk=person.pk)
        cast(forms.ModelChoiceField, self.fields["reassign_to"]).queryset = others


class AccountForm(VersionedForm):
    cash = money_field(label="Cash")
    cash_reserve = money_field(
        label="Cash reserve", help_text="Cash kept aside; rebalancing never spends it."
    )

    class Meta:
        model = Account
        fields = (
            "name",
            "account_type",
            "owner",
            "custodian",
            "account_number",
            "number_last4",
            "cash",
            "cash_reserve",
            "prior_year_end_value",
            "prior_year_end_date",
            "held_away",
            "allowed_asset_classes",
        )
        widgets = {
            "allowed_asset_classes": forms.CheckboxSelectMultiple,
            "number_last4": forms.TextInput(
                attrs={"inputmode": "numeric", "pattern": "[0-9]{0,4}", "maxlength": "4"}
            ),
        }
        labels = {"allowed_asset_classes": "Investment menu", "held_away": "Held away"}
        help_texts = {
            "allowed_asset_classes": "For a 401(k) menu: the classes the plan offers. "
            "Leave all unticked when every class is available."
        }

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owner.queryset = Person.objects.filter(household=household)
        owner.empty_label = "Joint (taxable accounts only)"
        self.household = household
        menu = cast(forms.ModelMultipleChoiceField, self.fields["allowed_asset_classes"])
        menu.queryset = AssetClass.objects.filter(firm_id=household.firm_id)
        self.firm_id = household.firm_id
        if self.instance.pk and self.instance.account_number:
            self.fields["account_number"].widget.attrs["placeholder"] = "(kept; type to replace)"
            self.initial["account_number"] = ""

    def clean_number_last4(self) -> str:
        digits: str = self.cleaned_data.get("number_last4", "").strip()
        if digits and not (digits.isdigit() and len(digits) <= 4):
            raise ValidationError("Up to the last 4 digits of the account number, digits only.")
        return digits

    def clean_prior_year_end_date(self) -> date | None:
        year_end: date | None = self.cleaned_data.get("prior_year_end_date")
        if year_end is not None and (year_end.month, year_end.day) != (12, 31):
            raise ValidationError("The custodian's balance is for a 31 December.")
        return year_end

    def clean_prior_year_end_value(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("prior_year_end_value")
        if value is not None and value < 0:
            raise ValidationError("A balance is not negative.")
        return value

    def clean_account_number(self) -> str:
        number: str = self.cleaned_data.get("account_number", "").strip()
        if not number:
            return self.instance.account_number if self.instance.pk else ""
        taken = Account.all_objects.filter(household__firm_id=self.firm_id, account_number=number)
        if taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError("Another account of your firm has this number.")
        return number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = cleaned.get("account_number", "")
        if number and number[-4:].isdigit():
            cleaned["number_last4"] = number[-4:]
        if "account_type" in cleaned and "owner" in cleaned:
            error = account_owner_error(
                account_type=cleaned["account_type"],
                owner=cleaned["owner"],
                household=self.household,
            )
            if error:
                self.add_error("owner", error)
        return cleaned


def _security_label(security: Security) -> str:
    return f"{security.symbol} — {security.name}"


class LotForm(VersionedForm):
    quantity = forms.DecimalField(
        label="Quantity (shares)",
        max_digits=22,
        decimal_places=6,
        max_value=MAX_SHARES,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        help_text="Up to 6 decimal places for fractional shares.",
    )
    cost_basis = money_field(label="Total cost basis", help_text="What the whole lot cost.")

    class Meta:
        model = Lot
        fields = ("security", "quantity", "cost_basis", "acquired_on")
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"acquired_on": "Acquired on"}

    def __init__(self, *args: Any, firm_id: int, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        security = cast(forms.ModelChoiceField, self.fields["security"])
        security.queryset = Security.objects.filter(firm_id=firm_id).order_by("symbol")
        security.empty_label = "Choose a security"
        security.label_from_instance = _security_label  # type: ignore[method-assign,assignment]

    def clean_quantity(self) -> Decimal:
        shares: Decimal = self.cleaned_data["quantity"]
        if shares <= 0:
            raise ValidationError("Quantity must be more than zero.")
        return shares

    def clean_acquired_on(self) -> date:
        acquired: date = self.cleaned_data["acquired_on"]
        if acquired > self.today:
            raise ValidationError("A lot cannot be acquired in the future.")
        return acquired


class RestrictionForm(forms.ModelForm):
    """A standing restriction: a security for the whole household, or one account.

    The same rules as the model's constraint and the API's serializer, said as field
    errors: name a security or an account (not both), an account is only ever
    "do not trade", a reason is required, and the same restriction is not kept twice.
    """

    class Meta:
        model = Restriction
        fields = ("kind", "security", "account", "reason")
        labels = {"kind": "Restriction", "security": "Security (whole household)"}
        help_texts = {
            "account": "Or an account: none of its holdings are traded.",
            "reason": "Why, in a few words: the advisor's record of it.",
        }
        error_messages = {"reason": {"required": "Say why the restriction is kept."}}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        security = cast(forms.ModelChoiceField, self.fields["security"])
        security.queryset = Security.objects.filter(firm_id=household.firm_id).order_by("symbol")
        security.empty_label = "No security: an account"
        security.label_from_instance = _security_label  # type: ignore[method-assign,assignment]
        account = cast(forms.ModelChoiceField, self.fields["account"])
        account.queryset = Account.objects.filter(household=household)
        account.empty_label = "No account: a security"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        security, account = cleaned.get("security"), cleaned.get("account")
        if "security" in self.errors or "account" in self.errors:
            return cleaned
        if (security is None) == (account is None):
            self.add_error("security", "Choose a security or an account, not both.")
        elif account is not None and cleaned.get("kind") == RestrictionKind.DO_NOT_BUY:
            self.add_error("kind", "An account can only be “do not trade”.")
        elif self._already_kept(cleaned):
            self.add_error(None, "This household already has this restriction.")
        return cleaned

    def _already_kept(self, cleaned: dict[str, Any]) -> bool:
        same = Restriction.objects.filter(
            household=self.household,
            kind=cleaned.get("kind"),
            security=cleaned.get("security"),
            account=cleaned.get("account"),
        )
        return same.exists()


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search households")


class TransactionForm(forms.Form):
    """A transaction typed on the account page; ``apply`` moves lots and cash too."""

    kind = forms.ChoiceField(label="Kind", choices=TransactionKind.choices)
    trade_date = forms.DateField(label="Trade date", widget=forms.DateInput(attrs={"type": "date"}))
    security = forms.ModelChoiceField(
        label="Security", queryset=Security.objects.none(), required=False
    )
    quantity = forms.DecimalField(
        label="Shares", max_digits=22, decimal_places=6, min_value=ZERO, required=False
    )
    amount = money_field(
        label="Amount",
        allow_negative=True,
        help_text="The effect on cash: negative for buys, withdrawals, fees and reinvestments.",
    )
    lot_ids = forms.CharField(
        label="Lots to sell (optional)",
        required=False,
        help_text="A sell relieves first-in, first-out unless you name lots: id:shares, comma "
        "separated (e.g. 41:10, 42:5).",
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    apply = forms.BooleanField(
        label="Apply to the book (move lots and cash)", required=False, initial=True
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        firm_securities = Security.objects.filter(firm_id=account.household.firm_id)
        cast(forms.ModelChoiceField, self.fields["security"]).queryset = firm_securities

    def clean_lot_ids(self) -> dict[int, Decimal]:
        text = self.cleaned_data.get("lot_ids", "").strip()
        lots: dict[int, Decimal] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            lot_id, _, shares = part.partition(":")
            try:
                lots[int(lot_id)] = Decimal(shares)
            except (ValueError, ArithmeticError) as bad:
                raise ValidationError("Write lots as id:shares, e.g. 41:10.") from bad
        return lots

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["quantity"] = cleaned.get("quantity") or ZERO
        return cleaned

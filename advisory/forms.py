"""Forms of the firm administration and settings pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from advisory.models import Firm, Role, User
from advisory.services import Invitation
from portfolios.models import Household

TOKEN_LIFETIMES = {
    "30": timedelta(days=30),
    "90": timedelta(days=90),
    "365": timedelta(days=365),
}


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ADVISOR)
    household = forms.ModelChoiceField(
        queryset=Household.objects.none(),
        required=False,
        empty_label="— (staff)",
        help_text="Clients only: the household they will see.",
    )

    def __init__(self, *args: Any, firm_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.firm_id = firm_id
        # True when the address belongs to a user of another firm (see clean_email).
        self.belongs_elsewhere = False
        household = cast(forms.ModelChoiceField, self.fields["household"])
        household.queryset = Household.objects.filter(firm_id=firm_id).order_by("name")

    def clean_email(self) -> str:
        # "Already a user" only for this firm's users. For another firm's user (or a
        # superuser) the form goes through and the page answers as for any invitation,
        # but nothing is created or sent: the form must not tell who uses another firm.
        email: str = self.cleaned_data["email"].strip().lower()
        existing = User.objects.filter(email__iexact=email).select_related("membership").first()
        if existing is not None:
            membership = getattr(existing, "membership", None)
            if membership is not None and membership.firm_id == self.firm_id:
                raise ValidationError("A user with this email address already exists.")
            self.belongs_elsewhere = True
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == Role.CLIENT and not data.get("household"):
            self.add_error("household", "Choose the household this client will see.")
        return data

    def invitation(self) -> Invitation:
        data = self.cleaned_data
        return Invitation(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            household=data["household"] if data["role"] == Role.CLIENT else None,
        )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses it, e.g. “Custodian feed” or “CRM sync”."
    )
    expires_in = forms.ChoiceField(
        label="Expires after",
        choices=[("30", "30 days"), ("90", "90 days"), ("365", "1 year")],
        initial="365",
    )

    def lifetime(self) -> timedelta:
        return TOKEN_LIFETIMES[self.cleaned_data["expires_in"]]


class FirmSettingsForm(forms.ModelForm):
    """The firm's settings page: four eyes, who releases orders, proposal defaults."""

    class Meta:
        model = Firm
        fields = (
            "four_eyes",
            "advisors_release_orders",
            "default_min_trade",
            "default_allow_short_term",
            "default_whole_shares",
        )
        labels = {
            "four_eyes": "Four eyes: the approver must not be the person who asked",
            "advisors_release_orders": "Advisors may release orders (not only operations)",
            "default_min_trade": "Default minimum trade ($)",
            "default_allow_short_term": "Allow short-term gains by default",
            "default_whole_shares": "Whole shares by default",
        }

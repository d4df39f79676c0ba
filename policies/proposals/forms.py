"""The forms that request a proposal: a rebalance, a loss harvest, an implementation plan.

Each form turns what the advisor typed into the services' ``ProposalRequest``
(dollars as ``Decimal``, percents as fractions, ids as sets). Choices are
limited to the household's accounts and the firm's securities, so an id from
elsewhere is a field error here, before the service sees it. The services'
own refusals (``DomainError.field_errors``) are put back on the fields by
``add_domain_errors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from advisory.engine.money import CENT, HUNDRED, ZERO
from advisory.engine.rebalance.types import Location, RebalanceMode
from advisory.lib.format import plain_number
from advisory.validators import validate_planning_date
from policies.proposals.models import ProposalKind
from policies.proposals.request import TAX_OVERRIDES, ProposalRequest
from portfolios.models import Account, Household, Security

CASH_FLOW_PREFIX = "cash_flow_"

MODE_CHOICES = (
    (RebalanceMode.TARGET.value, "End at the targets"),
    (RebalanceMode.BAND.value, "End within half of each band (trades less)"),
)
LOCATION_CHOICES = (
    (Location.HOUSEHOLD.value, "Household totals: trades go where they cost least"),
    (Location.PLAN.value, "Every account at the saved asset-location plan"),
)
MONTH_CHOICES = tuple((n, f"{n} months") for n in range(3, 7))


def _money_field(label: str, *, required: bool = False, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "class": "num"}),
        **kwargs,
    )


def _allow_short_term_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="Allow short-term gains",
        required=False,
        initial=True,
        help_text="Off: no lot held a year or less is sold at a gain.",
    )


def _gain_budget_field() -> forms.DecimalField:
    return _money_field(
        "Gain budget",
        help_text="The most net gain (short plus long term) to realise; blank: no limit.",
    )


def _min_trade_field() -> forms.DecimalField:
    return _money_field(
        "Minimum trade",
        required=True,
        min_value=ZERO,
        initial=0,
        help_text="Every trade is zero or at least this many dollars.",
    )


def _hold_near_long_term_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Hold lots about to turn long-term (days)",
        required=False,
        min_value=0,
        max_value=366,
        initial=0,
        widget=forms.NumberInput(attrs={"class": "num"}),
        help_text="Short-term lots at a gain that turn long-term within this many days "
        "are kept when the bands allow it; blank or 0: no such rule.",
    )


class SecurityChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.symbol} · {obj.name}"


class AccountChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_account_type_display()})"


def _cents(amount: Decimal | None) -> Decimal | None:
    """Money as the services keep it: 2 places (the field already refused a third)."""
    return None if amount is None else amount.quantize(CENT)


def _plain(amount: Decimal | None) -> Decimal | None:
    """1000.00 -> 1000 for an input's value; None stays None."""
    return None if amount is None else Decimal(plain_number(amount))


class _RequestForm(forms.Form):
    """What every proposal request shares: the day, restrictions and the year's tax position."""

    as_of = forms.DateField(
        label="As of",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Holdings and prices of this day; the trade date.",
        validators=[validate_planning_date],
    )
    whole_shares = forms.BooleanField(
        label="Whole shares only",
        required=False,
        help_text="Off: fractional shares where the custodian allows them.",
    )
    do_not_trade = SecurityChoiceField(
        label="Do not trade these securities",
        queryset=Security.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    do_not_trade_accounts = AccountChoiceField(
        label="Do not trade in these accounts",
        queryset=Account.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    do_not_buy = SecurityChoiceField(
        label="Do not buy these securities",
        queryset=Security.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    realized_st_ytd = _money_field("Short-term gains realised this year", required=True)
    realized_lt_ytd = _money_field("Long-term gains realised this year", required=True)
    carryforward_st = _money_field("Short-term loss carried forward", required=True, min_value=ZERO)
    carryforward_lt = _money_field("Long-term loss carried forward", required=True, min_value=ZERO)

    restriction_fields = ("do_not_trade", "do_not_trade_accounts", "do_not_buy")
    tax_fields = TAX_OVERRIDES

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        household: Household,
        today: date,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        start: dict[str, Any] = {"as_of": today, **household.firm.proposal_defaults}
        start["min_trade"] = _plain(start["min_trade"])
        start.update({name: _plain(getattr(household, name)) for name in TAX_OVERRIDES})
        start.update(initial or {})
        super().__init__(data, initial=start)
        self.household = household
        securities = Security.objects.filter(firm_id=household.firm_id).order_by("symbol")
        accounts = Account.objects.filter(household=household).order_by("name", "pk")
        for name in ("do_not_trade", "do_not_buy"):
            self.fields[name].queryset = securities  # type: ignore[attr-defined]
        self.fields["do_not_trade_accounts"].queryset = accounts  # type: ignore[attr-defined]

    def _ids(self, name: str) -> frozenset[int]:
        return frozenset(row.pk for row in self.cleaned_data.get(name) or ())

    def common_request(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "as_of": data["as_of"],
            "whole_shares": data["whole_shares"],
            "do_not_trade": self._ids("do_not_trade"),
            "do_not_trade_accounts": self._ids("do_not_trade_accounts"),
            "do_not_buy": self._ids("do_not_buy"),
            **{name: _cents(data[name]) for name in TAX_OVERRIDES},
        }

    def fields_named(self, names: Iterable[str]) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]


class _TaxLimitsForm(forms.Form):
    """The limits a rebalance and an implementation plan share (``_tax_limits.html``)."""

    allow_short_term = _allow_short_term_field()
    gain_budget = _gain_budget_field()
    min_trade = _min_trade_field()
    hold_near_long_term_days = _hold_near_long_term_field()

    tax_limit_fields = ("allow_short_term", "gain_budget", "min_trade", "hold_near_long_term_days")

    def tax_limits(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "allow_short_term": data["allow_short_term"],
            "gain_budget": _cents(data["gain_budget"]),
            "min_trade": _cents(data["min_trade"]) or ZERO,
            "hold_near_long_term_days": data["hold_near_long_term_days"] or 0,
        }


class RebalanceProposalForm(_RequestForm, _TaxLimitsForm):
    """A tax-aware rebalance: mode, location, one cash flow per account, limits."""

    mode = forms.ChoiceField(
        choices=MODE_CHOICES, initial=RebalanceMode.TARGET.value, widget=forms.RadioSelect
    )
    location = forms.ChoiceField(
        choices=LOCATION_CHOICES, initial=Location.HOUSEHOLD.value, widget=forms.RadioSelect
    )
    option_fields = ("mode", "location", *_TaxLimitsForm.tax_limit_fields)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        household: Household,
        today: date,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(data, household=household, today=today, initial=initial)
        self.accounts = list(self.fields["do_not_trade_accounts"].queryset)  # type: ignore[attr-defined]
        for account in self.accounts:
            self.fields[f"{CASH_FLOW_PREFIX}{account.pk}"] = _money_field(
                account.name,
                help_text=account.get_account_type_display(),
            )

    def cash_flow_fields(self) -> list[forms.BoundField]:
        return [self[f"{CASH_FLOW_PREFIX}{a.pk}"] for a in self.accounts]

    def proposal_request(self) -> ProposalRequest:
        data = self.cleaned_data
        flows = {
            a.pk: data[f"{CASH_FLOW_PREFIX}{a.pk}"].quantize(CENT)
            for a in self.accounts
            if data.get(f"{CASH_FLOW_PREFIX}{a.pk}")
        }
        return ProposalRequest(
            kind=ProposalKind.REBALANCE,
            mode=RebalanceMode(data["mode"]),
            location=Location(data["location"]),
            cash_flows=flows,
            **self.tax_limits(),
            **self.common_request(),
        )


class HarvestProposalForm(_RequestForm):
    """Tax-loss harvesting: which losses are worth taking, in dollars and in percent."""

    min_loss_dollars = _money_field(
        "Smallest loss worth harvesting ($)",
        required=True,
        min_value=ZERO,
        initial=500,
        help_text="A lot is harvested when its loss is at least this many dollars…",
    )
    min_loss_percent = forms.DecimalField(
        label="…and at least this share of its cost (%)",
        min_value=ZERO,
        max_value=HUNDRED,
        max_digits=7,
        decimal_places=3,
        initial=5,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal", "class": "num"}),
    )

    option_fields = ("min_loss_dollars", "min_loss_percent", "whole_shares")

    def proposal_request(self) -> ProposalRequest:
        data = self.cleaned_data
        return ProposalRequest(
            kind=ProposalKind.HARVEST,
            min_loss_dollars=_cents(data["min_loss_dollars"]) or ZERO,
            min_loss_percent=data["min_loss_percent"] / HUNDRED,
            **self.common_request(),
        )


class ImplementationPlanForm(_RequestForm, _TaxLimitsForm):
    """A move to the IPS spread over 3 to 6 monthly tranches (household-level, no cash flows)."""

    months = forms.TypedChoiceField(
        label="Spread over",
        choices=MONTH_CHOICES,
        coerce=int,
        initial=3,
        help_text="Equal monthly tranches; each becomes its own proposal when due.",
    )
    start = forms.DateField(
        label="First tranche due",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_planning_date],
    )
    mode = forms.ChoiceField(
        choices=MODE_CHOICES,
        initial=RebalanceMode.TARGET.value,
        widget=forms.RadioSelect,
        help_text="Where the last tranche ends; the earlier ones move part of the way.",
    )
    option_fields = ("months", "start", "mode", *_TaxLimitsForm.tax_limit_fields)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        household: Household,
        today: date,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            data, household=household, today=today, initial={"start": today, **(initial or {})}
        )

    def proposal_request(self) -> ProposalRequest:
        data = self.cleaned_data
        return ProposalRequest(
            kind=ProposalKind.REBALANCE,
            mode=RebalanceMode(data["mode"]),
            **self.tax_limits(),
            **self.common_request(),
        )


def initial_from_request(request: ProposalRequest) -> dict[str, Any]:
    """A stored request as a form's initial values ("propose again with these options")."""
    initial: dict[str, Any] = {
        "mode": str(request.mode),
        "location": str(request.location),
        "allow_short_term": request.allow_short_term,
        "gain_budget": _plain(request.gain_budget),
        "min_trade": _plain(request.min_trade),
        "hold_near_long_term_days": request.hold_near_long_term_days,
        "whole_shares": request.whole_shares,
        "do_not_trade": sorted(request.do_not_trade),
        "do_not_trade_accounts": sorted(request.do_not_trade_accounts),
        "do_not_buy": sorted(request.do_not_buy),
        "min_loss_dollars": _plain(request.min_loss_dollars),
        "min_loss_percent": _plain(request.min_loss_percent * HUNDRED),
    }
    for name in TAX_OVERRIDES:
        if getattr(request, name) is not None:
            initial[name] = _plain(getattr(request, name))
    for account_id, amount in request.cash_flows.items():
        initial[f"{CASH_FLOW_PREFIX}{account_id}"] = _plain(amount)
    return initial


def _messages(value: Any) -> list[str]:
    """Every message in a DRF-shaped error (nested dicts and lists flattened)."""
    if isinstance(value, Mapping):
        return [m for item in value.values() for m in _messages(item)]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _messages(item)]
    return [str(value)]


def add_domain_errors(form: forms.Form, message: str, field_errors: Mapping[str, Any]) -> None:
    """A service's refusal on the form: on its field where the form has one, else on top."""
    placed = False
    for name, errors in field_errors.items():
        for text in _messages(errors):
            form.add_error(name if name in form.fields else None, text)
            placed = True
    if not placed:
        form.add_error(None, message)

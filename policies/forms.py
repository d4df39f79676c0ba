"""The IPS editor and the risk questionnaire, in percent as advisors type them.

The editor shows one weight per asset class of the firm (blank = no target)
and converts percents to the fractions the services take; every rule is
``services.policy_draft_errors``, so the page and the API say the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms

from advisory.engine.money import HUNDRED
from advisory.engine.risk import QUESTIONS
from advisory.lib.format import plain_number
from advisory.validators import validate_planning_date
from policies.models import InvestmentPolicy, RebalanceMethod, ReviewFrequency
from policies.services import (
    DEFAULT_ABS_BAND,
    DEFAULT_HORIZON_YEARS,
    DEFAULT_REL_BAND,
    PolicyDraft,
    TargetDraft,
    policy_draft_errors,
)

WEIGHT_PREFIX = "weight_"


def _percent_field(
    label: str, *, required: bool = False, help_text: str = ""
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=8,
        decimal_places=4,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "class": "num"}),
    )


def _fraction(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else percent / HUNDRED


def _percent(fraction: Decimal | None) -> Decimal | None:
    """0.400000 -> 40, 0.045 -> 4.5: no trailing zeros and no exponent (4E+1) in the inputs."""
    return None if fraction is None else Decimal(plain_number(fraction * HUNDRED))


class PolicyForm(forms.Form):
    """A new IPS version (or a draft's new content); weights and bands in percent."""

    abs_band = _percent_field(
        "Absolute band (points)", help_text="5 means a class may drift 5 points either way."
    )
    rel_band = _percent_field(
        "Relative band (% of target)", help_text="25 means 25% of the class's target."
    )
    method = forms.ChoiceField(choices=RebalanceMethod.choices, initial=RebalanceMethod.THRESHOLD)
    frequency = forms.ChoiceField(
        choices=[("", "—"), *ReviewFrequency.choices],
        required=False,
        help_text="Calendar and hybrid methods review on this schedule.",
    )
    anchor_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Review dates count from this day.",
        validators=[validate_planning_date],
    )
    horizon_years = forms.IntegerField(
        label="Time horizon (years)", min_value=1, max_value=100, initial=DEFAULT_HORIZON_YEARS
    )
    cash_reserve = forms.DecimalField(
        label="Cash reserve ($)",
        max_digits=16,
        decimal_places=2,
        min_value=0,
        initial=0,
        help_text="Kept in cash outside the allocation, on top of each account's own reserve.",
    )
    effective_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Blank: the day the version is activated.",
        validators=[validate_planning_date],
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,  # checked with the other rules, in the same words as the API
        help_text="What changed and why. Required for every version.",
    )
    questionnaire_answers = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, class_names: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.class_names = dict(class_names)
        weights = {
            f"{WEIGHT_PREFIX}{code}": _percent_field(name) for code, name in class_names.items()
        }
        # Weights first, in the firm's class order, then the rest of the policy.
        self.fields = {**weights, **self.fields}
        self.fields["abs_band"].initial = _percent(DEFAULT_ABS_BAND)
        self.fields["rel_band"].initial = _percent(DEFAULT_REL_BAND)

    @property
    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"{WEIGHT_PREFIX}{code}"] for code in self.class_names]

    @property
    def other_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if not f.name.startswith(WEIGHT_PREFIX)]

    def clean_questionnaire_answers(self) -> dict[str, str]:
        raw = self.cleaned_data.get("questionnaire_answers") or ""
        if not raw:
            return {}
        try:
            answers = json.loads(raw)
        except ValueError:
            raise forms.ValidationError("The questionnaire answers could not be read.") from None
        if not isinstance(answers, dict):
            raise forms.ValidationError("The questionnaire answers could not be read.")
        return {str(k): str(v) for k, v in answers.items()}

    def targets(self) -> tuple[TargetDraft, ...]:
        data = self.cleaned_data
        return tuple(
            TargetDraft(code, data[f"{WEIGHT_PREFIX}{code}"] / HUNDRED)
            for code in self.class_names
            if data.get(f"{WEIGHT_PREFIX}{code}")
        )

    def draft(self) -> PolicyDraft:
        data = self.cleaned_data
        return PolicyDraft(
            targets=self.targets(),
            rationale=data.get("rationale") or "",
            abs_band=_fraction(data.get("abs_band")),
            rel_band=_fraction(data.get("rel_band")),
            method=data.get("method") or RebalanceMethod.THRESHOLD,
            frequency=data.get("frequency") or None,
            anchor_date=data.get("anchor_date"),
            horizon_years=data.get("horizon_years") or DEFAULT_HORIZON_YEARS,
            cash_reserve=data.get("cash_reserve") or Decimal(0),
            effective_date=data.get("effective_date"),
            questionnaire_answers=data.get("questionnaire_answers") or {},
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        self._add_rule_errors(policy_draft_errors(self.draft(), self.class_names))
        return cleaned

    def _add_rule_errors(self, errors: Mapping[str, Any]) -> None:
        for name, messages in errors.items():
            if name in ("abs_band", "rel_band"):
                # The editor takes bands in percent, not the API's fractions.
                for message in messages:
                    self.add_error(
                        name,
                        message.replace(
                            "between 0 and 1 (a fraction, e.g. 0.05)", "between 0 and 100"
                        ),
                    )
                continue
            if name != "targets":
                field = name if name in self.fields else None
                for message in messages:
                    self.add_error(field, message)
                continue
            if messages and isinstance(messages[0], str):
                for message in messages:
                    self.add_error(None, message)
                continue
            for target, item_errors in zip(self.targets(), messages, strict=True):
                for item_messages in item_errors.values():
                    for message in item_messages:
                        self.add_error(f"{WEIGHT_PREFIX}{target.asset_class}", message)

    @property
    def weight_total(self) -> Decimal:
        """The sum of the typed weights in percent (what the live check shows)."""
        total = Decimal(0)
        for code in self.class_names:
            raw = self.data.get(f"{WEIGHT_PREFIX}{code}") if self.is_bound else None
            try:
                total += Decimal(str(raw)) if raw not in (None, "") else Decimal(0)
            except ArithmeticError:
                continue
        return total


def policy_initial(policy: InvestmentPolicy) -> dict[str, Any]:
    """Editor values from an existing version (a new version starts from the active one)."""
    initial: dict[str, Any] = {
        f"{WEIGHT_PREFIX}{t.asset_class.code}": _percent(t.weight) for t in policy.targets.all()
    }
    initial.update(
        abs_band=_percent(policy.abs_band),
        rel_band=_percent(policy.rel_band),
        method=policy.method,
        frequency=policy.frequency,
        anchor_date=policy.anchor_date,
        horizon_years=policy.horizon_years,
        cash_reserve=policy.cash_reserve,
        questionnaire_answers=json.dumps(policy.questionnaire_answers or {}),
    )
    return initial


class RiskQuestionnaireForm(forms.Form):
    """The capacity and tolerance questions as radio buttons, and the age the crypto rule uses."""

    age = forms.IntegerField(
        min_value=18,
        max_value=120,
        help_text="Of the eldest person; the crypto sleeve shrinks with age.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.id] = forms.ChoiceField(
                label=question.text,
                choices=[(c.id, c.text) for c in question.choices],
                widget=forms.RadioSelect,
                help_text="Risk capacity" if question.category == "capacity" else "Risk tolerance",
            )

    def answers(self) -> dict[str, str]:
        return {q.id: self.cleaned_data[q.id] for q in QUESTIONS}

    def _fields_of(self, category: str) -> list[forms.BoundField]:
        return [self[q.id] for q in QUESTIONS if q.category == category]

    @property
    def capacity_fields(self) -> list[forms.BoundField]:
        return self._fields_of("capacity")

    @property
    def tolerance_fields(self) -> list[forms.BoundField]:
        return self._fields_of("tolerance")

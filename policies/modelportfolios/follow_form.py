"""The IPS editor with a model chooser: follow a firm model, override a class's target
or the bands, each override with its rationale (percent, as the editor takes them).

With a model chosen the typed weights are not used: the targets are the model's with
the overrides, checked by the same rules (``policies.services.policy_draft_errors``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from advisory.engine.money import HUNDRED
from policies.forms import PolicyForm
from policies.modelportfolios.following import followed_draft, model_of_firm, override_errors
from policies.modelportfolios.models import ModelPortfolio
from policies.models import InvestmentPolicy
from policies.services import Following, OverrideDraft, PolicyDraft, TargetDraft

OVERRIDE, WHY = "override_", "override_why_"
BANDS = ("abs_band", "rel_band")


def _percent_input(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, max_digits=8, decimal_places=4)


class FollowingPolicyForm(PolicyForm):
    """``PolicyForm`` plus ``model`` and the overrides of it."""

    def __init__(self, *args: Any, firm_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.firm_id = firm_id
        models = ModelPortfolio.objects.filter(firm_id=firm_id).order_by("name")
        self.fields["model"] = forms.ChoiceField(
            label="Follow a model",
            required=False,
            choices=[("", "No model: the targets above"), *((m.pk, m.name) for m in models)],
            help_text="The model's targets, bands and method, with the overrides below.",
        )
        for code, name in self.class_names.items():
            self.fields[f"{OVERRIDE}{code}"] = _percent_input(f"{name}: the household's target")
            self.fields[f"{WHY}{code}"] = forms.CharField(label="Why", required=False)
        for band, label in zip(BANDS, ("Absolute band", "Relative band"), strict=True):
            self.fields[f"{OVERRIDE}{band}"] = _percent_input(f"{label}: the household's")
        self.fields[f"{WHY}bands"] = forms.CharField(label="Why (bands)", required=False)

    @property
    def other_fields(self) -> list[forms.BoundField]:
        return [
            f for f in super().other_fields if f.name != "model" and not f.name.startswith(OVERRIDE)
        ]

    @property
    def override_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if f.name.startswith(OVERRIDE)]

    def chosen_model(self) -> ModelPortfolio | None:
        pk = (self.cleaned_data.get("model") or "") if hasattr(self, "cleaned_data") else ""
        return model_of_firm(self.firm_id, int(pk)) if str(pk).isdigit() else None

    def overrides(self) -> tuple[OverrideDraft, ...]:
        data, items = self.cleaned_data, []
        for code in self.class_names:
            if data.get(f"{OVERRIDE}{code}") is not None:
                weight = data[f"{OVERRIDE}{code}"] / HUNDRED
                items.append(OverrideDraft(data.get(f"{WHY}{code}") or "", code, weight))
        bands = {b: data.get(f"{OVERRIDE}{b}") for b in BANDS}
        if any(v is not None for v in bands.values()):
            fractions = {b: None if v is None else v / HUNDRED for b, v in bands.items()}
            items.append(OverrideDraft(data.get(f"{WHY}bands") or "", None, None, **fractions))
        return tuple(items)

    def following(self) -> Following | None:
        model = self.chosen_model()
        return Following(model, self.overrides()) if model else None

    def draft(self) -> PolicyDraft:
        following = self.following()
        own = super().draft()
        if following is None:
            return own
        return followed_draft(following.model, own, following.overrides)

    def targets(self) -> tuple[TargetDraft, ...]:
        following = self.following()
        if following is None:
            return super().targets()
        return followed_draft(following.model, _EMPTY, following.overrides).targets

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        following = self.following() if not self.errors else None
        if following is None:
            return cleaned
        errors = override_errors(following.overrides, self.class_names)
        for override, item in zip(following.overrides, errors, strict=False):
            for name, messages in item.items():
                key = override.asset_class or "bands"
                field = f"{WHY}{key}" if name == "rationale" else f"{OVERRIDE}{key}"
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    @property
    def weight_total(self) -> Decimal:
        if hasattr(self, "cleaned_data") and self.following() is not None:
            return sum((t.weight for t in self.targets()), Decimal(0)) * HUNDRED
        return super().weight_total


_EMPTY = PolicyDraft(targets=(), rationale="")


def following_initial(policy: InvestmentPolicy) -> dict[str, Any]:
    """The editor's model and overrides from a stored version (prefetch its overrides)."""
    if policy.model_id is None:
        return {}
    initial: dict[str, Any] = {"model": policy.model_id}
    for override in policy.overrides.all():
        if override.asset_class is not None and override.weight is not None:
            code = override.asset_class.code
            initial[f"{OVERRIDE}{code}"] = override.weight * HUNDRED
            initial[f"{WHY}{code}"] = override.rationale
        else:
            for band in BANDS:
                value = getattr(override, band)
                initial[f"{OVERRIDE}{band}"] = None if value is None else value * HUNDRED
            initial[f"{WHY}bands"] = override.rationale
    return initial

"""The model editor, in percent as advisors type them; the buy list as symbols in order.

Each class has a weight (blank = no target) and a buy list: ``ITOT, VTI`` means buy
ITOT, and VTI when ITOT may not be bought. Every rule is
``services.model_draft_errors``, so the page and the API say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms

from advisory.engine.money import HUNDRED
from policies.forms import PolicyForm
from policies.modelportfolios.models import ModelPortfolio
from policies.modelportfolios.services import BuyListDraft, ModelDraft, model_draft_errors
from policies.models import RebalanceMethod
from policies.services import TargetDraft
from portfolios.models import Security

WEIGHT, BUY = "weight_", "buy_"
PERCENT_BANDS = ("between 0 and 1 (a fraction, e.g. 0.05)", "between 0 and 100")


def _percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * HUNDRED).normalize()


class ModelForm(forms.Form):
    """A model's name, targets and bands in percent, method, and per class its buy list."""

    name = forms.CharField(max_length=120)
    note = forms.CharField(
        label="What changed and why",
        required=False,
        max_length=500,
        help_text="Quoted in the draft IPS version each following household gets.",
    )

    def __init__(
        self, *args: Any, class_names: Mapping[str, str], firm_id: int, **kwargs: Any
    ) -> None:
        self.model: ModelPortfolio | None = kwargs.pop("model", None)
        super().__init__(*args, **kwargs)
        self.class_names, self.firm_id = dict(class_names), firm_id
        # The IPS editor's own fields for weights, bands and method (the same words).
        policy = PolicyForm(class_names=class_names)
        for name in ("abs_band", "rel_band", "method", "frequency", "anchor_date"):
            self.fields[name] = policy.fields[name]
        for code, label in class_names.items():
            self.fields[f"{WEIGHT}{code}"] = policy.fields[f"{WEIGHT}{code}"]
            self.fields[f"{BUY}{code}"] = forms.CharField(
                label=f"Buy list: {label}",
                required=False,
                help_text="Symbols, preferred first, then its substitutes in order.",
            )

    def class_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"{WEIGHT}{c}"], self[f"{BUY}{c}"]) for c in self.class_names]

    def _symbols(self) -> dict[str, int]:
        rows = Security.objects.filter(firm_id=self.firm_id).values_list("symbol", "pk")
        return {symbol.upper(): pk for symbol, pk in rows}

    def _buy_list(self) -> tuple[BuyListDraft, ...]:
        known, items = self._symbols(), []
        for code in self.class_names:
            symbols = [
                s.strip().upper() for s in self.cleaned_data.get(f"{BUY}{code}", "").split(",")
            ]
            symbols = [s for s in symbols if s]
            unknown = [s for s in symbols if s not in known]
            if unknown:
                self.add_error(f"{BUY}{code}", f"Unknown symbol: {', '.join(unknown)}.")
            elif symbols:
                ids = [known[s] for s in symbols]
                items.append(BuyListDraft(code, ids[0], tuple(ids[1:])))
        return tuple(items)

    def draft(self) -> ModelDraft:
        data = self.cleaned_data
        return ModelDraft(
            name=data.get("name") or "",
            targets=tuple(
                TargetDraft(code, data[f"{WEIGHT}{code}"] / HUNDRED)
                for code in self.class_names
                if data.get(f"{WEIGHT}{code}")
            ),
            abs_band=None if data.get("abs_band") is None else data["abs_band"] / HUNDRED,
            rel_band=None if data.get("rel_band") is None else data["rel_band"] / HUNDRED,
            method=data.get("method") or RebalanceMethod.THRESHOLD,
            frequency=data.get("frequency") or None,
            anchor_date=data.get("anchor_date"),
            buy_list=self._buy_list(),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        draft = self.draft()
        if self.errors:
            return cleaned
        errors = model_draft_errors(
            draft, firm_id=self.firm_id, model_id=getattr(self.model, "pk", None)
        )
        self._add_rule_errors(errors, draft)
        cleaned["draft"] = draft
        return cleaned

    def _add_rule_errors(self, errors: Mapping[str, Any], draft: ModelDraft) -> None:
        for name, messages in errors.items():
            if name == "buy_list":
                for item, item_errors in zip(draft.buy_list, messages, strict=True):
                    for item_messages in item_errors.values():
                        for message in item_messages:
                            self.add_error(f"{BUY}{item.asset_class}", message)
            elif name == "targets" and messages and isinstance(messages[0], dict):
                for target, item_errors in zip(draft.targets, messages, strict=True):
                    for item_messages in item_errors.values():
                        for message in item_messages:
                            self.add_error(f"{WEIGHT}{target.asset_class}", message)
            else:
                field = name if name in self.fields else None
                for message in messages:
                    self.add_error(field, str(message).replace(*PERCENT_BANDS))


def model_initial(model: ModelPortfolio) -> dict[str, Any]:
    """Editor values from a stored model (prefetch its targets and buy list)."""
    initial: dict[str, Any] = {
        "name": model.name,
        "abs_band": _percent(model.abs_band),
        "rel_band": _percent(model.rel_band),
        "method": model.method,
        "frequency": model.frequency,
        "anchor_date": model.anchor_date,
    }
    for target in model.targets.all():
        initial[f"{WEIGHT}{target.asset_class.code}"] = _percent(target.weight)
    lists: dict[str, list[str]] = {}
    for choice in model.buy_list.all():
        lists.setdefault(choice.asset_class.code, []).append(choice.security.symbol)
    for code, symbols in lists.items():
        initial[f"{BUY}{code}"] = ", ".join(symbols)
    return initial

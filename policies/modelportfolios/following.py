"""A household's IPS following a model: the model's targets and bands with its overrides.

The version stores the result (targets and bands as the household will hold them), the
model and its version, and each override with its rationale; so drift, proposals and
the document read the version alone, and a model change can be carried to the
household with the same overrides (``services.model_update``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from advisory.engine.money import ONE, ZERO
from policies.modelportfolios.models import ModelPortfolio
from policies.models import InvestmentPolicy
from policies.services import OverrideDraft, PolicyDraft, TargetDraft

BAND_NAMES = ("abs_band", "rel_band")


def _override_item_errors(
    override: OverrideDraft, class_names: Mapping[str, str]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not override.rationale.strip():
        errors["rationale"] = ["Say why the household differs from the model."]
    bands = [name for name in BAND_NAMES if getattr(override, name) is not None]
    if override.asset_class is not None:
        if override.asset_class not in class_names:
            errors["asset_class"] = [f"Unknown asset class '{override.asset_class}'."]
        if override.weight is None:
            errors["weight"] = ["Give the household's target for this class."]
        elif not ZERO <= override.weight <= ONE:
            errors["weight"] = ["Must be between 0 and 1 (0% to 100%)."]
        for name in bands:
            errors[name] = ["Bands are the whole IPS's: override them without an asset class."]
        return errors
    if override.weight is not None:
        errors["asset_class"] = ["Name the asset class whose target this is."]
    if not bands:
        errors["abs_band"] = ["Override a class's target, or the bands."]
    for name in bands:
        if not ZERO <= getattr(override, name) <= ONE:
            errors[name] = ["Must be between 0 and 1 (a fraction, e.g. 0.05)."]
    return errors


def override_errors(
    overrides: Sequence[OverrideDraft], class_names: Mapping[str, str]
) -> list[dict[str, list[str]]]:
    """One dict of field messages per override (all empty when they are valid)."""
    items = [_override_item_errors(o, class_names) for o in overrides]
    seen: set[str | None] = set()
    for override, errors in zip(overrides, items, strict=True):
        if override.asset_class in seen and not errors:
            what = override.asset_class or "the bands"
            errors["asset_class"] = [f"{what} is overridden more than once."]
        seen.add(override.asset_class)
    return items if any(items) else []


def followed_draft(
    model: ModelPortfolio, draft: PolicyDraft, overrides: Sequence[OverrideDraft]
) -> PolicyDraft:
    """``draft`` (the household's own fields) with the model's targets, bands and method
    and the overrides applied. Reads the model's targets (prefetch them)."""
    weights = {t.asset_class.code: t.weight for t in model.targets.all()}
    bands: dict[str, Any] = {"abs_band": model.abs_band, "rel_band": model.rel_band}
    for override in overrides:
        if override.asset_class is not None and override.weight is not None:
            weights[override.asset_class] = override.weight
        for name in BAND_NAMES:
            if override.asset_class is None and getattr(override, name) is not None:
                bands[name] = getattr(override, name)
    return replace(
        draft,
        targets=tuple(TargetDraft(code, w) for code, w in weights.items()),
        method=model.method,
        frequency=model.frequency or None,
        anchor_date=model.anchor_date,
        **bands,
    )


def model_of_firm(firm_id: int, pk: int) -> ModelPortfolio | None:
    """The firm's model with its targets, or None (another firm's, or none such)."""
    return (
        ModelPortfolio.objects.filter(firm_id=firm_id, pk=pk)
        .prefetch_related("targets__asset_class")
        .first()
    )


def overrides_of(policy: InvestmentPolicy) -> tuple[OverrideDraft, ...]:
    """A stored version's overrides as drafts (prefetch ``overrides__asset_class``)."""
    return tuple(
        OverrideDraft(
            rationale=o.rationale,
            asset_class=o.asset_class.code if o.asset_class else None,
            weight=o.weight,
            abs_band=o.abs_band,
            rel_band=o.rel_band,
        )
        for o in policy.overrides.all()
    )

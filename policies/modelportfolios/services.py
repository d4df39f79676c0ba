"""Writes for model portfolios: create, change (a draft IPS for every follower).

Every rule a model must meet is ``model_draft_errors``: the targets, bands and
method by the IPS's own rules (``policies.services.policy_draft_errors``), then a
unique name and a buy list of the firm's securities, each in its class. The API
and the pages both answer with these messages.

A change bumps the model's ``version`` and, in the same transaction, makes a draft
IPS version for each household whose ACTIVE version follows the model: the model's
new targets and bands with that version's overrides, the household's other fields
as they were. A follower's older draft from an earlier version of the model is
replaced. Nothing is activated: the advisors activate the drafts (the existing IPS
activation). A follower whose overrides no longer fit the changed model (its targets
would not sum to 100%) gets no draft and is reported instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from advisory.api_errors import DomainError
from policies.modelportfolios.following import followed_draft, overrides_of
from policies.modelportfolios.models import ModelBuyChoice, ModelPortfolio, ModelTarget
from policies.models import InvestmentPolicy, PolicyStatus, RebalanceMethod
from policies.services import (
    DEFAULT_ABS_BAND,
    DEFAULT_REL_BAND,
    Following,
    PolicyDraft,
    TargetDraft,
    policy_create,
    policy_draft_errors,
)
from portfolios.models import AssetClass, Household, Security

if TYPE_CHECKING:
    from advisory.models import User


@dataclass(frozen=True)
class BuyListDraft:
    """A class's buy list: the preferred security, then its substitutes in order (ids)."""

    asset_class: str
    security: int
    substitutes: tuple[int, ...] = ()

    @property
    def securities(self) -> tuple[int, ...]:
        return (self.security, *self.substitutes)


@dataclass(frozen=True)
class ModelDraft:
    """What an advisor submits for a model (fractions, not percents)."""

    name: str
    targets: tuple[TargetDraft, ...]
    abs_band: Decimal | None = DEFAULT_ABS_BAND
    rel_band: Decimal | None = DEFAULT_REL_BAND
    method: str = RebalanceMethod.THRESHOLD
    frequency: str | None = None
    anchor_date: date | None = None
    buy_list: tuple[BuyListDraft, ...] = ()


@dataclass(frozen=True)
class ModelChange:
    """A change's outcome: the drafts made, and the followers that could not get one."""

    model: ModelPortfolio
    drafts: tuple[InvestmentPolicy, ...]
    conflicts: tuple[tuple[Household, str], ...]


# --- validation --------------------------------------------------------------------


def _policy_errors(draft: ModelDraft, class_names: Mapping[str, str]) -> dict[str, Any]:
    as_policy = PolicyDraft(
        targets=draft.targets,
        rationale="(a model)",
        abs_band=draft.abs_band,
        rel_band=draft.rel_band,
        method=draft.method,
        frequency=draft.frequency,
        anchor_date=draft.anchor_date,
    )
    return policy_draft_errors(as_policy, class_names)


def _buy_item_errors(
    item: BuyListDraft, securities: Mapping[int, tuple[str, str]], class_names: Mapping[str, str]
) -> dict[str, list[str]]:
    if item.asset_class not in class_names:
        return {"asset_class": [f"Unknown asset class '{item.asset_class}'."]}
    errors: dict[str, list[str]] = {}
    name = class_names[item.asset_class]
    for field, ids in (("security", (item.security,)), ("substitutes", item.substitutes)):
        messages = []
        for pk in ids:
            if pk not in securities:
                messages.append(f"{pk} is not a security of this firm.")
            elif securities[pk][1] != item.asset_class:
                messages.append(f"{securities[pk][0]} is not in {name}.")
        if messages:
            errors[field] = messages
    if not errors and len(set(item.securities)) != len(item.securities):
        errors["substitutes"] = ["A security is listed twice."]
    return errors


def buy_list_errors(
    buy_list: Sequence[BuyListDraft], *, firm_id: int, class_names: Mapping[str, str]
) -> list[dict[str, list[str]]]:
    """One dict of field messages per buy-list item (empty list when all are valid)."""
    rows = Security.objects.filter(firm_id=firm_id).values_list("pk", "symbol", "asset_class__code")
    securities = {pk: (symbol, code) for pk, symbol, code in rows}
    items = [_buy_item_errors(item, securities, class_names) for item in buy_list]
    seen: set[str] = set()
    for item, errors in zip(buy_list, items, strict=True):
        if item.asset_class in seen and not errors:
            errors["asset_class"] = [f"{class_names[item.asset_class]} has two buy lists."]
        seen.add(item.asset_class)
    return items if any(items) else []


def model_draft_errors(
    draft: ModelDraft, *, firm_id: int, model_id: int | None = None
) -> dict[str, Any]:
    """Every rule a model must meet, as field errors; empty when the draft is valid."""
    classes = dict(
        AssetClass.objects.filter(firm_id=firm_id)
        .order_by("sort_order")
        .values_list("code", "name")
    )
    errors = _policy_errors(draft, classes)
    errors.pop("rationale", None)
    if not draft.name.strip():
        errors["name"] = ["Give the model a name."]
    elif (
        ModelPortfolio.objects.filter(firm_id=firm_id, name__iexact=draft.name.strip())
        .exclude(pk=model_id or 0)
        .exists()
    ):
        errors["name"] = [f"The firm already has a model named {draft.name.strip()!r}."]
    buy = buy_list_errors(draft.buy_list, firm_id=firm_id, class_names=classes)
    if buy:
        errors["buy_list"] = buy
    return errors


# --- writes --------------------------------------------------------------------------


def _check(draft: ModelDraft, firm_id: int, model_id: int | None = None) -> None:
    errors = model_draft_errors(draft, firm_id=firm_id, model_id=model_id)
    if errors:
        raise DomainError("The model is not valid.", field_errors=errors)


def _write(model: ModelPortfolio, draft: ModelDraft) -> None:
    model.name = draft.name.strip()
    model.abs_band = draft.abs_band
    model.rel_band = draft.rel_band
    model.method = draft.method
    model.frequency = draft.frequency or ""
    model.anchor_date = draft.anchor_date
    model.save()
    classes = {c.code: c for c in AssetClass.objects.filter(firm_id=model.firm_id)}
    model.targets.all().delete()
    ModelTarget.objects.bulk_create(
        ModelTarget(model=model, asset_class=classes[t.asset_class], weight=t.weight)
        for t in draft.targets
    )
    model.buy_list.all().delete()
    ModelBuyChoice.objects.bulk_create(
        ModelBuyChoice(
            model=model, asset_class=classes[item.asset_class], security_id=pk, rank=rank
        )
        for item in draft.buy_list
        for rank, pk in enumerate(item.securities)
    )


@transaction.atomic
def model_create(*, firm_id: int, user: User | None, draft: ModelDraft) -> ModelPortfolio:
    """A new model of the firm (version 1). ``DomainError`` (nothing saved) when invalid."""
    _check(draft, firm_id)
    model = ModelPortfolio(firm_id=firm_id, created_by=user)
    _write(model, draft)
    return model


@transaction.atomic
def model_update(
    *, model: ModelPortfolio, user: User | None, draft: ModelDraft, note: str = ""
) -> ModelChange:
    """Change the model and make a draft IPS version for every follower (see the module)."""
    current = ModelPortfolio.objects.select_for_update().get(pk=model.pk)
    _check(draft, current.firm_id, current.pk)
    before = _ips_content(current)
    current.version += 1
    _write(current, draft)
    current = ModelPortfolio.objects.prefetch_related("targets__asset_class").get(pk=current.pk)
    if _ips_content(current) == before:
        # A new name or buy list: the followers' IPS stay as they are (proposals read
        # the buy list from the model).
        return ModelChange(current, (), ())
    rationale = f"Model {current.name!r} changed (version {current.version})" + (
        f": {note.strip()}" if note.strip() else "."
    )
    drafts: list[InvestmentPolicy] = []
    conflicts: list[tuple[Household, str]] = []
    for active in _active_followers(current):
        outcome = _follower_draft(current, active, user=user, rationale=rationale)
        if isinstance(outcome, InvestmentPolicy):
            drafts.append(outcome)
        else:
            conflicts.append((active.household, outcome))
    return ModelChange(current, tuple(drafts), tuple(conflicts))


def _ips_content(model: ModelPortfolio) -> tuple[Any, ...]:
    """What a follower's IPS copies from the model."""
    targets = sorted((t.asset_class_id, t.weight) for t in model.targets.all())
    return (
        targets,
        model.abs_band,
        model.rel_band,
        model.method,
        model.frequency,
        model.anchor_date,
    )


def _active_followers(model: ModelPortfolio) -> list[InvestmentPolicy]:
    return list(
        InvestmentPolicy.objects.filter(model=model, status=PolicyStatus.ACTIVE)
        .select_related("household")
        .prefetch_related("overrides__asset_class")
        .order_by("household__name", "household_id")
    )


def _follower_draft(
    model: ModelPortfolio, active: InvestmentPolicy, *, user: User | None, rationale: str
) -> InvestmentPolicy | str:
    """The follower's new draft, or why its overrides do not fit the changed model."""
    overrides = overrides_of(active)
    own = PolicyDraft(
        targets=(),
        rationale=rationale,
        horizon_years=active.horizon_years,
        cash_reserve=active.cash_reserve,
        questionnaire_answers=active.questionnaire_answers or {},
    )
    draft = followed_draft(model, own, overrides)
    classes = dict(AssetClass.objects.filter(firm_id=model.firm_id).values_list("code", "name"))
    errors = policy_draft_errors(draft, classes)
    if errors:
        return "; ".join(_flatten(errors))
    InvestmentPolicy.objects.filter(
        household_id=active.household_id, model=model, status=PolicyStatus.DRAFT
    ).delete()
    return policy_create(
        household=active.household,
        author=user,
        draft=replace(draft, effective_date=None),
        activate=False,
        following=Following(model, overrides),
    )


def _flatten(errors: Mapping[str, Any]) -> list[str]:
    messages: list[str] = []
    for value in errors.values():
        if isinstance(value, Mapping):
            messages += _flatten(value)
        elif isinstance(value, list):
            for item in value:
                messages += _flatten(item) if isinstance(item, Mapping) else [str(item)]
    return messages

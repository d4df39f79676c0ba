"""Writes for IPS versions: create, activate, acknowledge, discard; and the drift scan.

Every rule an IPS version must meet lives in ``policy_draft_errors`` so the
API, the editor's live validation and the services say the same thing in the
same words. A version is never edited once active: services refuse to touch an
active or superseded version, and a change is a new version.

Activation locks the household row (``SELECT ... FOR UPDATE``), so two
activations at once run one after the other and leave exactly one active
version; the partial unique index ``policy_one_active_per_household`` is the
last line of defence.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from advisory.api_errors import ConflictError, DomainError
from advisory.engine.money import ONE, ZERO
from advisory.engine.risk import score_questionnaire
from policies import tasks
from policies.models import (
    DocumentStatus,
    InvestmentPolicy,
    ModelPortfolio,
    PolicyAcknowledgement,
    PolicyOverride,
    PolicyStatus,
    PolicyTarget,
    RebalanceMethod,
    ReviewFrequency,
)
from portfolios.locks import lock_household
from portfolios.models import AssetClass, Household
from portfolios.notifications import Notice, notify_clients

if TYPE_CHECKING:
    from advisory.models import User

logger = logging.getLogger(__name__)

DEFAULT_ABS_BAND = Decimal("0.05")
DEFAULT_REL_BAND = Decimal("0.25")
DEFAULT_HORIZON_YEARS = 20


class ImmutablePolicyError(ConflictError):
    """An active or superseded version was asked to change (409)."""

    code = "immutable_policy"


@dataclass(frozen=True)
class TargetDraft:
    asset_class: str  # the firm's asset class code
    weight: Decimal  # fraction of the household's value, 0..1


@dataclass(frozen=True)
class PolicyDraft:
    """What an advisor submits for a new IPS version (fractions, not percents)."""

    targets: tuple[TargetDraft, ...]
    rationale: str
    abs_band: Decimal | None = DEFAULT_ABS_BAND
    rel_band: Decimal | None = DEFAULT_REL_BAND
    method: str = RebalanceMethod.THRESHOLD
    frequency: str | None = None
    anchor_date: date | None = None
    horizon_years: int = DEFAULT_HORIZON_YEARS
    cash_reserve: Decimal = ZERO
    effective_date: date | None = None
    questionnaire_answers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OverrideDraft:
    """A household's change to the model it follows: a class's target, or the bands.

    ``asset_class`` with ``weight``, or no class with ``abs_band`` and/or ``rel_band``;
    always with the rationale (``policies.modelportfolios.following`` checks it).
    """

    rationale: str
    asset_class: str | None = None
    weight: Decimal | None = None
    abs_band: Decimal | None = None
    rel_band: Decimal | None = None


@dataclass(frozen=True)
class Following:
    """The model a new version follows, and the household's overrides of it."""

    model: ModelPortfolio
    overrides: tuple[OverrideDraft, ...] = ()


def percent_text(fraction: Decimal) -> str:
    """0.995 -> '99.5%', 1 -> '100%' (every digit kept: a sum is never rounded to 100%)."""
    text = f"{fraction * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


# --- validation --------------------------------------------------------------------


def target_errors(
    targets: Sequence[TargetDraft], class_names: Mapping[str, str]
) -> list[dict[str, list[str]]] | list[str]:
    """Errors of the targets: one dict per item when an item is wrong, else overall messages.

    ``class_names`` maps the firm's class codes to their names. Empty when valid.
    """
    items: list[dict[str, list[str]]] = []
    seen: set[str] = set()
    for target in targets:
        errors: dict[str, list[str]] = {}
        if target.asset_class not in class_names:
            errors["asset_class"] = [f"Unknown asset class '{target.asset_class}'."]
        elif target.asset_class in seen:
            name = class_names[target.asset_class]
            errors["asset_class"] = [f"{name} has more than one target."]
        seen.add(target.asset_class)
        if not ZERO <= target.weight <= ONE:
            errors["weight"] = ["Must be between 0 and 1 (0% to 100%)."]
        items.append(errors)
    if any(items):
        return items
    if not targets:
        return ["Give at least one asset class a target."]
    total = sum((target.weight for target in targets), ZERO)
    if total != ONE:
        return [f"Weights must sum to 100%; they sum to {percent_text(total)}."]
    return []


def _band_errors(draft: PolicyDraft) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("abs_band", "rel_band"):
        band = getattr(draft, name)
        if band is not None and not ZERO <= band <= ONE:
            errors[name] = ["Must be between 0 and 1 (a fraction, e.g. 0.05)."]
    if draft.abs_band is None and draft.rel_band is None:
        errors["abs_band"] = ["Set an absolute band, a relative band or both."]
    return errors


def _method_errors(draft: PolicyDraft) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if draft.method not in RebalanceMethod.values:
        errors["method"] = [f"Unknown method '{draft.method}'."]
        return errors
    if draft.frequency is not None and draft.frequency not in ReviewFrequency.values:
        errors["frequency"] = [f"Unknown frequency '{draft.frequency}'."]
    if draft.method != RebalanceMethod.THRESHOLD:
        if draft.frequency is None:
            errors["frequency"] = [f"The {draft.method} method needs a review frequency."]
        if draft.anchor_date is None:
            errors["anchor_date"] = [f"The {draft.method} method needs an anchor date."]
    return errors


def policy_draft_errors(draft: PolicyDraft, class_names: Mapping[str, str]) -> dict[str, Any]:
    """Every rule an IPS version must meet, as field errors; empty when the draft is valid."""
    errors: dict[str, Any] = {}
    targets = target_errors(draft.targets, class_names)
    if targets:
        errors["targets"] = targets
    if not draft.rationale.strip():
        errors["rationale"] = ["Document what changed and why."]
    errors.update(_band_errors(draft))
    errors.update(_method_errors(draft))
    if not 1 <= draft.horizon_years <= 100:
        errors["horizon_years"] = ["Must be between 1 and 100 years."]
    if draft.cash_reserve < 0:
        errors["cash_reserve"] = ["Must not be negative."]
    if draft.questionnaire_answers:
        try:
            score_questionnaire(draft.questionnaire_answers)
        except ValueError as problem:
            errors["questionnaire_answers"] = [f"{str(problem).capitalize()}."]
    return errors


# --- versions ------------------------------------------------------------------------


def _check(draft: PolicyDraft, firm_id: int) -> dict[str, AssetClass]:
    classes = {c.code: c for c in AssetClass.objects.filter(firm_id=firm_id)}
    errors = policy_draft_errors(draft, {code: c.name for code, c in classes.items()})
    if errors:
        raise DomainError("The IPS version is not valid.", field_errors=errors)
    return classes


def _apply_draft(policy: InvestmentPolicy, draft: PolicyDraft) -> None:
    scores = (
        score_questionnaire(draft.questionnaire_answers) if draft.questionnaire_answers else None
    )
    policy.rationale = draft.rationale.strip()
    policy.abs_band = draft.abs_band
    policy.rel_band = draft.rel_band
    policy.method = draft.method
    policy.frequency = draft.frequency or ""
    policy.anchor_date = draft.anchor_date
    policy.horizon_years = draft.horizon_years
    policy.cash_reserve = draft.cash_reserve
    policy.effective_date = draft.effective_date
    policy.questionnaire_answers = dict(draft.questionnaire_answers)
    policy.risk_capacity_score = scores.capacity if scores else None
    policy.risk_tolerance_score = scores.tolerance if scores else None


def _save_targets(
    policy: InvestmentPolicy, draft: PolicyDraft, classes: Mapping[str, AssetClass]
) -> None:
    PolicyTarget.objects.bulk_create(
        PolicyTarget(policy=policy, asset_class=classes[t.asset_class], weight=t.weight)
        for t in draft.targets
    )


def _save_following(
    policy: InvestmentPolicy, following: Following | None, classes: Mapping[str, AssetClass]
) -> None:
    """The model link and the override rows (the targets are already the followed ones)."""
    policy.model = following.model if following else None
    policy.model_version = following.model.version if following else None
    policy.save(update_fields=["model", "model_version"])
    policy.overrides.all().delete()
    if following is None:
        return
    PolicyOverride.objects.bulk_create(
        PolicyOverride(
            policy=policy,
            asset_class=classes[o.asset_class] if o.asset_class else None,
            weight=o.weight,
            abs_band=o.abs_band,
            rel_band=o.rel_band,
            rationale=o.rationale.strip(),
        )
        for o in following.overrides
    )


@transaction.atomic
def policy_create(
    *,
    household: Household,
    author: User | None,
    draft: PolicyDraft,
    activate: bool = True,
    today: date | None = None,
    queue_work: bool = True,
    following: Following | None = None,
) -> InvestmentPolicy:
    """A new IPS version (the next number), activated unless ``activate`` is False.

    Raises ``DomainError`` (nothing saved) when the draft breaks a rule.
    ``queue_work`` False skips rendering the document and refreshing drift (seeding).
    ``following``: the model the version follows (its targets are in ``draft`` already).
    """
    classes = _check(draft, household.firm_id)
    lock_household(household.pk)
    latest = InvestmentPolicy.objects.filter(household=household).aggregate(Max("version"))
    policy = InvestmentPolicy(
        household=household, version=(latest["version__max"] or 0) + 1, author=author
    )
    _apply_draft(policy, draft)
    policy.save()
    _save_targets(policy, draft, classes)
    _save_following(policy, following, classes)
    if activate:
        _activate(policy, today or timezone.localdate(), queue_work=queue_work)
    return policy


@transaction.atomic
def policy_update_draft(
    *, policy: InvestmentPolicy, draft: PolicyDraft, following: Following | None = None
) -> InvestmentPolicy:
    """Replace a draft's content. An active or superseded version is never edited (409)."""
    lock_household(policy.household_id)
    current = InvestmentPolicy.objects.select_for_update().get(pk=policy.pk)
    if current.status != PolicyStatus.DRAFT:
        raise ImmutablePolicyError(
            f"Version {current.version} is {current.status}: it is never edited. "
            "Create a new version with the change and its rationale."
        )
    classes = _check(draft, current.household.firm_id)
    _apply_draft(current, draft)
    current.save()
    current.targets.all().delete()
    _save_targets(current, draft, classes)
    _save_following(current, following, classes)
    return current


def policy_activate(
    *,
    policy: InvestmentPolicy,
    user: User | None,
    today: date | None = None,
    queue_work: bool = True,
) -> InvestmentPolicy:
    """Make a draft the household's active version and supersede the previous one.

    Atomic and serialised on the household row; a version that is no longer a
    draft (activated meanwhile by someone else) answers ``ConflictError`` (409).
    """
    with transaction.atomic():
        lock_household(policy.household_id)
        current = InvestmentPolicy.objects.select_for_update().get(pk=policy.pk)
        if current.status != PolicyStatus.DRAFT:
            raise ConflictError(
                f"Version {current.version} is already {current.status}; "
                "only a draft can be activated."
            )
        _activate(current, today or timezone.localdate(), queue_work=queue_work)
    logger.info("IPS %s activated by %s", current.pk, getattr(user, "pk", None))
    return current


def _activate(policy: InvestmentPolicy, today: date, *, queue_work: bool) -> None:
    now = timezone.now()
    InvestmentPolicy.objects.filter(
        household_id=policy.household_id, status=PolicyStatus.ACTIVE
    ).update(status=PolicyStatus.SUPERSEDED, superseded_at=now)
    policy.status = PolicyStatus.ACTIVE
    policy.activated_at = now
    policy.effective_date = policy.effective_date or today
    policy.document_status = DocumentStatus.PENDING if queue_work else DocumentStatus.NONE
    policy.save(update_fields=["status", "activated_at", "effective_date", "document_status"])
    if queue_work:
        # The household's clients are asked to acknowledge it (if they chose such emails).
        notify_clients(household_id=policy.household_id, notice=Notice.AWAITING, subject="ips")
        policy_id, household_id = policy.pk, policy.household_id
        transaction.on_commit(lambda: tasks.render_ips_document.delay(policy_id))
        transaction.on_commit(
            lambda: tasks.refresh_household_drift.delay(household_id, today.isoformat())
        )


@transaction.atomic
def policy_discard(*, policy: InvestmentPolicy) -> None:
    """Delete a draft. Versions that were ever active are kept for the record (409)."""
    lock_household(policy.household_id)
    current = InvestmentPolicy.objects.select_for_update().get(pk=policy.pk)
    if current.status != PolicyStatus.DRAFT:
        raise ImmutablePolicyError(
            f"Version {current.version} is {current.status}: it is kept for the record."
        )
    current.delete()


@transaction.atomic
def policy_acknowledge(
    *, policy: InvestmentPolicy, user: User, queue_work: bool = True
) -> tuple[PolicyAcknowledgement, bool]:
    """Record that ``user`` (a client; access checked by the caller) acknowledged the IPS.

    Only the active version can be acknowledged (409). Acknowledging twice keeps
    the first time; the boolean says whether this call recorded it.
    """
    current = InvestmentPolicy.objects.select_for_update().get(pk=policy.pk)
    if current.status != PolicyStatus.ACTIVE:
        raise ConflictError(
            f"Version {current.version} is {current.status}; only the active IPS "
            "can be acknowledged."
        )
    acknowledgement, created = PolicyAcknowledgement.objects.get_or_create(
        policy=current, user=user, defaults={"acknowledged_at": timezone.now()}
    )
    if created and queue_work:
        # The document shows who acknowledged: render it again.
        _request_document(current)
    return acknowledgement, created


def policy_record_rebalance(*, household_id: int, on: date) -> None:
    """Note that the household was rebalanced on ``on`` (closes a calendar review).

    Operational state, not IPS content: the active version's text is unchanged.
    """
    InvestmentPolicy.objects.filter(household_id=household_id, status=PolicyStatus.ACTIVE).update(
        last_rebalanced_on=on
    )


# --- the document ----------------------------------------------------------------------


def _request_document(policy: InvestmentPolicy) -> None:
    InvestmentPolicy.objects.filter(pk=policy.pk).update(document_status=DocumentStatus.PENDING)
    policy.document_status = DocumentStatus.PENDING
    policy_id = policy.pk
    transaction.on_commit(lambda: tasks.render_ips_document.delay(policy_id))


@transaction.atomic
def policy_document_request(*, policy: InvestmentPolicy) -> str:
    """Queue the PDF unless it is ready or already rendering; returns the document status."""
    if policy.document_status in (DocumentStatus.NONE, DocumentStatus.FAILED):
        _request_document(policy)
    return policy.document_status


def policy_document_render(*, policy_id: int) -> str:
    """Render the version's PDF and store it; the status it ends in (ready or failed)."""
    from policies.pdf import render_policy_pdf

    policy = InvestmentPolicy.objects.select_related("household").filter(pk=policy_id).first()
    if policy is None:
        return DocumentStatus.NONE
    try:
        pdf = render_policy_pdf(policy)
    except Exception:
        logger.exception("Rendering the IPS document %s failed", policy_id)
        InvestmentPolicy.objects.filter(pk=policy_id).update(document_status=DocumentStatus.FAILED)
        return DocumentStatus.FAILED
    old_name = policy.document.name
    name = f"ips-{policy.household_id}-v{policy.version}.pdf"
    policy.document.save(name, ContentFile(pdf), save=False)
    InvestmentPolicy.objects.filter(pk=policy_id).update(
        document=policy.document.name, document_status=DocumentStatus.READY
    )
    if old_name and old_name != policy.document.name:
        policy.document.storage.delete(old_name)
    return DocumentStatus.READY

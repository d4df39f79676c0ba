"""Demo IPS versions: every demo household gets an active policy (``seed_policies``).

Deterministic by household order: a mix of conservative, moderate and
aggressive questionnaires (the engine's suggestion, fitted to the firm's
classes), of threshold, calendar and hybrid methods (threshold households get
their current allocation as targets, so some households are within bands), some households with an
earlier superseded version (so history and diffs have something to show), and
about half of the households with a client login having acknowledged; three
calendar or hybrid households in four held their latest review, the others have one due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from advisory.engine.drift import last_due_date
from advisory.engine.risk import QUESTIONS, score_questionnaire, suggest_allocation
from advisory.models import User
from policies.drift import drift_scan
from policies.models import InvestmentPolicy, PolicyStatus
from policies.selectors import household_values_bulk
from policies.services import (
    PolicyDraft,
    TargetDraft,
    policy_acknowledge,
    policy_create,
    policy_record_rebalance,
)
from portfolios.models import ClientLink, Household
from portfolios.selectors import eldest_age, firm_class_names

# Answer choice (0-3) per profile, for the questions in order: a plausible spread.
PROFILE_ANSWERS: Mapping[str, tuple[int, ...]] = {
    "conservative": (1, 1, 1, 0, 1, 1, 0, 1),
    "moderate": (2, 2, 2, 2, 1, 2, 2, 2),
    "aggressive": (3, 3, 3, 3, 2, 3, 3, 3),
}
PROFILES = ("moderate", "conservative", "aggressive", "moderate")
METHODS = ("threshold", "hybrid", "calendar")
FREQUENCIES = {"threshold": None, "hybrid": "semiannual", "calendar": "quarterly"}
DEFAULT_AGE = 55


@dataclass(frozen=True)
class PolicySeedReport:
    policies: int
    acknowledgements: int
    households_skipped: int


def _answers(profile: str) -> dict[str, str]:
    picks = PROFILE_ANSWERS[profile]
    return {q.id: q.choices[pick].id for q, pick in zip(QUESTIONS, picks, strict=True)}


def _age(household: Household, as_of: date) -> int:
    age = eldest_age(household, as_of)
    return DEFAULT_AGE if age is None else age


def fit_to_classes(weights: Mapping[str, Decimal], classes: Iterable[str]) -> dict[str, Decimal]:
    """Keep the firm's classes; what the others would have held goes to the largest one."""
    available = set(classes)
    kept = {code: w for code, w in weights.items() if code in available and w > 0}
    if not kept:
        raise ValueError("none of the suggested classes exists in this firm")
    largest = max(kept, key=lambda code: kept[code])
    kept[largest] += 1 - sum(kept.values(), Decimal(0))
    return kept


def _current_weights(household: Household) -> dict[str, Decimal] | None:
    """The household's allocation today, to whole percents: a policy it already meets."""
    values = household_values_bulk([household.pk]).get(household.pk, {})
    total = sum(values.values(), Decimal(0))
    if not total:
        return None
    return {code: (value / total).quantize(Decimal("0.01")) for code, value in values.items()}


def _draft(
    household: Household, index: int, as_of: date, classes: Mapping[str, str], rationale: str
) -> PolicyDraft:
    profile = PROFILES[index % len(PROFILES)]
    answers = _answers(profile)
    suggestion = suggest_allocation(score_questionnaire(answers), _age(household, as_of))
    method = METHODS[index % len(METHODS)]
    current = _current_weights(household) if method == "threshold" else None
    weights = fit_to_classes(current or suggestion.weights, classes)
    return PolicyDraft(
        targets=tuple(TargetDraft(code, weight) for code, weight in weights.items()),
        rationale=rationale,
        method=method,
        frequency=FREQUENCIES[method],
        anchor_date=date(as_of.year - 1, 1 + index % 12, 1) if FREQUENCIES[method] else None,
        horizon_years=10 + (index * 5) % 25,
        questionnaire_answers=answers,
    )


def _first_version(draft: PolicyDraft) -> PolicyDraft:
    """An earlier version: five points more in the largest class, from the smallest cash-like."""
    targets = sorted(draft.targets, key=lambda t: t.weight, reverse=True)
    shift = min(Decimal("0.05"), targets[-1].weight)
    changed = {t.asset_class: t.weight for t in targets}
    changed[targets[0].asset_class] += shift
    changed[targets[-1].asset_class] -= shift
    return PolicyDraft(
        targets=tuple(TargetDraft(code, w) for code, w in changed.items() if w > 0),
        rationale="Initial policy from the onboarding meeting.",
        questionnaire_answers=draft.questionnaire_answers,
    )


@transaction.atomic
def seed_policies(*, households: Iterable[Household], as_of: date) -> PolicySeedReport:
    """Give every household without an active IPS one (idempotent), then scan its drift.

    No PDFs are rendered here: each is rendered on first request.
    """
    ordered = sorted(households, key=lambda h: h.pk)
    having = set(
        InvestmentPolicy.objects.filter(
            household__in=ordered, status=PolicyStatus.ACTIVE
        ).values_list("household_id", flat=True)
    )
    clients: dict[int, list[User]] = {}
    for link in ClientLink.objects.filter(household__in=ordered).select_related("user"):
        clients.setdefault(link.household_id, []).append(link.user)
    created = acknowledged = 0
    classes_by_firm: dict[int, dict[str, str]] = {}
    for index, household in enumerate(ordered):
        if household.pk in having:
            continue
        classes = classes_by_firm.setdefault(household.firm_id, firm_class_names(household.firm_id))
        author = household.primary_advisor
        rationale = "Annual review: targets refreshed from the risk questionnaire."
        draft = _draft(household, index, as_of, classes, rationale)
        if index % 5 == 0:
            earlier = _first_version(draft)
            policy_create(
                household=household,
                author=author,
                draft=replace(earlier, effective_date=as_of - timedelta(days=400)),
                queue_work=False,
            )
            created += 1
        policy = policy_create(
            household=household,
            author=author,
            draft=replace(draft, effective_date=as_of - timedelta(days=30 + index)),
            queue_work=False,
        )
        created += 1
        if policy.frequency and policy.anchor_date and index % 4:
            # Three households in four held their latest review; the rest have one due.
            reviewed = last_due_date(policy.frequency, policy.anchor_date, as_of)
            if reviewed is not None:
                policy_record_rebalance(household_id=household.pk, on=reviewed)
        if index % 2 == 0:
            for user in clients.get(household.pk, []):
                policy_acknowledge(policy=policy, user=user, queue_work=False)
                acknowledged += 1
    drift_scan(as_of=as_of, household_ids=[h.pk for h in ordered])
    return PolicySeedReport(created, acknowledged, len(having))

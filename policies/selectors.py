"""Reads for IPS versions and drift, scoped through ``portfolios.access``.

Drift is measured from money per (household, asset class) summed in the
database, for one household (pages, API) or all of them (the nightly scan),
so a page, the API and the dashboard's snapshot agree to the cent. Free cash
is each account's cash less its reserve, floored at 0 (as in the engine), and
the IPS cash reserve comes out of that free cash before weights are taken:
money the IPS sets aside is not part of the allocation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Greatest

from advisory.api_errors import DomainError
from advisory.engine.drift import (
    DriftReport,
    band_half_width,
    measure_drift_from_values,
    next_due_date,
)
from advisory.engine.money import ZERO
from advisory.engine.risk import QUESTIONS, profile_for_score
from advisory.engine.types import CASH_CLASS, PolicyTargets
from advisory.models import Role
from policies.models import (
    DriftSnapshot,
    InvestmentPolicy,
    PolicyAcknowledgement,
    PolicyStatus,
    PolicyTarget,
)
from portfolios.access import Capability, household_for, households_for, role_of
from portfolios.models import Account, AssetClass, ClientLink, Household, Lot

if TYPE_CHECKING:
    from advisory.models import User

VALUE = DecimalField(max_digits=40, decimal_places=12)
MONEY = DecimalField(max_digits=24, decimal_places=2)


# --- versions -------------------------------------------------------------------------


def _with_details(policies: QuerySet[InvestmentPolicy]) -> QuerySet[InvestmentPolicy]:
    targets = PolicyTarget.objects.select_related("asset_class").order_by(
        "asset_class__sort_order", "asset_class__code"
    )
    acknowledgements = PolicyAcknowledgement.objects.select_related("user").order_by(
        "acknowledged_at"
    )
    return policies.select_related("household", "author", "model").prefetch_related(
        Prefetch("targets", queryset=targets),
        Prefetch("acknowledgements", queryset=acknowledgements),
        "overrides__asset_class",
    )


def sees_drafts(user: User) -> bool:
    """Drafts are the firm's working copies: clients see active and superseded versions."""
    return role_of(user) not in (None, Role.CLIENT)


def policy_list(*, household: Household, user: User | None = None) -> QuerySet[InvestmentPolicy]:
    """Every version of the household, newest first, targets and acknowledgements loaded.

    With ``user``, only the versions that user may see (no drafts for clients).
    """
    policies = InvestmentPolicy.objects.filter(household=household)
    if user is not None and not sees_drafts(user):
        policies = policies.exclude(status=PolicyStatus.DRAFT)
    return _with_details(policies).order_by("-version")


def active_policy_get(*, household: Household) -> InvestmentPolicy | None:
    """The household's active version, or None."""
    return policy_list(household=household).filter(status=PolicyStatus.ACTIVE).first()


def active_policies_many(household_ids: Collection[int]) -> dict[int, InvestmentPolicy]:
    """``active_policy_get`` of many households: household id -> its active version
    (the newest, as ``active_policy_get``), details loaded; households without one
    are left out (four queries however many)."""
    policies = _with_details(
        InvestmentPolicy.objects.filter(household_id__in=household_ids, status=PolicyStatus.ACTIVE)
    ).order_by("household_id", "-version")
    found: dict[int, InvestmentPolicy] = {}
    for policy in policies:
        found.setdefault(policy.household_id, policy)
    return found


def policy_get(*, user: User, pk: int | str, write: bool | Capability = False) -> InvestmentPolicy:
    """One version the user may see (else 404), checked for ``write`` (else 403)."""
    from django.http import Http404

    visible = InvestmentPolicy.objects.filter(household__in=households_for(user))
    if not sees_drafts(user):
        visible = visible.exclude(status=PolicyStatus.DRAFT)
    try:
        policy = _with_details(visible).get(pk=pk)
    except (InvestmentPolicy.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404("No such policy.") from missing
    if write:
        household_for(user, policy.household_id, write=write)
    return policy


def policy_targets_of(policy: InvestmentPolicy) -> PolicyTargets:
    """The engine's view of a version (targets by class code)."""
    return PolicyTargets(
        targets={t.asset_class.code: t.weight for t in policy.targets.all()},
        abs_band=policy.abs_band,
        rel_band=policy.rel_band,
        method=policy.method,
        frequency=policy.frequency or None,
        anchor_date=policy.anchor_date,
        last_rebalanced_on=policy.last_rebalanced_on,
        horizon_years=policy.horizon_years,
    )


# --- acknowledgements ----------------------------------------------------------------------


@dataclass(frozen=True)
class AcknowledgementStatus:
    acknowledged: list[PolicyAcknowledgement]
    pending: list[User]  # the household's client users who have not acknowledged

    @property
    def complete(self) -> bool:
        return bool(self.acknowledged) and not self.pending


def acknowledgement_status(*, policy: InvestmentPolicy) -> AcknowledgementStatus:
    """Who acknowledged the version (and when), and which clients have not yet."""
    acknowledged = list(policy.acknowledgements.all())
    done = {a.user_id for a in acknowledged}
    clients = (
        ClientLink.objects.filter(household_id=policy.household_id)
        .select_related("user")
        .order_by("user__email")
    )
    return AcknowledgementStatus(
        acknowledged=acknowledged,
        pending=[link.user for link in clients if link.user_id not in done],
    )


# --- diff ------------------------------------------------------------------------------------

DIFF_FIELDS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("effective_date", "Effective date"),
    ("author", "Author"),
    ("method", "Method"),
    ("frequency", "Review frequency"),
    ("anchor_date", "Anchor date"),
    ("abs_band", "Absolute band"),
    ("rel_band", "Relative band"),
    ("horizon_years", "Time horizon (years)"),
    ("cash_reserve", "Cash reserve"),
    ("risk_capacity_score", "Risk capacity score"),
    ("risk_tolerance_score", "Risk tolerance score"),
    ("crypto_weight", "Crypto sleeve"),
    ("rationale", "Rationale"),
)


@dataclass(frozen=True)
class DiffRow:
    key: str  # field name or asset class code
    label: str
    a: Any
    b: Any

    @property
    def changed(self) -> bool:
        return self.a != self.b

    @property
    def change(self) -> Decimal | None:
        """b - a for numbers present in both versions; else None."""
        if isinstance(self.a, Decimal) and isinstance(self.b, Decimal):
            return self.b - self.a
        return None


@dataclass(frozen=True)
class PolicyDiff:
    a: InvestmentPolicy
    b: InvestmentPolicy
    fields: list[DiffRow]
    targets: list[DiffRow]  # weights (Decimal fractions, None when not targeted)

    @property
    def changed_count(self) -> int:
        return sum(row.changed for row in (*self.fields, *self.targets))


def _field_value(policy: InvestmentPolicy, name: str) -> Any:
    if name == "author":
        return policy.author.display_name if policy.author else None
    if name == "crypto_weight":
        return policy.crypto_sleeve.weight
    return getattr(policy, name)


def policy_diff(*, a: InvestmentPolicy, b: InvestmentPolicy) -> PolicyDiff:
    """Side by side: every field and every class's target of two versions (loaded with details)."""
    fields = [DiffRow(n, label, _field_value(a, n), _field_value(b, n)) for n, label in DIFF_FIELDS]
    classes: dict[str, AssetClass] = {}
    weights_a: dict[str, Decimal] = {}
    weights_b: dict[str, Decimal] = {}
    for policy, weights in ((a, weights_a), (b, weights_b)):
        for target in policy.targets.all():
            classes[target.asset_class.code] = target.asset_class
            weights[target.asset_class.code] = target.weight
    order = sorted(classes.values(), key=lambda c: (c.sort_order, c.code))
    targets = [DiffRow(c.code, c.name, weights_a.get(c.code), weights_b.get(c.code)) for c in order]
    return PolicyDiff(a, b, fields, targets)


# --- drift -----------------------------------------------------------------------------------


def household_values_bulk(
    household_ids: Collection[int] | None = None,
) -> dict[int, dict[str, Decimal]]:
    """Money per asset class code per household: lots at market, free cash in ``cash``.

    Two queries whatever the number of households (``None`` = every household).
    """
    lots = Lot.objects.order_by()
    accounts = Account.objects.order_by()
    if household_ids is not None:
        lots = lots.filter(account__household_id__in=household_ids)
        accounts = accounts.filter(household_id__in=household_ids)
    market = ExpressionWrapper(F("quantity") * F("security__price"), output_field=VALUE)
    values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for household_id, code, value in (
        lots.values_list("account__household_id", "security__asset_class__code")
        .annotate(value=Sum(market))
        .values_list("account__household_id", "security__asset_class__code", "value")
    ):
        values[household_id][code] = value or ZERO
    free = Greatest(F("cash") - F("cash_reserve"), Value(ZERO), output_field=MONEY)
    for household_id, cash in (
        accounts.values("household_id").annotate(free=Sum(free)).values_list("household_id", "free")
    ):
        if cash:
            held = values[household_id]
            held[CASH_CLASS] = held.get(CASH_CLASS, ZERO) + cash
    return dict(values)


@dataclass(frozen=True)
class ActivePolicyRow:
    """What the scan needs of an active version."""

    policy_id: int
    targets: PolicyTargets
    cash_reserve: Decimal


def active_policies_bulk(
    household_ids: Collection[int] | None = None,
) -> dict[int, ActivePolicyRow]:
    """The active version of each household, as engine input (two queries)."""
    policies = InvestmentPolicy.objects.filter(status=PolicyStatus.ACTIVE).order_by()
    targets = PolicyTarget.objects.filter(policy__status=PolicyStatus.ACTIVE).order_by(
        "policy_id", "asset_class__sort_order", "asset_class__code"
    )
    if household_ids is not None:
        policies = policies.filter(household_id__in=household_ids)
        targets = targets.filter(policy__household_id__in=household_ids)
    weights: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for policy_id, code, weight in targets.values_list("policy_id", "asset_class__code", "weight"):
        weights[policy_id][code] = weight
    rows = {}
    for policy in policies.values(
        "pk",
        "household_id",
        "abs_band",
        "rel_band",
        "method",
        "frequency",
        "anchor_date",
        "last_rebalanced_on",
        "horizon_years",
        "cash_reserve",
    ):
        engine_policy = PolicyTargets(
            targets=weights.get(policy["pk"], {}),
            abs_band=policy["abs_band"],
            rel_band=policy["rel_band"],
            method=policy["method"],
            frequency=policy["frequency"] or None,
            anchor_date=policy["anchor_date"],
            last_rebalanced_on=policy["last_rebalanced_on"],
            horizon_years=policy["horizon_years"],
        )
        rows[policy["household_id"]] = ActivePolicyRow(
            policy["pk"], engine_policy, policy["cash_reserve"]
        )
    return rows


def allocatable_values(values: Mapping[str, Decimal], cash_reserve: Decimal) -> dict[str, Decimal]:
    """The values drift is measured on: the IPS cash reserve comes out of free cash first."""
    result = dict(values)
    if cash_reserve:
        result[CASH_CLASS] = max(ZERO, result.get(CASH_CLASS, ZERO) - cash_reserve)
    return result


def drift_of(values: Mapping[str, Decimal], row: ActivePolicyRow, as_of: date) -> DriftReport:
    """Drift of one household from its money per class and its active version."""
    allocatable = allocatable_values(values, row.cash_reserve)
    return measure_drift_from_values(allocatable, row.targets, as_of)


def household_drift(*, household: Household, as_of: date) -> DriftReport | None:
    """The household's drift against its active IPS on ``as_of``; None without one (4 queries)."""
    row = active_policies_bulk([household.pk]).get(household.pk)
    if row is None:
        return None
    values = household_values_bulk([household.pk]).get(household.pk, {})
    return drift_of(values, row, as_of)


def latest_drift_snapshot(*, household: Household) -> DriftSnapshot | None:
    return DriftSnapshot.objects.filter(household=household).order_by("-computed_on").first()


# --- presentation rows -------------------------------------------------------------------------


@dataclass
class TargetRow:
    """A target with its band, for tables and charts (``value`` = ``weight`` for the donut)."""

    code: str
    name: str
    weight: Decimal
    band: Decimal
    lower: Decimal
    upper: Decimal
    value: Decimal


def target_rows(*, policy: InvestmentPolicy) -> list[TargetRow]:
    """The version's targets in the firm's class order, each with its band (5/25 rule)."""
    rows = []
    for target in policy.targets.all():
        band = band_half_width(target.weight, policy.abs_band, policy.rel_band)
        rows.append(
            TargetRow(
                code=target.asset_class.code,
                name=target.asset_class.name,
                weight=target.weight,
                band=band,
                lower=max(ZERO, target.weight - band),
                upper=min(Decimal(1), target.weight + band),
                value=target.weight,
            )
        )
    return rows


@dataclass(frozen=True)
class RiskProfile:
    capacity: int | None
    tolerance: int | None
    capacity_profile: str | None
    tolerance_profile: str | None
    governing_profile: str | None


def risk_profile_of(policy: InvestmentPolicy) -> RiskProfile:
    """The version's scores and the profiles they mean; the lower score governs."""

    def profile(score: int | None) -> str | None:
        return None if score is None else profile_for_score(score)

    return RiskProfile(
        policy.risk_capacity_score,
        policy.risk_tolerance_score,
        profile(policy.risk_capacity_score),
        profile(policy.risk_tolerance_score),
        profile(policy.governing_risk_score),
    )


def next_review_of(policy: InvestmentPolicy, as_of: date) -> date | None:
    """The next calendar review date after ``as_of`` (None for the threshold method)."""
    if policy.method == "threshold" or not policy.frequency or policy.anchor_date is None:
        return None
    return next_due_date(policy.frequency, policy.anchor_date, as_of)


def policy_get_for_document(*, pk: int) -> InvestmentPolicy:
    """A version with everything its document shows (tasks: no user, access checked before)."""
    return _with_details(InvestmentPolicy.objects.select_related("household__firm")).get(pk=pk)


@dataclass(frozen=True)
class AnswerRow:
    category: str  # capacity | tolerance
    question: str
    answer: str


def questionnaire_rows(answers: Mapping[str, str]) -> list[AnswerRow]:
    """The stored answers in the questionnaire's words (unknown ids shown as given)."""
    rows = []
    for question in QUESTIONS:
        if question.id not in answers:
            continue
        choice_id = answers[question.id]
        text = next((c.text for c in question.choices if c.id == choice_id), choice_id)
        rows.append(AnswerRow(question.category, question.text, text))
    return rows


NO_ACTIVE_POLICY = "This household has no active Investment Policy Statement."


class NoActivePolicyError(DomainError):
    """Location keeps the IPS targets; without an active version there are none (400)."""

    code = "no_active_policy"


def active_policy_required(household: Household) -> InvestmentPolicy:
    """The household's active IPS, or ``NoActivePolicyError`` (400): location and proposals."""
    policy = active_policy_get(household=household)
    if policy is None:
        raise NoActivePolicyError(NO_ACTIVE_POLICY)
    return policy

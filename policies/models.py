"""Investment Policy Statements (versioned), client acknowledgements and drift snapshots.

An IPS version is a draft until it is activated; activating supersedes the
household's previous active version in the same transaction. A version is
never edited once active: any change is a new version with its own rationale.
The database holds the rules that must never break: one active version per
household, targets between 0 and 1, a non-blank rationale, non-negative bands.
That targets sum to exactly 1 is checked by the services (a sum spans rows).

The crypto sleeve and its barbell split are not stored twice: they are the
targets of the ``crypto_*`` classes (see ``InvestmentPolicy.crypto_sleeve``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan

from advisory.engine.money import ZERO
from advisory.history import tracked
from advisory.validators import validate_past_date, validate_planning_date
from portfolios.models import AssetClass, Household, money, rate, unit_interval

CRYPTO_PREFIX = "crypto_"


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"


class RebalanceMethod(models.TextChoices):
    THRESHOLD = "threshold", "Threshold (when a class leaves its band)"
    CALENDAR = "calendar", "Calendar (on every review date)"
    HYBRID = "hybrid", "Hybrid (on review dates, only if out of band)"


class ReviewFrequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMIANNUAL = "semiannual", "Semiannual"
    ANNUAL = "annual", "Annual"


class DocumentStatus(models.TextChoices):
    NONE = "none", "Not rendered"
    PENDING = "pending", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


@dataclass(frozen=True)
class CryptoSleeve:
    """The crypto part of the targets: its total weight and each class's share of it."""

    weight: Decimal  # fraction of the portfolio
    split: dict[str, Decimal]  # class code -> share of the sleeve (sums to 1)


@tracked("household__firm")
class InvestmentPolicy(models.Model):
    """One version of a household's Investment Policy Statement."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="policies")
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    effective_date = models.DateField(
        null=True,
        blank=True,
        help_text="Set when the version is activated, unless given.",
        validators=[validate_planning_date],
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    rationale = models.TextField(help_text="What changed and why.")
    abs_band = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Absolute band, e.g. 0.05 = 5 points",
    )
    rel_band = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Relative band, e.g. 0.25 = 25% of the target",
    )
    method = models.CharField(
        max_length=12, choices=RebalanceMethod.choices, default=RebalanceMethod.THRESHOLD
    )
    frequency = models.CharField(max_length=12, choices=ReviewFrequency.choices, blank=True)
    anchor_date = models.DateField(null=True, blank=True, validators=[validate_planning_date])
    horizon_years = models.PositiveSmallIntegerField(default=20)
    cash_reserve = money(
        default=ZERO, help_text="Kept in cash outside the allocation, on top of account reserves."
    )
    risk_capacity_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_tolerance_score = models.PositiveSmallIntegerField(null=True, blank=True)
    questionnaire_answers = models.JSONField(default=dict, blank=True)
    last_rebalanced_on = models.DateField(null=True, blank=True, validators=[validate_past_date])
    document = models.FileField(upload_to="ips/%Y/", blank=True)
    document_status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.NONE
    )
    model = models.ForeignKey(
        "policies.ModelPortfolio",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        help_text="The firm's model this version follows (targets and bands copied).",
    )
    model_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The model's version the targets were copied from."
    )

    class Meta:
        ordering = ("household", "-version")
        verbose_name = "investment policy statement"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("household", "version"), name="policy_household_version_unique"
            ),
            models.UniqueConstraint(
                fields=("household",),
                condition=Q(status="active"),
                name="policy_one_active_per_household",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PolicyStatus.values), name="policy_status_valid"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("rationale")), 0),
                name="policy_rationale_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(abs_band__isnull=True) | (Q(abs_band__gte=0) & Q(abs_band__lte=1)),
                name="policy_abs_band_range",
            ),
            models.CheckConstraint(
                condition=Q(rel_band__isnull=True) | (Q(rel_band__gte=0) & Q(rel_band__lte=1)),
                name="policy_rel_band_range",
            ),
            models.CheckConstraint(
                condition=Q(method__in=RebalanceMethod.values), name="policy_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(frequency="") | Q(frequency__in=ReviewFrequency.values),
                name="policy_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(method="threshold")
                | (Q(frequency__in=ReviewFrequency.values) & Q(anchor_date__isnull=False)),
                name="policy_calendar_needs_schedule",
            ),
            models.CheckConstraint(
                condition=Q(horizon_years__gte=1) & Q(horizon_years__lte=100),
                name="policy_horizon_range",
            ),
            models.CheckConstraint(
                condition=Q(cash_reserve__gte=0), name="policy_cash_reserve_non_negative"
            ),
            models.CheckConstraint(
                condition=(Q(risk_capacity_score__isnull=True) | Q(risk_capacity_score__lte=100))
                & (Q(risk_tolerance_score__isnull=True) | Q(risk_tolerance_score__lte=100)),
                name="policy_risk_scores_range",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(effective_date__isnull=False),
                name="policy_in_force_has_effective_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} IPS v{self.version} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == PolicyStatus.DRAFT

    @property
    def is_active(self) -> bool:
        return self.status == PolicyStatus.ACTIVE

    @property
    def governing_risk_score(self) -> int | None:
        """The lower of capacity and tolerance governs (None until both are scored)."""
        if self.risk_capacity_score is None or self.risk_tolerance_score is None:
            return None
        return min(self.risk_capacity_score, self.risk_tolerance_score)

    @property
    def crypto_sleeve(self) -> CryptoSleeve:
        """The crypto classes' targets: the sleeve's weight and its barbell split.

        Reads ``targets`` (prefetch them with their asset class).
        """
        crypto = {
            target.asset_class.code: target.weight
            for target in self.targets.all()
            if target.asset_class.code.startswith(CRYPTO_PREFIX)
        }
        weight = sum(crypto.values(), ZERO)
        split = {code: w / weight for code, w in crypto.items()} if weight else {}
        return CryptoSleeve(weight, split)


@tracked("policy__household__firm")
class PolicyTarget(models.Model):
    """The target weight (a fraction) of one asset class in one IPS version."""

    policy = models.ForeignKey(InvestmentPolicy, on_delete=models.CASCADE, related_name="targets")
    asset_class = models.ForeignKey(AssetClass, on_delete=models.PROTECT, related_name="+")
    weight = rate()

    class Meta:
        ordering = ("policy", "asset_class__sort_order", "asset_class__code")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("policy", "asset_class"), name="policy_target_class_unique"
            ),
            unit_interval("weight"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_class_id}: {self.weight}"


class PolicyAcknowledgement(models.Model):
    """A client user's acknowledgement of an IPS version: who and when."""

    policy = models.ForeignKey(
        InvestmentPolicy, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ("policy", "acknowledged_at")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("policy", "user"), name="policy_ack_user_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged {self.policy_id} at {self.acknowledged_at}"


class DriftSnapshot(models.Model):
    """What the drift scan found for one household on one day (one row per day).

    ``rows`` keeps the drift table as strings (fractions), one dict per class:
    ``asset_class``, ``target``, ``current``, ``drift``, ``band``, ``in_band``.
    """

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="drift_snapshots"
    )
    policy = models.ForeignKey(
        InvestmentPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    computed_on = models.DateField()
    computed_at = models.DateTimeField()
    has_policy = models.BooleanField(default=True)
    needs_rebalance = models.BooleanField(default=False)
    calendar_due = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True)
    total_value = money(default=ZERO)
    max_abs_drift = rate(default=ZERO)
    out_of_band_classes = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True)
    next_review_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ("household", "-computed_on")
        get_latest_by = "computed_on"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("household", "computed_on"), name="drift_snapshot_household_day_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} on {self.computed_on}: {self.reason}"


from policies.location.models import LocationPlacement, SavedLocationPlan  # noqa: E402,F401

# isort: off
# (the "as" names re-export the two that policies.services reads through this module)
from policies.modelportfolios.models import (  # noqa: E402,F401
    ModelBuyChoice,
    ModelPortfolio as ModelPortfolio,
    ModelTarget,
    PolicyOverride as PolicyOverride,
)

# isort: on
from policies.proposals.models import (  # noqa: E402,F401
    AuditEvent,
    ImplementationPlan,
    ImplementationTranche,
    Proposal,
    ProposalLotRelief,
    ProposalTrade,
)
from policies.reviews.models import Review, ReviewEvent  # noqa: E402,F401

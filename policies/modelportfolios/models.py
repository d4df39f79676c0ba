"""Model portfolios: a firm's named allocation with its buy list, and what a household overrides.

A model holds what an IPS would (targets, bands, method) and, per asset class, the
securities to buy in order: the preferred one (``rank`` 0), then its substitutes.
A household's IPS version that follows a model copies its targets and bands (so
drift and the engine read the version alone) and records each override with its
rationale. ``version`` counts the model's changes; each change makes a draft for
every follower (``services.model_update``).

Bands are the whole IPS's (the engine takes one absolute and one relative band),
so a band override has no asset class and a target override has one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan

from advisory.history import tracked
from advisory.validators import validate_planning_date
from policies.models import InvestmentPolicy, RebalanceMethod, ReviewFrequency
from portfolios.models import AssetClass, Security, rate, unit_interval


def _band(help_text: str) -> models.DecimalField[Decimal | None, Decimal | None]:
    return models.DecimalField(
        max_digits=7, decimal_places=6, null=True, blank=True, help_text=help_text
    )


@tracked("firm")
class ModelPortfolio(models.Model):
    """A firm's model: targets, bands, method and a buy list per class."""

    firm = models.ForeignKey("advisory.Firm", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    abs_band = _band("Absolute band, e.g. 0.05 = 5 points")
    rel_band = _band("Relative band, e.g. 0.25 = 25% of the target")
    method = models.CharField(
        max_length=12, choices=RebalanceMethod.choices, default=RebalanceMethod.THRESHOLD
    )
    frequency = models.CharField(max_length=12, choices=ReviewFrequency.choices, blank=True)
    anchor_date = models.DateField(null=True, blank=True, validators=[validate_planning_date])
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("firm", "name")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("firm", "name"), name="model_portfolio_name_unique"),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("name")), 0), name="model_portfolio_name_set"
            ),
            models.CheckConstraint(
                condition=(Q(abs_band__isnull=True) | (Q(abs_band__gte=0) & Q(abs_band__lte=1)))
                & (Q(rel_band__isnull=True) | (Q(rel_band__gte=0) & Q(rel_band__lte=1))),
                name="model_portfolio_bands_range",
            ),
            models.CheckConstraint(
                condition=Q(method="threshold")
                | (Q(frequency__in=ReviewFrequency.values) & Q(anchor_date__isnull=False)),
                name="model_portfolio_calendar_needs_schedule",
            ),
        ]

    def __str__(self) -> str:
        return self.name


@tracked("model__firm")
class ModelTarget(models.Model):
    """The target weight (a fraction) of one asset class in a model."""

    model = models.ForeignKey(ModelPortfolio, on_delete=models.CASCADE, related_name="targets")
    asset_class = models.ForeignKey(AssetClass, on_delete=models.PROTECT, related_name="+")
    weight = rate()

    class Meta:
        ordering = ("model", "asset_class__sort_order", "asset_class__code")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("model", "asset_class"), name="model_target_unique"),
            unit_interval("weight"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_class_id}: {self.weight}"


@tracked("model__firm")
class ModelBuyChoice(models.Model):
    """One security of a class's buy list: rank 0 is preferred, then the substitutes in order."""

    model = models.ForeignKey(ModelPortfolio, on_delete=models.CASCADE, related_name="buy_list")
    asset_class = models.ForeignKey(AssetClass, on_delete=models.PROTECT, related_name="+")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("model", "asset_class__sort_order", "asset_class__code", "rank")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("model", "asset_class", "rank"), name="model_buy_choice_rank_unique"
            ),
            models.UniqueConstraint(
                fields=("model", "security"), name="model_buy_choice_security_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_class_id} #{self.rank}: {self.security_id}"


@tracked("policy__household__firm")
class PolicyOverride(models.Model):
    """What a household's IPS version changes of the model it follows, and why."""

    policy = models.ForeignKey(InvestmentPolicy, on_delete=models.CASCADE, related_name="overrides")
    asset_class = models.ForeignKey(
        AssetClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weight = _band("The household's target for the class instead of the model's")
    abs_band = _band("The household's absolute band instead of the model's")
    rel_band = _band("The household's relative band instead of the model's")
    rationale = models.TextField()

    class Meta:
        ordering = ("policy", "asset_class__sort_order", "asset_class__code")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("policy", "asset_class"), name="policy_override_class_unique"
            ),
            models.UniqueConstraint(
                fields=("policy",),
                condition=Q(asset_class__isnull=True),
                name="policy_override_one_band_override",
            ),
            models.CheckConstraint(
                condition=(
                    Q(asset_class__isnull=False)
                    & Q(weight__gte=0)
                    & Q(weight__lte=1)
                    & Q(abs_band__isnull=True)
                    & Q(rel_band__isnull=True)
                )
                | (
                    Q(asset_class__isnull=True)
                    & Q(weight__isnull=True)
                    & (Q(abs_band__isnull=False) | Q(rel_band__isnull=False))
                ),
                name="policy_override_target_or_bands",
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("rationale")), 0),
                name="policy_override_rationale_set",
            ),
        ]

    def __str__(self) -> str:
        what = self.asset_class_id if self.asset_class_id else "bands"
        return f"{self.policy_id} overrides {what}"

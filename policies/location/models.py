"""Saved asset-location plans: where each class should sit, per account, and why.

A plan is computed by ``advisory.engine.location`` and saved by
``policies.location.services.location_plan_save``. Saving makes it the
household's *current* plan (the one rebalancing with ``location="plan"``
follows) and retires the previous current plan in the same transaction; the
partial unique constraint ``location_plan_one_current_per_household`` is the
last line of defence. Only plans that fit (feasible) are saved.

Objectives are after-tax dollars at the horizon; ``uplift_bp`` is basis points
a year over the pro-rata baseline (docs/DOMAIN.md "Asset location").
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from advisory.engine.money import ZERO
from portfolios.models import Account, AssetClass, Household, money


class LocationBasis(models.TextChoices):
    PRE_TAX = "pre_tax", "Pre-tax (every dollar counts the same)"
    AFTER_TAX = "after_tax", "After-tax (a traditional dollar counts net of the tax on withdrawal)"


def terminal_money(**kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    """Dollars at the horizon: grown for up to a century, so wider than ``money``."""
    return models.DecimalField(max_digits=24, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class SavedLocationPlan(models.Model):
    """One saved asset-location plan of a household, with its figures and explanations.

    ``explanation`` keeps what the client reads, as strings: ``summary``,
    ``explanations`` (per class ``asset_class``, ``taxable_drag``, ``placed_in``,
    ``reason``) and ``binding`` (``kind``, ``message``, ``amount``, ``account``,
    ``asset_class``).
    """

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="location_plans"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    as_of = models.DateField(help_text="The date of the holdings and prices the plan used.")
    policy = models.ForeignKey(
        "policies.InvestmentPolicy",  # by name: policies.models imports this module
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The IPS version whose targets the plan keeps.",
    )
    basis = models.CharField(
        max_length=10, choices=LocationBasis.choices, default=LocationBasis.PRE_TAX
    )
    horizon_years = models.PositiveSmallIntegerField()
    churn_penalty_bp = models.DecimalField(
        max_digits=9,
        decimal_places=4,
        default=ZERO,
        help_text="Basis points of terminal value charged per dollar moved.",
    )
    objective = terminal_money(help_text="After-tax dollars at the horizon.")
    baseline_objective = terminal_money(help_text="The same mix in every account, at the horizon.")
    uplift_dollars = terminal_money()
    uplift_bp = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per year.")
    dollars_moved = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="Sold to reach the plan."
    )
    is_current = models.BooleanField(default=True)
    explanation = models.JSONField(default=dict, blank=True)

    class Meta:
        # The table keeps its first name; the class is "Saved" so that it never shares
        # a name with the engine's answer, advisory.engine.location.LocationPlan.
        db_table = "policies_locationplan"
        ordering = ("household", "-created_at", "-id")
        get_latest_by = "created_at"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("household",),
                condition=Q(is_current=True),
                name="location_plan_one_current_per_household",
            ),
            models.CheckConstraint(
                condition=Q(basis__in=LocationBasis.values), name="location_plan_basis_valid"
            ),
            models.CheckConstraint(
                condition=Q(horizon_years__gte=1) & Q(horizon_years__lte=100),
                name="location_plan_horizon_range",
            ),
            models.CheckConstraint(
                condition=Q(churn_penalty_bp__gte=0),
                name="location_plan_churn_penalty_non_negative",
            ),
        ]

    def __str__(self) -> str:
        word = "current" if self.is_current else "retired"
        return f"{self.household_id} location plan of {self.as_of} ({word})"

    @property
    def summary(self) -> str:
        return str(self.explanation.get("summary", ""))

    @property
    def explanations(self) -> list[dict[str, object]]:
        return list(self.explanation.get("explanations", []))

    @property
    def binding(self) -> list[dict[str, object]]:
        return list(self.explanation.get("binding", []))


class LocationPlacement(models.Model):
    """Dollars of one asset class the plan puts in one account (pre-tax, the account's own)."""

    plan = models.ForeignKey(SavedLocationPlan, on_delete=models.CASCADE, related_name="placements")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    asset_class = models.ForeignKey(AssetClass, on_delete=models.PROTECT, related_name="+")
    amount = money()

    class Meta:
        ordering = ("plan", "account__name", "asset_class__sort_order", "asset_class__code")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("plan", "account", "asset_class"),
                name="location_placement_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="location_placement_amount_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.asset_class_id}: {self.amount}"

"""Reads of saved asset-location plans: the current plan and its targets per account and class."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch

from policies.location.models import LocationPlacement, SavedLocationPlan
from portfolios.models import Household


def current_location_plan_get(*, household: Household) -> SavedLocationPlan | None:
    """The household's current saved plan with its placements loaded, or None (2 queries)."""
    placements = LocationPlacement.objects.select_related("account", "asset_class").order_by(
        "account__name", "account_id", "asset_class__sort_order", "asset_class__code"
    )
    return (
        SavedLocationPlan.objects.filter(household=household, is_current=True)
        .select_related("created_by", "policy")
        .prefetch_related(Prefetch("placements", queryset=placements))
        .first()
    )


def current_location_plan_targets(household: Household) -> dict[tuple[int, str], Decimal] | None:
    """The current plan's dollars by (account id, class code), or None without a plan.

    What rebalancing with ``location="plan"`` keeps every account at. Amounts
    are the plan's, in each account's own dollars on the plan's date; the
    rebalancer scales each account's mix to its value on the day. An account
    opened after the plan was saved has no entry. Two queries at most.
    """
    rows = list(
        LocationPlacement.objects.filter(
            plan__household=household, plan__is_current=True
        ).values_list("account_id", "asset_class__code", "amount")
    )
    if (
        not rows
        and not SavedLocationPlan.objects.filter(household=household, is_current=True).exists()
    ):
        return None
    return {(account_id, code): amount for account_id, code, amount in rows}

"""Fixtures for the portal: the world household with an IPS whose targets match, or not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from policies.models import InvestmentPolicy
from policies.services import PolicyDraft, TargetDraft, policy_create
from tests.conftest import World

# The world household holds (hand-computed, total $64,600): VTI $25,000 and VXUS $12,000,
# BND $21,600, cash $6,000 -> 38.70% / 18.58% / 33.44% / 9.29%.
CLOSE = {
    "us_equity": Decimal("0.387"),
    "intl_equity": Decimal("0.186"),
    "us_bonds": Decimal("0.334"),
    "cash": Decimal("0.093"),
}
# Far from what it holds: US stocks 70% against 38.7% is outside any band.
FAR = {
    "us_equity": Decimal("0.70"),
    "intl_equity": Decimal("0.10"),
    "us_bonds": Decimal("0.15"),
    "cash": Decimal("0.05"),
}


def plan(
    world: World, targets: dict[str, Decimal], *, queue_work: bool = False, **overrides: Any
) -> InvestmentPolicy:
    fields: dict[str, Any] = {
        "targets": tuple(TargetDraft(code, weight) for code, weight in targets.items()),
        "rationale": "Agreed at the discovery meeting.",
    }
    fields.update(overrides)
    return policy_create(
        household=world.household,
        author=world.user("owner"),
        draft=PolicyDraft(**fields),
        activate=True,
        queue_work=queue_work,
    )

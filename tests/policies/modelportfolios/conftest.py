"""A balanced model of the test world's firm (60/30/10) and a household following it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from policies.modelportfolios.following import followed_draft, model_of_firm
from policies.modelportfolios.models import ModelPortfolio
from policies.modelportfolios.services import BuyListDraft, ModelDraft, model_create
from policies.models import InvestmentPolicy
from policies.services import Following, OverrideDraft, TargetDraft, policy_create
from tests.conftest import World
from tests.policies.conftest import draft

BALANCED = {"us_equity": "0.60", "us_bonds": "0.30", "intl_equity": "0.10"}


def model_body(world: World, **overrides: Any) -> dict[str, Any]:
    """A valid POST body for /api/v1/models/."""
    body: dict[str, Any] = {
        "name": "Balanced",
        "targets": [{"asset_class": c, "weight": w} for c, w in BALANCED.items()],
        "abs_band": "0.05",
        "rel_band": "0.25",
        "method": "threshold",
        "buy_list": [
            {
                "asset_class": "us_equity",
                "security": world.securities["VTI"].pk,
                "substitutes": [world.securities["ITOT"].pk],
            }
        ],
    }
    body.update(overrides)
    return body


def make_model(world: World, name: str = "Balanced", **targets: str) -> ModelPortfolio:
    weights = targets or BALANCED
    return model_create(
        firm_id=world.firm.pk,
        user=world.user("admin"),
        draft=ModelDraft(
            name=name,
            targets=tuple(TargetDraft(c, Decimal(w)) for c, w in weights.items()),
            buy_list=(
                BuyListDraft(
                    "us_equity", world.securities["VTI"].pk, (world.securities["ITOT"].pk,)
                ),
            ),
        ),
    )


def follow(
    world: World, model: ModelPortfolio, *overrides: OverrideDraft, household: Any = None
) -> InvestmentPolicy:
    """An active IPS version of ``household`` (the world's) following ``model``."""
    fresh = model_of_firm(world.firm.pk, model.pk)
    assert fresh is not None
    return policy_create(
        household=household or world.household,
        author=world.user("owner"),
        draft=followed_draft(fresh, draft(targets=()), overrides),
        following=Following(fresh, overrides),
        queue_work=False,
    )

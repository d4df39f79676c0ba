"""The drifted household the proposal tests share (the `drifted` fixture is in conftest.py).

``drifted`` gives the world household an IPS that makes it sell US equity:
the Joint brokerage holds VTI in two lots (100 sh bought 2020 for $15,000,
a long-term gain; 40 sh bought 2025-01-10 for $12,000, a long-term loss at
$250), so a rebalance sells the loss lot whole and part of the gain lot.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from policies.models import InvestmentPolicy
from policies.proposals.models import Proposal
from policies.services import TargetDraft
from portfolios.models import Lot
from tests.conftest import World
from tests.factories import LotFactory
from tests.policies.conftest import make_policy

AS_OF = date(2026, 11, 26)
# us_equity 30%: with $74,600 in all, $22,380 of VTI's $35,000 stays.
DRIFTED_TARGETS = {
    "us_equity": Decimal("0.30"),
    "intl_equity": Decimal("0.20"),
    "us_bonds": Decimal("0.45"),
    "cash": Decimal("0.05"),
}


def make_drifted(world: World) -> tuple[InvestmentPolicy, Lot]:
    loss_lot = LotFactory(
        account=world.household.accounts.get(name="Joint brokerage"),
        security=world.securities["VTI"],
        quantity=Decimal("40"),
        cost_basis=Decimal("12000.00"),
        acquired_on=date(2025, 1, 10),
    )
    policy = make_policy(
        world, targets=tuple(TargetDraft(code, w) for code, w in DRIFTED_TARGETS.items())
    )
    return policy, loss_lot


def proposals_url(world: World) -> str:
    return f"/api/v1/households/{world.household.pk}/proposals/"


def propose(api: Any, world: World, **body: Any) -> Any:
    body.setdefault("as_of", AS_OF.isoformat())
    return api.post(proposals_url(world), body, format="json")


def proposal_of(response: Any) -> Proposal:
    return Proposal.objects.get(pk=response.json()["id"])

"""Tax-aware, lot-level rebalancing of a household (docs/DOMAIN.md, "Tax-aware rebalancing").

``plan_rebalance(snapshot, policy, options)`` builds the problem (``problem``), the
mixed-integer program (``model``), solves it on HiGHS (``solve``), prices it with US
netting (``tax``) and turns the answer into trades (``result``, ``explain``).
``harvest_losses`` and ``plan_tranches`` build on it; ``naive_rebalance`` is the
per-account FIFO baseline the benchmarks compare against.
"""

from __future__ import annotations

from advisory.engine.rebalance.harvest import (
    harvest_loss_total,
    harvest_losses,
    harvestable_losses,
)
from advisory.engine.rebalance.naive import naive_rebalance
from advisory.engine.rebalance.plan import plan_rebalance
from advisory.engine.rebalance.tranches import plan_tranches
from advisory.engine.rebalance.types import (
    HarvestOptions,
    Location,
    RebalanceMode,
    RebalanceOptions,
    RebalancePlan,
    Side,
    Trade,
    Tranche,
)

__all__ = [
    "HarvestOptions",
    "Location",
    "RebalanceMode",
    "RebalanceOptions",
    "RebalancePlan",
    "Side",
    "Trade",
    "Tranche",
    "harvest_loss_total",
    "harvest_losses",
    "harvestable_losses",
    "naive_rebalance",
    "plan_rebalance",
    "plan_tranches",
]

"""Household asset location as an exact linear program (docs/DOMAIN.md, "Asset location").

``plan_asset_location`` sets up the program (``program``), solves it with HiGHS,
rounds the dollars to cents (``rounding``) and explains the answer (``report``).
"""

from __future__ import annotations

from advisory.engine.location.plan import (
    LocationPlan,
    Placement,
    household_location_inputs,
    plan_asset_location,
    plan_asset_location_for,
)
from advisory.engine.location.program import (
    DEFAULT_CHURN_PENALTY_BP,
    DEFAULT_HORIZON_YEARS,
    LocationBasis,
    LocationOptions,
    taxable_drag,
    terminal_factor,
)
from advisory.engine.location.report import BindingConstraint, ClassExplanation

__all__ = [
    "DEFAULT_CHURN_PENALTY_BP",
    "DEFAULT_HORIZON_YEARS",
    "BindingConstraint",
    "ClassExplanation",
    "LocationBasis",
    "LocationOptions",
    "LocationPlan",
    "Placement",
    "household_location_inputs",
    "plan_asset_location",
    "plan_asset_location_for",
    "taxable_drag",
    "terminal_factor",
]

"""Fixtures for reviews: the world household on a quarterly calendar from 15 January 2025."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from advisory.engine.review_schedule import ReviewPeriod
from policies.models import InvestmentPolicy
from policies.reviews.models import Review, ReviewKind, ReviewStatus
from policies.reviews.services import review_create
from tests.conftest import World
from tests.policies.conftest import make_policy

ANCHOR = date(2025, 1, 15)


@dataclass(frozen=True)
class EngineCorrelation:
    """A correlation row as the engine's dataclass gives it (``code``, pairs)."""

    code: str
    correlation: Decimal
    median_1y: Decimal
    flagged: bool
    flagged_since: date | None
    series: tuple[tuple[date, Decimal], ...]


ANNUAL_2026 = ReviewPeriod("annual", date(2025, 1, 15), date(2026, 1, 15), date(2026, 2, 14))
QUARTER_Q3 = ReviewPeriod("quarterly", date(2025, 7, 15), date(2025, 10, 15), date(2025, 11, 14))


def scheduled_policy(world: World, **overrides: Any) -> InvestmentPolicy:
    fields: dict[str, Any] = {
        "method": "calendar",
        "frequency": "quarterly",
        "anchor_date": ANCHOR,
        "effective_date": ANCHOR,
    }
    fields.update(overrides)
    return make_policy(world, **fields)


def make_review(
    world: World,
    *,
    kind: str = ReviewKind.ANNUAL,
    status: str = ReviewStatus.SCHEDULED,
    period: ReviewPeriod = ANNUAL_2026,
    household: Any = None,
) -> Review:
    reason = "The client travelled." if status == ReviewStatus.SKIPPED else ""
    return review_create(
        household_id=(household or world.household).pk,
        kind=kind,
        period=period,
        status=status,
        skip_reason=reason,
    )


@pytest.fixture
def policy(world: World) -> InvestmentPolicy:
    return scheduled_policy(world)


@pytest.fixture
def review(world: World, policy: InvestmentPolicy) -> Review:
    return make_review(world)


FULL_NOTES = [
    {"item": "goals", "notes": "Retirement moved to 2032; college fund on track."},
    {"item": "risk_capacity", "notes": "Capacity down: one income since March."},
    {"item": "risk_tolerance", "notes": "Unchanged; comfortable with a 20% decline."},
    {"item": "tax_accounts", "notes": "Roth conversion room of $40k this year."},
    {"item": "targets_selection", "notes": "Equities 40% to 35%; keep the same funds."},
    {"item": "drift", "notes": "Bonds 3 points under target, inside the band."},
]


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("policies.reviews.figures")
    module.household_returns = lambda household, as_of, since=None: [  # type: ignore[attr-defined]
        types.SimpleNamespace(
            period="ytd",
            label="Year to date",
            start=date(2025, 12, 31),
            end=as_of,
            twr=Decimal("0.0123"),
            mwr=Decimal("0.0119"),
            benchmark=Decimal("0.0100"),
        )
    ]
    module.household_rmds = lambda household, year: []  # type: ignore[attr-defined]
    module.household_contribution_room = lambda household, year: []  # type: ignore[attr-defined]
    module.household_stress = lambda household, as_of: {  # type: ignore[attr-defined]
        "scenarios": [
            {
                "name": "Equities -30%",
                "impact": Decimal("-9000"),
                "impact_pct": Decimal("-0.1"),
                "by_class": {"us_equity": Decimal("-7500")},
            }
        ]
    }
    module.household_correlations = lambda household, as_of: [  # type: ignore[attr-defined]
        {
            "asset_class": "us_bonds",
            "correlation": Decimal("0.31"),
            "median_1y": Decimal("0.05"),
            "flagged": True,
            "flagged_since": date(2026, 1, 5),
            "series": [
                {"day": date(2025, 10, 1), "correlation": "0.02"},
                {"day": date(2026, 1, 30), "correlation": "0.31"},
            ],
        },
        # The engine's own shape: ``code`` and (day, correlation) pairs.
        EngineCorrelation(
            code="intl_equity",
            correlation=Decimal("0.8"),
            median_1y=Decimal("0.75"),
            flagged=False,
            flagged_since=None,
            series=((date(2025, 10, 1), Decimal("0.7")), (date(2026, 1, 30), Decimal("0.8"))),
        ),
    ]
    monkeypatch.setitem(sys.modules, "policies.reviews.figures", module)
    import policies.reviews as package

    monkeypatch.setattr(package, "figures", module, raising=False)
    return module

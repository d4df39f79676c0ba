"""Fixtures for reviews: the world household on a quarterly calendar from 15 January 2025."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from advisory.engine.review_schedule import ReviewPeriod
from policies.models import InvestmentPolicy
from policies.reviews.models import Review, ReviewKind, ReviewStatus
from policies.reviews.services import review_create
from tests.conftest import World
from tests.policies.conftest import make_policy

ANCHOR = date(2025, 1, 15)


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


def price_history(world: World, days: int = 160, end: date = date(2026, 1, 30)) -> None:
    """Daily closes for the world's funds on weekdays up to ``end`` (made-up, wavy series)."""
    import math
    from datetime import timedelta
    from decimal import Decimal

    from portfolios.models import PricePoint

    points = []
    day, made = end, 0
    while made < days:
        if day.weekday() < 5:
            for n, symbol in enumerate(("VTI", "VXUS", "BND", "ITOT")):
                wave = math.sin(made / (5 + n)) + 0.3 * math.cos(made / 3)
                close = Decimal(str(round(100 + 10 * n + wave * (3 - n * 0.5), 4)))
                points.append(PricePoint(security=world.securities[symbol], date=day, close=close))
            made += 1
        day -= timedelta(days=1)
    PricePoint.objects.bulk_create(points)

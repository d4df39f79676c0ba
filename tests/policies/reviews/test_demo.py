"""Demo reviews: every state present, each demo client with one to acknowledge, seeded once."""

from __future__ import annotations

from datetime import date

import pytest

from policies.demo import seed_policies
from policies.reviews.demo import seed_reviews
from policies.reviews.models import Review, ReviewStatus
from portfolios.models import Household
from tests.conftest import World
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 26)


def test_demo_reviews_in_every_state_once(world: World) -> None:
    for n in range(8):
        HouseholdFactory(firm=world.firm, name=f"Demo {n}", primary_advisor=world.user("owner"))
    households = list(Household.objects.filter(firm=world.firm))
    seed_policies(households=households, as_of=AS_OF)
    created = seed_reviews(households=households, as_of=AS_OF)
    assert created == Review.objects.count() > 0
    assert set(Review.objects.values_list("status", flat=True)) == set(ReviewStatus.values)
    # The world's client has a review awaiting them.
    assert Review.objects.filter(
        household=world.household, status=ReviewStatus.AWAITING_CLIENT
    ).exists()
    # Completed reviews have notes on every item; skipped ones a reason.
    for review in Review.objects.filter(status=ReviewStatus.COMPLETED):
        assert all(row["notes"] for row in review.checklist)
    assert all(r.skip_reason for r in Review.objects.filter(status=ReviewStatus.SKIPPED))
    assert seed_reviews(households=households, as_of=AS_OF) == 0

"""Demo IPS versions: every household gets one, with a mix of methods and acknowledgements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from advisory.engine.drift import is_calendar_due
from policies.demo import fit_to_classes, seed_policies
from policies.models import DriftSnapshot, InvestmentPolicy, PolicyAcknowledgement
from policies.selectors import policy_targets_of
from portfolios.models import Household
from tests.conftest import World
from tests.factories import ClientLinkFactory, HouseholdFactory, member

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 26)


def test_fit_to_classes_gives_missing_weight_to_the_largest_class() -> None:
    weights = {"us_equity": Decimal("0.5"), "us_bonds": Decimal("0.3"), "muni": Decimal("0.2")}
    assert fit_to_classes(weights, ["us_equity", "us_bonds"]) == {
        "us_equity": Decimal("0.7"),  # 0.5 + the missing 0.2
        "us_bonds": Decimal("0.3"),
    }


def test_every_household_gets_an_active_policy_once(world: World) -> None:
    for n in range(4):
        household = HouseholdFactory(firm=world.firm, name=f"Demo {n}")
        ClientLinkFactory(user=member(world.firm, "client"), household=household)
    households = list(Household.objects.filter(firm=world.firm))
    report = seed_policies(households=households, as_of=AS_OF)
    active = InvestmentPolicy.objects.filter(status="active", household__in=households)
    assert active.count() == len(households) == 6
    assert {p.method for p in active} == {"threshold", "hybrid", "calendar"}
    assert all(sum(t.weight for t in p.targets.all()) == 1 for p in active)
    assert InvestmentPolicy.objects.filter(status="superseded").exists()
    acknowledged = PolicyAcknowledgement.objects.values_list("policy__household", flat=True)
    assert 0 < len(set(acknowledged)) < len(households)
    assert DriftSnapshot.objects.filter(household__in=households).count() == 6
    again = seed_policies(households=households, as_of=AS_OF)
    assert (again.policies, again.households_skipped) == (0, 6)
    assert report.policies == InvestmentPolicy.objects.count()


def test_some_calendar_reviews_were_held_and_some_are_due(world: World) -> None:
    # given: nine demo households, so each method appears three times
    for n in range(7):
        HouseholdFactory(firm=world.firm, name=f"Demo {n}")
    households = list(Household.objects.filter(firm=world.firm))
    # when: the demo policies are seeded
    seed_policies(households=households, as_of=AS_OF)
    # then: a household whose latest review was held is not calendar-due, and some are due
    scheduled = InvestmentPolicy.objects.filter(
        status="active", household__in=households, method__in=["calendar", "hybrid"]
    )
    reviewed = [p for p in scheduled if p.last_rebalanced_on is not None]
    waiting = [p for p in scheduled if p.last_rebalanced_on is None]
    assert reviewed
    assert waiting
    for policy in reviewed:
        assert policy.last_rebalanced_on <= AS_OF
        assert not is_calendar_due(policy_targets_of(policy), AS_OF)
    for policy in waiting:
        assert is_calendar_due(policy_targets_of(policy), AS_OF)

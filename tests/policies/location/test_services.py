"""policies.location.services: compute, save, supersede, and the selector rebalancing reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from advisory.api_errors import ConflictError
from advisory.engine.location import LocationBasis, LocationOptions
from policies.location.models import LocationPlacement, SavedLocationPlan
from policies.location.selectors import current_location_plan_get, current_location_plan_targets
from policies.location.services import (
    InfeasiblePlanError,
    location_plan_compute,
    location_plan_save,
)
from policies.selectors import NoActivePolicyError
from policies.services import policy_create
from tests.conftest import World
from tests.policies.conftest import draft, make_policy

pytestmark = pytest.mark.django_db

D = Decimal
AS_OF = date(2026, 11, 25)


def test_no_active_ips_is_refused(world: World) -> None:
    with pytest.raises(NoActivePolicyError, match="no active Investment Policy Statement"):
        location_plan_compute(household=world.household, as_of=AS_OF)


def test_the_plan_places_every_dollar_and_keeps_the_targets(world: World) -> None:
    make_policy(world)
    result = location_plan_compute(household=world.household, as_of=AS_OF)
    plan = result.plan
    assert plan.feasible
    assert result.options.horizon_years == 20  # the IPS's
    assert result.options.class_names["us_bonds"] == world.classes["us_bonds"].name
    # Brokerage 25,000 + 12,000 + 5,000 cash = 42,000; IRA 21,600 + 1,000 cash = 22,600.
    by_account: dict[int, Decimal] = {}
    for placement in plan.placements:
        by_account[placement.account_id] = by_account.get(placement.account_id, D(0)) + (
            placement.amount
        )
    taxable = world.household.accounts.get(name="Joint brokerage")
    ira = world.household.accounts.get(name="Ann IRA")
    assert by_account == {taxable.pk: D("42000.00"), ira.pk: D("22600.00")}
    # 40/20/35/5 of 64,600
    assert plan.class_totals == {
        "us_equity": D("25840.00"),
        "intl_equity": D("12920.00"),
        "us_bonds": D("22610.00"),
        "cash": D("3230.00"),
    }
    assert result.current[(taxable.pk, "cash")] == D("5000.00")


def test_the_ips_cash_reserve_is_set_aside_from_taxable_cash_first(world: World) -> None:
    make_policy(world, cash_reserve=D("3000"))
    result = location_plan_compute(household=world.household, as_of=AS_OF)
    taxable = world.household.accounts.get(name="Joint brokerage")
    assert result.reserve_set_aside == {taxable.pk: D("3000.00")}
    assert result.current[(taxable.pk, "cash")] == D("2000.00")  # 5,000 free less 3,000
    # 64,600 less the 3,000 reserve is placed
    assert sum(p.amount for p in result.plan.placements) == D("61600.00")


def test_a_reserve_larger_than_free_cash_takes_all_of_it(world: World) -> None:
    make_policy(world, cash_reserve=D("7500"))
    result = location_plan_compute(household=world.household, as_of=AS_OF)
    # 5,000 in the brokerage, then the IRA's 1,000; the 1,500 left over cannot be set aside.
    assert sorted(result.reserve_set_aside.values()) == [D("1000.00"), D("5000.00")]
    assert sum(p.amount for p in result.plan.placements) == D("58600.00")


def test_save_stores_the_plan_and_its_placements(world: World) -> None:
    policy = make_policy(world)
    options = LocationOptions(horizon_years=15, basis=LocationBasis.AFTER_TAX)
    result = location_plan_compute(household=world.household, as_of=AS_OF, options=options)
    saved = location_plan_save(household=world.household, user=world.user("owner"), result=result)
    saved.refresh_from_db()
    assert saved.is_current
    assert saved.policy == policy
    assert (saved.basis, saved.horizon_years, saved.as_of) == ("after_tax", 15, AS_OF)
    assert saved.objective == result.plan.objective
    assert saved.uplift_bp == result.plan.uplift_bp
    assert saved.summary == result.plan.summary
    assert [e["asset_class"] for e in saved.explanations] == [
        e.asset_class for e in result.plan.explanations
    ]
    stored = {
        (p.account_id, p.asset_class.code): p.amount
        for p in LocationPlacement.objects.filter(plan=saved).select_related("asset_class")
    }
    assert stored == {(p.account_id, p.asset_class): p.amount for p in result.plan.placements}


def test_the_selector_gives_the_current_plans_dollars(world: World) -> None:
    make_policy(world)
    assert current_location_plan_targets(world.household) is None
    first = location_plan_compute(household=world.household, as_of=AS_OF)
    location_plan_save(household=world.household, user=None, result=first)
    second = location_plan_compute(
        household=world.household, as_of=AS_OF, options=LocationOptions(horizon_years=3)
    )
    location_plan_save(household=world.household, user=None, result=second)
    targets = current_location_plan_targets(world.household)
    assert targets == {(p.account_id, p.asset_class): p.amount for p in second.plan.placements}
    assert SavedLocationPlan.objects.filter(household=world.household, is_current=True).count() == 1
    current = current_location_plan_get(household=world.household)
    assert current is not None
    assert current.horizon_years == 3


def test_the_selector_is_two_queries_at_most(world: World, django_assert_num_queries: Any) -> None:
    make_policy(world)
    with django_assert_num_queries(2):  # no placements: is there a plan at all?
        current_location_plan_targets(world.household)
    result = location_plan_compute(household=world.household, as_of=AS_OF)
    location_plan_save(household=world.household, user=None, result=result)
    with django_assert_num_queries(1):
        current_location_plan_targets(world.household)


def test_an_infeasible_plan_is_not_saved(world: World) -> None:
    make_policy(world)
    world.household.accounts.get(name="Joint brokerage").allowed_asset_classes.set(
        [world.classes["us_equity"]]
    )
    world.household.accounts.get(name="Ann IRA").allowed_asset_classes.set(
        [world.classes["us_bonds"]]
    )
    result = location_plan_compute(household=world.household, as_of=AS_OF)
    assert not result.plan.feasible
    assert result.rows() == []
    with pytest.raises(InfeasiblePlanError, match="No placement fits"):
        location_plan_save(household=world.household, user=None, result=result)
    assert not SavedLocationPlan.objects.exists()


def test_a_plan_computed_under_a_replaced_ips_is_a_conflict(world: World) -> None:
    make_policy(world)
    result = location_plan_compute(household=world.household, as_of=AS_OF)
    policy_create(
        household=world.household,
        author=None,
        draft=draft(rationale="Second version."),
        queue_work=False,
    )
    with pytest.raises(ConflictError):
        location_plan_save(household=world.household, user=None, result=result)
    assert not SavedLocationPlan.objects.exists()


def test_the_database_keeps_one_current_plan_per_household(world: World) -> None:
    fields = {
        "household": world.household,
        "as_of": AS_OF,
        "horizon_years": 20,
        "objective": D("1"),
        "baseline_objective": D("1"),
        "uplift_dollars": D("0"),
        "uplift_bp": D("0"),
    }
    SavedLocationPlan.objects.create(**fields)
    SavedLocationPlan.objects.create(**fields, is_current=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedLocationPlan.objects.create(**fields)

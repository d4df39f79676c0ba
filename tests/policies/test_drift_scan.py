"""The nightly drift scan and the dashboard flags it feeds: results and query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisory.engine.drift import household_values_by_class, measure_drift
from advisory.flags import household_flags
from policies.drift import drift_scan
from policies.models import DriftSnapshot
from policies.selectors import active_policy_get, household_values_bulk, policy_targets_of
from policies.services import policy_acknowledge, policy_create
from policies.tasks import scan_drift
from portfolios.models import Household
from portfolios.snapshots import household_snapshot
from tests.conftest import World
from tests.factories import AccountFactory, ClientLinkFactory, HouseholdFactory, LotFactory, member
from tests.policies.conftest import draft, make_policy

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 26)


def test_database_sums_agree_with_the_engine(world: World) -> None:
    snapshot = household_snapshot(household=world.household, as_of=AS_OF)
    engine_values = household_values_by_class(snapshot)
    assert household_values_bulk([world.household.pk])[world.household.pk] == engine_values


def test_scan_stores_what_the_engine_measures(world: World) -> None:
    policy = make_policy(world)
    result = drift_scan(as_of=AS_OF)
    assert result.households == 3
    assert result.with_policy == 1
    assert result.needs_rebalance == 1
    stored = DriftSnapshot.objects.get(household=world.household)
    report = measure_drift(
        household_snapshot(household=world.household, as_of=AS_OF), policy_targets_of(policy)
    )
    assert stored.policy_id == policy.pk
    assert stored.needs_rebalance is report.needs_rebalance is True
    assert stored.reason == report.reason == "Cash is 3.0 pp above its band"
    assert stored.out_of_band_classes == ["cash"]
    assert stored.total_value == Decimal("64600.00")
    # the largest drift is cash: 6,000 / 64,600 - 0.05 = 0.042879
    assert stored.max_abs_drift == Decimal("0.042879")
    assert [row["asset_class"] for row in stored.rows] == [
        "us_equity",
        "intl_equity",
        "us_bonds",
        "cash",
    ]
    without = DriftSnapshot.objects.get(household=world.other_household)
    assert (without.has_policy, without.reason) == (False, "No active IPS")


def test_scanning_twice_a_day_replaces_that_days_snapshot(world: World) -> None:
    make_policy(world)
    drift_scan(as_of=AS_OF)
    drift_scan(as_of=AS_OF)
    drift_scan(as_of=date(2026, 11, 27))
    assert DriftSnapshot.objects.filter(household=world.household).count() == 2


def test_old_snapshots_are_purged(world: World) -> None:
    drift_scan(as_of=date(2025, 1, 1))
    drift_scan(as_of=AS_OF)
    assert not DriftSnapshot.objects.filter(computed_on=date(2025, 1, 1)).exists()


def test_the_celery_task_scans_every_household(world: World) -> None:
    make_policy(world)
    result = scan_drift.delay(AS_OF.isoformat()).get()
    assert result == {
        "as_of": "2026-11-26",
        "households": 3,
        "with_policy": 1,
        "needs_rebalance": 1,
    }


def _more_households(world: World, count: int) -> list[Household]:
    households = []
    for n in range(count):
        household = HouseholdFactory(firm=world.firm, name=f"Extra {n}")
        account = AccountFactory(household=household)
        LotFactory(account=account, security=world.securities["VTI"])
        LotFactory(account=account, security=world.securities["BND"])
        policy_create(household=household, author=None, draft=draft(), queue_work=False)
        ClientLinkFactory(user=member(world.firm, "client"), household=household)
        households.append(household)
    return households


def _queries(run: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_scan_queries_do_not_grow_with_households(world: World) -> None:
    make_policy(world)
    _more_households(world, 1)  # 4 households
    few = _queries(lambda: drift_scan(as_of=AS_OF))
    _more_households(world, 9)  # 13 households
    many = _queries(lambda: drift_scan(as_of=AS_OF))
    assert many == few
    assert DriftSnapshot.objects.filter(computed_on=AS_OF).count() == 13


def test_flags_queries_do_not_grow_with_households(
    world: World, django_assert_max_num_queries: Any
) -> None:
    few = [world.household.pk, *(h.pk for h in _more_households(world, 2))]
    many = few + [h.pk for h in _more_households(world, 9)]
    drift_scan(as_of=AS_OF)
    with django_assert_max_num_queries(3):
        household_flags(few)
    with django_assert_max_num_queries(3):
        flags = household_flags(many)
    assert set(flags) == set(many)


def labels(flags: list[Any]) -> list[str]:
    return [flag.label for flag in flags]


def test_flags_name_what_needs_attention(world: World) -> None:
    policy = make_policy(world)
    drift_scan(as_of=AS_OF)
    flags = household_flags([world.household.pk, world.other_household.pk])
    assert labels(flags[world.household.pk]) == ["Out of band: cash", "IPS not acknowledged"]
    assert flags[world.household.pk][0].level == "alert"
    assert flags[world.household.pk][0].detail == "Cash is 3.0 pp above its band"
    assert labels(flags[world.other_household.pk]) == ["No active IPS"]
    policy_acknowledge(policy=policy, user=world.user("client"))
    assert labels(household_flags([world.household.pk])[world.household.pk]) == [
        "Out of band: cash"
    ]


def test_every_client_must_acknowledge(world: World) -> None:
    policy = make_policy(world)
    second = member(world.firm, "client", email="partner@acme.test")
    ClientLinkFactory(user=second, household=world.household)
    policy_acknowledge(policy=policy, user=world.user("client"))
    flags = household_flags([world.household.pk])[world.household.pk]
    assert [f.detail for f in flags if f.label == "IPS not acknowledged"] == [
        "Version 1: 1 of 2 client(s) to acknowledge."
    ]


def test_calendar_rebalance_due_is_an_alert(world: World) -> None:
    # Quarterly from 2026-01-15: reviews 04-15, 07-15, 10-15; due on 11-26 (never rebalanced).
    make_policy(world, method="calendar", frequency="quarterly", anchor_date=date(2026, 1, 15))
    drift_scan(as_of=AS_OF)
    flags = household_flags([world.household.pk])[world.household.pk]
    assert (flags[0].level, flags[0].label, flags[0].detail) == (
        "alert",
        "Rebalance due",
        "calendar rebalance due 15 October 2026",
    )
    stored = DriftSnapshot.objects.get(household=world.household)
    assert stored.next_review_date == date(2027, 1, 15)


def test_hybrid_review_due_with_every_class_in_band_is_a_warning(world: World) -> None:
    # The IPS cash reserve of 3,000 brings cash to 4.87%, within 5% +- 1.25 points.
    make_policy(
        world,
        method="hybrid",
        frequency="semiannual",
        anchor_date=date(2026, 1, 1),
        cash_reserve=Decimal("3000"),
    )
    drift_scan(as_of=AS_OF)
    flags = household_flags([world.household.pk])[world.household.pk]
    assert (flags[0].level, flags[0].label) == ("warn", "Review due")
    assert flags[0].detail == "hybrid: review due 1 July 2026; all classes within bands"


def test_hybrid_out_of_band_before_the_review_is_information(world: World) -> None:
    # Semiannual from 2026-09-01: the first review is 2027-03-01.
    make_policy(world, method="hybrid", frequency="semiannual", anchor_date=date(2026, 9, 1))
    drift_scan(as_of=AS_OF)
    flags = household_flags([world.household.pk])[world.household.pk]
    assert (flags[0].level, flags[0].label) == ("info", "Out of band: cash")


def test_a_snapshot_of_an_older_version_raises_no_drift_flag(world: World) -> None:
    make_policy(world)
    drift_scan(as_of=AS_OF)
    make_policy(world, rationale="New targets, not scanned yet.")
    flags = household_flags([world.household.pk])[world.household.pk]
    assert not [f for f in flags if f.label.startswith("Out of band")]


def test_activation_refreshes_the_households_drift(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        policy_create(household=world.household, author=world.user("owner"), draft=draft())
    policy = active_policy_get(household=world.household)
    assert policy is not None
    stored = DriftSnapshot.objects.get(household=world.household)
    assert stored.policy_id == policy.pk
    assert stored.needs_rebalance

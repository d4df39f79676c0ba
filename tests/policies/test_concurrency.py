"""Two activations at once leave exactly one active version.

On PostgreSQL (CI) two threads, each with its own connection, activate at the
same moment: the household row lock makes the second wait for the first and
then supersede it. On SQLite (which has no row locks and one writer) the same
scenario runs one after the other; the test never skips.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from advisory.api_errors import ConflictError
from policies.models import InvestmentPolicy, PolicyStatus
from policies.services import policy_activate
from tests.concurrency import at_once
from tests.conftest import World
from tests.policies.conftest import make_policy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _activate(policy: InvestmentPolicy, world: World) -> Callable[[], Any]:
    return lambda: policy_activate(policy=policy, user=world.user("owner"), queue_work=False)


def test_two_drafts_activated_at_once_leave_one_active(world: World) -> None:
    make_policy(world)
    first = make_policy(world, activate=False, rationale="Draft A.")
    second = make_policy(world, activate=False, rationale="Draft B.")
    outcomes = at_once([_activate(first, world), _activate(second, world)])
    assert outcomes == [None, None]
    statuses = sorted(
        InvestmentPolicy.objects.filter(household=world.household).values_list("status", flat=True)
    )
    assert statuses == [PolicyStatus.ACTIVE, PolicyStatus.SUPERSEDED, PolicyStatus.SUPERSEDED]


def test_one_draft_activated_twice_at_once_is_one_activation_and_a_409(world: World) -> None:
    make_policy(world)
    waiting = make_policy(world, activate=False, rationale="Draft.")
    outcomes = at_once([_activate(waiting, world), _activate(waiting, world)])
    assert sorted(type(o).__name__ for o in outcomes) == ["ConflictError", "NoneType"]
    assert any(isinstance(o, ConflictError) for o in outcomes)
    active = InvestmentPolicy.objects.filter(household=world.household, status="active")
    assert list(active.values_list("pk", flat=True)) == [waiting.pk]

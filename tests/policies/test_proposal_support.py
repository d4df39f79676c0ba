"""Shared set-up for the proposal tests (no tests here): a drifted household and helpers.

``drifted`` gives the world household an IPS that makes it sell US equity:
the Joint brokerage holds VTI in two lots (100 sh bought 2020 for $15,000,
a long-term gain; 40 sh bought 2025-01-10 for $12,000, a long-term loss at
$250), so a rebalance sells the loss lot whole and part of the gain lot.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from policies.models import InvestmentPolicy
from policies.proposal_models import Proposal
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


@pytest.fixture
def drifted(world: World) -> tuple[InvestmentPolicy, Lot]:
    return make_drifted(world)


def proposals_url(world: World) -> str:
    return f"/api/v1/households/{world.household.pk}/proposals/"


def propose(api: Any, world: World, **body: Any) -> Any:
    body.setdefault("as_of", AS_OF.isoformat())
    return api.post(proposals_url(world), body, format="json")


def proposal_of(response: Any) -> Proposal:
    return Proposal.objects.get(pk=response.json()["id"])


_MIGRATION = "policies.migrations.0003_proposals"


@pytest.fixture
def audit_trail_emptied_after(transactional_db: Any) -> Iterator[None]:
    """Let a transactional test's database be emptied although audit rows never are.

    PostgreSQL empties tables with TRUNCATE, which the append-only trigger
    allows; SQLite deletes row by row, which it refuses. So, on SQLite only,
    the trigger is lifted for the clean-up and put back.
    """
    yield
    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module(_MIGRATION)
    with connection.schema_editor() as editor:
        migration.drop_audit_triggers(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {migration.AUDIT_TABLE}")  # noqa: S608 - a constant
    with connection.schema_editor() as editor:
        migration.create_audit_triggers(None, editor)

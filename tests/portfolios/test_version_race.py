"""Two simultaneous edits of one row that read the same version: exactly one wins.

On PostgreSQL the edits run in two threads, each on its own connection, released at
one barrier: the conditional UPDATE's row lock decides, and the loser re-reads the
row, sees the new version and writes nothing. On SQLite (one writer) they run in turn.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from portfolios.archiving import StaleEdit, save_if_current
from portfolios.models import Lot
from tests.concurrency import at_once
from tests.conftest import World

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _edit(lot_id: int, version: int, quantity: str) -> None:
    lot = Lot.objects.get(pk=lot_id)
    lot.quantity = Decimal(quantity)
    save_if_current(lot, version=version)


def test_two_simultaneous_edits_leave_one(world: World) -> None:
    lot = Lot.objects.filter(account__household=world.household).order_by("pk").first()
    assert lot is not None
    version = lot.version
    outcomes = at_once([lambda: _edit(lot.pk, version, "90"), lambda: _edit(lot.pk, version, "80")])
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "StaleEdit"]
    winner = "90" if outcomes[0] is None else "80"
    saved = Lot.objects.get(pk=lot.pk)
    assert saved.quantity == Decimal(winner)
    assert saved.version == version + 1
    assert isinstance(next(o for o in outcomes if o is not None), StaleEdit)

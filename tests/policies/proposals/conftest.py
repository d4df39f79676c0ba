"""Fixtures of the proposal tests: the drifted household of drifted.py."""

from __future__ import annotations

import pytest

from policies.models import InvestmentPolicy
from portfolios.models import Lot
from tests.conftest import World
from tests.policies.proposals.drifted import make_drifted


@pytest.fixture
def drifted(world: World) -> tuple[InvestmentPolicy, Lot]:
    return make_drifted(world)

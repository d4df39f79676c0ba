"""The proposal API benchmark's household and timer run (make bench times them for real)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.proposal_api import _measure, _populate
from policies.proposals.models import Proposal
from portfolios.models import Lot


@pytest.mark.django_db
def test_the_benchmark_household_is_built_and_every_call_answers(db: Any) -> None:
    household, advisor = _populate()
    assert Lot.objects.filter(account__household=household).count() == 3000
    assert household.accounts.count() == 10

    figures = _measure(household, advisor, repeats=1)

    assert figures["trades"] > 0
    for call in ("post_computed_in_request", "get_proposal", "approve", "execute"):
        assert isinstance(figures[call]["seconds_median"], float)
    statuses = sorted(Proposal.objects.values_list("status", flat=True))
    assert statuses == ["draft", "executed"]

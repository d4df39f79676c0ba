"""The drift-scan benchmark's generator and timer, on a tiny book (make bench runs 10,000)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.drift_scan import AS_OF, measure, populate
from policies.models import InvestmentPolicy
from portfolios.models import Lot


@pytest.mark.django_db
def test_tiny_benchmark_book_is_scanned(db: Any) -> None:
    assert populate(households=6, accounts=2, lots=3) == "built"
    assert Lot.objects.count() == 36
    assert InvestmentPolicy.objects.filter(status="active").count() == 6
    figures = measure(as_of=AS_OF, repeats=1)
    assert figures["households"] == figures["with_policy"] == figures["snapshots_today"] == 6
    assert isinstance(figures["ms_per_household"], float)
    assert populate(households=6, accounts=2, lots=3) == "reused"

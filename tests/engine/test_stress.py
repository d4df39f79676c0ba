"""Stress test arithmetic (advisory.engine.stress)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisory.engine.stress import ClassExposure, StressScenario, stress_test, stress_tests

D = Decimal

BOOK = [
    ClassExposure("crypto_large", D(5000)),
    ClassExposure("us_equity", D(50000)),
    ClassExposure("us_bonds", D(45000), duration=D(6)),
]  # 100,000: 5% crypto, 50% equities, 45% bonds of duration 6


def test_default_scenarios() -> None:
    crypto, equities, rates = stress_tests(BOOK)
    # 5% in crypto falling 50% costs the portfolio 2.5%
    assert (crypto.impact, crypto.impact_pct) == (D("-2500.00"), D("-0.025"))
    assert (equities.impact, equities.impact_pct) == (D("-15000.00"), D("-0.15"))
    # a 6-year duration bond class falls 6 x 2 points = 12%: 45,000 x 12% = 5,400
    [bonds] = rates.by_class
    assert bonds.shock == D("-0.12")
    assert (rates.impact, rates.impact_pct) == (D("-5400.00"), D("-0.054"))


def test_the_advisors_shocks_combine_with_their_rate_shock() -> None:
    *_, own = stress_tests(BOOK, shocks={"us_equity": D("-0.10")}, rate_shock=D("0.01"))
    assert own.name == "Advisor's scenario"
    # equities -5,000; bonds -6 x 1 point = -6% of 45,000 = -2,700
    assert own.impact == D("-7700.00")
    assert own.impact_pct == D("-0.077")


def test_a_class_never_loses_more_than_its_value() -> None:
    result = stress_test(BOOK, StressScenario("Rates +20", rate_shock=D("0.20")))
    assert result.impact == D("-45000.00")  # 6 x 20 points would be -120%


def test_a_shock_below_minus_one_is_an_error() -> None:
    with pytest.raises(ValueError, match="us_equity"):
        stress_test(BOOK, StressScenario("bad", {"us_equity": D("-1.5")}))


@given(st.decimals(min_value=0, max_value=1, places=4))
def test_crypto_impact_is_half_its_weight(weight: Decimal) -> None:
    book = [
        ClassExposure("crypto_large", weight * 1000),
        ClassExposure("cash", (1 - weight) * 1000),
    ]
    crypto, *_ = stress_tests(book)
    assert crypto.impact_pct == (-weight / 2).quantize(D("0.000001"))

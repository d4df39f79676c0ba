"""The demo's simulated market and household planner, without the database.

Statistical checks use a fixed seed; their tolerances come from the model's
parameters (standard errors of a sample), never from the output.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import numpy as np

from portfolios.defaults import DEFAULT_ASSET_CLASSES, default_correlation
from portfolios.demo.households import plan_households
from portfolios.demo.market import (
    MARKET_SEED,
    TRADING_DAYS_PER_YEAR,
    business_days,
    simulate_class_log_returns,
    simulate_market,
)

AS_OF = date(2026, 11, 25)


def test_class_volatilities_match_their_sigma() -> None:
    steps = 50 * TRADING_DAYS_PER_YEAR
    returns = simulate_class_log_returns(
        DEFAULT_ASSET_CLASSES, steps, np.random.default_rng(MARKET_SEED)
    )
    tolerance = 4 / math.sqrt(2 * (steps - 1))  # 4 standard errors of a sample std, relative
    for column, spec in enumerate(DEFAULT_ASSET_CLASSES):
        annual = returns[:, column].std(ddof=1) * math.sqrt(TRADING_DAYS_PER_YEAR)
        assert abs(annual / float(spec.volatility) - 1) < tolerance, spec.code


def test_class_correlations_match_the_model() -> None:
    steps = 50 * TRADING_DAYS_PER_YEAR
    returns = simulate_class_log_returns(
        DEFAULT_ASSET_CLASSES, steps, np.random.default_rng(MARKET_SEED)
    )
    sample = np.corrcoef(returns, rowvar=False)
    codes = [spec.code for spec in DEFAULT_ASSET_CLASSES]
    for i, first in enumerate(codes):
        for j, second in enumerate(codes):
            rho = default_correlation(first, second)
            standard_error = (1 - rho**2) / math.sqrt(steps)
            assert abs(sample[i, j] - rho) <= 4 * standard_error + 1e-12, (first, second)


def test_the_demo_path_has_equity_moving_together_and_bonds_apart() -> None:
    codes = [spec.code for spec in DEFAULT_ASSET_CLASSES]
    steps = len(business_days(AS_OF, 6)) - 1
    returns = simulate_class_log_returns(
        DEFAULT_ASSET_CLASSES, steps, np.random.default_rng(MARKET_SEED)
    )
    sample = np.corrcoef(returns, rowvar=False)
    us, intl, bonds = codes.index("us_equity"), codes.index("intl_equity"), codes.index("us_bonds")
    assert sample[us, intl] > 0.5
    assert sample[us, bonds] < 0.5
    large, growth = codes.index("crypto_large"), codes.index("crypto_growth")
    assert sample[large, growth] > 0.7


def test_the_simulation_is_deterministic_and_anchored_at_todays_prices() -> None:
    first = simulate_market(AS_OF, 2)
    second = simulate_market(AS_OF, 2)

    assert first.dates == second.dates == business_days(AS_OF, 2)
    for symbol, closes in first.closes.items():
        assert np.array_equal(closes, second.closes[symbol])
        assert np.all(closes > 0)
    assert first.last_close("VTI") == Decimal("330.00")
    assert first.last_close("BLCX") == Decimal("42.80")


def test_business_days_are_the_weekdays_of_the_span() -> None:
    days = business_days(date(2026, 11, 30), 1)  # a Monday
    assert days[0] == date(2025, 12, 1)  # 30 Nov 2025 was a Sunday
    assert days[-1] == date(2026, 11, 30)
    assert all(day.weekday() < 5 for day in days)
    assert len(days) == 261
    assert business_days(date(2028, 2, 29), 1)[0] == date(2027, 3, 1)  # 28 Feb 2027: Sunday


def test_household_plans_are_deterministic_and_a_prefix_of_larger_demos() -> None:
    history = simulate_market(AS_OF, 2)
    custodians = ("Schwab",)

    three = plan_households(7, 3, history, custodians)
    five = plan_households(7, 5, history, custodians)

    assert three == plan_households(7, 3, history, custodians)
    assert five[:3] == three
    assert plan_households(8, 3, history, custodians) != three

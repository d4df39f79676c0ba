"""Correlation monitor and portfolio expectations (advisory.engine.correlation)."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pandas as pd

from advisory.engine.correlation import correlation_monitor, persistent_rise, portfolio_expectation

D = Decimal
DAYS = pd.bdate_range("2024-01-01", periods=341)


def test_the_flag_switches_on_after_30_days_above_the_median() -> None:
    # Correlation 0.1 for 300 days, then 0.5. The one-year (252-day) median stays
    # 0.1 while fewer than 126 of its days are 0.5, so 0.5 - 0.1 = 0.4 > 0.20 from
    # day 300; the 30th day above is day 329, when the flag switches on.
    correlation = pd.Series([0.1] * 300 + [0.5] * 41, index=DAYS)
    median = correlation.rolling(252).median()
    assert persistent_rise(correlation.iloc[:329], median.iloc[:329]) == (False, None)
    assert persistent_rise(correlation.iloc[:330], median.iloc[:330]) == (True, DAYS[329].date())
    assert persistent_rise(correlation, median) == (True, DAYS[329].date())


def test_a_day_back_below_resets_the_count() -> None:
    values = [0.1] * 300 + [0.5] * 20 + [0.1] + [0.5] * 20
    correlation = pd.Series(values, index=DAYS)
    assert persistent_rise(correlation, correlation.rolling(252).median()) == (False, None)


def _prices(log_returns: list[float]) -> list[tuple[date, Decimal]]:
    price, closes = 100.0, [(DAYS_LONG[0].date(), D(100))]
    for day, r in zip(DAYS_LONG[1:], log_returns, strict=False):
        price *= math.exp(r)
        closes.append((day.date(), D(str(round(price, 6)))))
    return closes


DAYS_LONG = pd.bdate_range("2023-01-02", periods=481)


def test_monitor_on_prices_switches_on_about_40_days_after_the_class_turns() -> None:
    # US equity's log returns alternate +1%, -1%; the class moves exactly against it
    # (correlation -1) for 400 days, then exactly with it. The 90-day correlation
    # with k days of the new regime is about (2k - 90) / 90; it passes the median
    # (-1) plus 0.20 at k = 10 (k = 9 gives -0.80, not above), and 30 days above
    # later, at about day 400 + 9 + 29, the flag is on. The window means are not
    # exactly 0, which moves the crossing by at most a day either way.
    us = [0.01 if n % 2 == 0 else -0.01 for n in range(480)]
    other = [-r if n < 400 else r for n, r in enumerate(us)]
    prices = {"us_equity": _prices(us), "intl_equity": _prices(other)}
    [report] = correlation_monitor(prices, DAYS_LONG[-1].date())
    assert report.code == "intl_equity"
    assert report.flagged
    assert report.median_1y == D("-1.0000")
    assert report.flagged_since is not None
    turned = DAYS_LONG[401]  # the first day of the new regime (returns start a day late)
    days_after = len(pd.bdate_range(turned, report.flagged_since)) - 1
    assert 37 <= days_after <= 39
    # 80 days of the new regime in the last 90: (2 * 80 - 90) / 90 = 0.7778
    assert report.correlation == D("0.7778")
    # the day before the switch the flag is off
    before = correlation_monitor(prices, report.flagged_since - pd.Timedelta(days=1))
    assert not [r for r in before if r.flagged]


def test_no_flag_without_a_year_of_correlations() -> None:
    us = [0.01 if n % 2 == 0 else -0.01 for n in range(200)]
    prices = {"us_equity": _prices(us), "real_estate": _prices([-r for r in us])}
    [report] = correlation_monitor(prices, DAYS_LONG[200].date())
    assert report.median_1y is None
    assert not report.flagged


def test_expected_return_and_volatility() -> None:
    # 60/40 of two classes with mu 8% and 4%, sigma 20% and 5%, perfectly
    # anti-correlated in the history: E = 0.6*0.08 + 0.4*0.04 = 6.4%;
    # sigma = |0.6*0.20 - 0.4*0.05| = 10%.
    us = [0.01 if n % 2 == 0 else -0.01 for n in range(100)]
    prices = {"us_equity": _prices(us), "us_bonds": _prices([-r for r in us])}
    result = portfolio_expectation(
        {"us_equity": D("0.6"), "us_bonds": D("0.4")},
        {"us_equity": D("0.08"), "us_bonds": D("0.04")},
        {"us_equity": D("0.20"), "us_bonds": D("0.05")},
        prices,
        DAYS_LONG[100].date(),
    )
    assert result.expected_return == D("0.064")
    assert abs(result.volatility - D("0.10")) < D("0.000002")


def test_a_class_without_history_is_uncorrelated() -> None:
    # cash has no index: sigma = sqrt((0.5*0.2)^2 + (0.5*0.01)^2) = 0.100125
    us = [0.01 if n % 2 == 0 else -0.01 for n in range(100)]
    result = portfolio_expectation(
        {"us_equity": D("0.5"), "cash": D("0.5")},
        {"us_equity": D("0.08"), "cash": D("0.02")},
        {"us_equity": D("0.20"), "cash": D("0.01")},
        {"us_equity": _prices(us)},
        DAYS_LONG[100].date(),
    )
    assert result.volatility == D("0.100125")

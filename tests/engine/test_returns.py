"""Portfolio returns (advisory.engine.returns) on series whose answers are known by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisory.engine.returns import (
    DailyValue,
    ExternalFlow,
    NoRateOfReturn,
    Period,
    benchmark_growth,
    growth_index,
    modified_dietz_return,
    money_weighted_return,
    period_returns,
    period_windows,
    time_weighted_return,
)

D = Decimal


def test_twr_chain_links_days_with_the_flow_at_the_start_of_its_day() -> None:
    # 100 -> 110 (+10%); a 100 deposit at the start of day 2, which ends at 231: 231/210 = +10%
    values = [
        DailyValue(date(2026, 3, 2), D(100)),
        DailyValue(date(2026, 3, 3), D(110)),
        DailyValue(date(2026, 3, 4), D(231)),
    ]
    flows = [ExternalFlow(date(2026, 3, 4), D(100))]
    assert time_weighted_return(values, flows) == D("0.21")  # 1.1 * 1.1 - 1


# Two years: 100 doubles in the first; 800 arrives; the 1,000 then halves to 500.
START, MIDDLE, END = date(2021, 1, 1), date(2022, 1, 1), date(2023, 1, 1)
VALUES = [DailyValue(START, D(100)), DailyValue(MIDDLE, D(200)), DailyValue(END, D(500))]
FLOWS = [ExternalFlow(date(2022, 1, 2), D(800))]


def test_twr_and_mwr_differ_when_money_arrives_before_a_fall() -> None:
    # TWR: (200/100) * (500/1000) - 1 = 0: the manager's two years cancel out.
    assert time_weighted_return(VALUES, FLOWS) == D("0")
    # MWR: 100 x^2 + 800 x = 500 (the 800 is invested 365 of 730 days, x = 1 + r)
    # x = (-8 + sqrt(84)) / 2 = 0.5825757, r = -41.7424% a year: most money met the fall.
    assert money_weighted_return(START, D(100), END, D(500), FLOWS) == D("-0.417424")


def test_period_returns_annualise_a_two_year_window() -> None:
    [window] = [w for w in period_windows(END, START) if w.period == Period.INCEPTION]
    assert window.annualised
    [result] = period_returns(VALUES, FLOWS, [window])
    assert result.twr == D("0")
    assert result.mwr == D("-0.417424")
    assert result.net_flows == D(800)
    assert (result.start_value, result.end_value) == (D(100), D(500))


def test_modified_dietz_is_within_a_basis_point_of_the_daily_twr() -> None:
    # 1,000 grows 0.05% a day for 60 days; 1,000 more arrives at the start of day 30.
    # Daily TWR = 1.0005^60 - 1 = 3.0447%. Dietz weights the deposit 31/60:
    # (2046.0646 - 2000) / (1000 + 1000 * 31/60) = 3.0372%; they differ by 0.75 bp.
    start = date(2026, 1, 1)
    growth = D("1.0005")
    values, value = [DailyValue(start, D(1000))], D(1000)
    flows = [ExternalFlow(start + timedelta(days=30), D(1000))]
    for day in range(1, 61):
        value = (value + (D(1000) if day == 30 else 0)) * growth
        values.append(DailyValue(start + timedelta(days=day), value))
    twr = time_weighted_return(values, flows)
    dietz = modified_dietz_return(start, D(1000), values[-1].day, values[-1].value, flows)
    assert twr == D("0.030447")
    assert dietz == D("0.030372")
    assert abs(twr - dietz) < D("0.0001")  # tolerance: one basis point


def test_mwr_without_a_root_is_a_clear_error() -> None:
    with pytest.raises(NoRateOfReturn, match="no money was invested"):
        money_weighted_return(START, D(0), END, D(100), [])
    with pytest.raises(NoRateOfReturn, match="no rate of return"):
        money_weighted_return(START, D(100), END, D(0), [])  # all lost: r = -100%


def test_a_short_window_reports_the_mwr_unannualised() -> None:
    # 100 -> 110 over 30 days, no flows: TWR and MWR both +10% for the period.
    values = [DailyValue(date(2026, 4, 30), D(100)), DailyValue(date(2026, 5, 30), D(110))]
    windows = [
        w
        for w in period_windows(date(2026, 5, 30), date(2026, 4, 30))
        if w.period == Period.INCEPTION
    ]
    [result] = period_returns(values, [], windows)
    assert not result.window.annualised
    assert result.twr == D("0.1")
    assert result.mwr == D("0.1")


def test_period_windows() -> None:
    windows = {
        w.period: w
        for w in period_windows(date(2026, 5, 15), date(2024, 3, 10), since=date(2026, 1, 20))
    }
    assert set(windows) == {Period.SINCE, Period.QTD, Period.YTD, Period.ONE_YEAR, Period.INCEPTION}
    assert windows[Period.SINCE].start == date(2026, 1, 20)
    assert windows[Period.QTD].start == date(2026, 3, 31)
    assert windows[Period.YTD].start == date(2025, 12, 31)
    assert windows[Period.ONE_YEAR].start == date(2025, 5, 15)
    assert windows[Period.INCEPTION].start == date(2024, 3, 10)
    # annualised only over a year or more
    assert [p for p, w in windows.items() if w.annualised] == [Period.ONE_YEAR, Period.INCEPTION]


def test_qtd_and_ytd_are_clipped_to_a_recent_inception() -> None:
    windows = {w.period: w for w in period_windows(date(2026, 5, 15), date(2026, 4, 20))}
    assert windows[Period.QTD].start == date(2026, 4, 20)
    assert windows[Period.QTD].clipped
    assert Period.ONE_YEAR not in windows


def test_benchmark_blend_is_rebalanced_at_month_end() -> None:
    # 50% in an index 100 -> 110 (Feb) -> 121 (Mar), 50% cash (no index).
    # End of Feb: 0.55 + 0.50 = 1.05, rebalanced to 0.525 / 0.525;
    # end of Mar: 0.525 * 1.1 + 0.525 = 1.1025 (buy and hold would be 1.105).
    prices = {
        "us_equity": [
            (date(2026, 1, 30), D(100)),
            (date(2026, 2, 27), D(110)),
            (date(2026, 3, 31), D(121)),
        ]
    }
    growth = benchmark_growth(
        {"us_equity": D("0.5"), "cash": D("0.5")}, prices, date(2026, 1, 30), date(2026, 3, 31)
    )
    assert [g.value for g in growth] == [D(1), D("1.05"), D("1.1025")]


def test_growth_index_removes_flows() -> None:
    values = [
        DailyValue(date(2026, 3, 2), D(100)),
        DailyValue(date(2026, 3, 3), D(110)),
        DailyValue(date(2026, 3, 4), D(231)),
    ]
    index = growth_index(values, [ExternalFlow(date(2026, 3, 4), D(100))])
    assert [g.value for g in index] == [D(1), D("1.1"), D("1.21")]


@given(
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=2, max_size=30),
    st.integers(min_value=1, max_value=1000),
)
def test_twr_without_flows_is_end_over_start_and_ignores_scale(
    values: list[int], scale: int
) -> None:
    start = date(2026, 1, 1)
    series = [DailyValue(start + timedelta(days=n), D(v)) for n, v in enumerate(values)]
    scaled = [DailyValue(v.day, v.value * scale) for v in series]
    expected = (D(values[-1]) / D(values[0]) - 1).quantize(D("0.000001"))
    assert time_weighted_return(series, []) == expected
    assert time_weighted_return(scaled, []) == expected

"""Portfolio returns: time-weighted, Modified Dietz, money-weighted, periods, benchmark.

Conventions (docs/DOMAIN.md, Reviews):
* A ``DailyValue`` is the portfolio's market value in dollars at the **end** of
  its day (lots at that day's close plus cash).
* An ``ExternalFlow`` is money crossing the portfolio's boundary: deposits and
  contributions are positive, withdrawals and distributions negative. Trades,
  dividends and fees are not external flows (they happen inside). A flow is
  taken to arrive at the **start** of its day, so it earns that day's return.
* A period runs from the end of ``start`` (its value is the starting value) to
  the end of ``end``; flows dated ``start`` are already in the starting value.
* Returns are fractions (``0.05`` is 5%), Decimals rounded to 6 places.
  Periods of a year or more are annualised (compound, 365-day years);
  shorter ones are not (DOMAIN.md: "annualised only over a year or more").
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from scipy.optimize import brentq

from advisory.engine.money import ONE, ZERO

RETURN_PLACES = Decimal("0.000001")
DAYS_PER_YEAR = 365


class NoRateOfReturn(ValueError):
    """No money-weighted rate balances the flows and values (or it is not unique enough)."""


@dataclass(frozen=True)
class DailyValue:
    day: date
    value: Decimal  # dollars, end of day, >= 0


@dataclass(frozen=True)
class ExternalFlow:
    day: date
    amount: Decimal  # dollars: + into the portfolio (deposit), - out (withdrawal)


class Period(StrEnum):
    SINCE = "since"  # since a given date (e.g. the last review)
    QTD = "qtd"
    YTD = "ytd"
    ONE_YEAR = "1y"
    THREE_YEARS = "3y"
    INCEPTION = "inception"


PERIOD_LABELS: Mapping[Period, str] = {
    Period.SINCE: "Since last review",
    Period.QTD: "Quarter to date",
    Period.YTD: "Year to date",
    Period.ONE_YEAR: "1 year",
    Period.THREE_YEARS: "3 years",
    Period.INCEPTION: "Since inception",
}


@dataclass(frozen=True)
class PeriodWindow:
    period: Period
    start: date  # the starting value is the end of this day
    end: date
    annualised: bool  # a year or more: returns are per year
    clipped: bool = False  # the natural start was before inception; starts at inception

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def label(self) -> str:
        return PERIOD_LABELS[self.period]


@dataclass(frozen=True)
class PeriodReturn:
    window: PeriodWindow
    twr: Decimal | None  # time-weighted; None when the period has no values
    mwr: Decimal | None  # money-weighted; None when no rate balances the flows
    benchmark: Decimal | None  # the IPS blend over the same window, None without prices
    start_value: Decimal
    end_value: Decimal
    net_flows: Decimal  # dollars in (+) less out (-) during the period


def _round(rate: float | Decimal) -> Decimal:
    return Decimal(str(rate)).quantize(RETURN_PLACES)


def _years_between(start: date, end: date) -> bool:
    """True when ``end`` is at least one calendar year after ``start``."""
    try:
        year_later = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        year_later = date(start.year + 1, 3, 1)
    return end >= year_later


def annualise(cumulative: float, days: int) -> float:
    """A cumulative return over ``days`` as a compound rate per 365-day year."""
    if days <= 0:
        raise ValueError("annualising needs a period of at least one day")
    return float((1 + cumulative) ** (DAYS_PER_YEAR / days) - 1)


def _flows_between(flows: Sequence[ExternalFlow], after: date, through: date) -> Decimal:
    """Net flows dated in (after, through]: a flow on a day without a value (a
    weekend deposit) arrives at the start of the next valued day."""
    return sum((flow.amount for flow in flows if after < flow.day <= through), ZERO)


def time_weighted_return(values: Sequence[DailyValue], flows: Sequence[ExternalFlow]) -> Decimal:
    """Cumulative time-weighted return over the values' span (not annualised).

    Daily sub-period returns are chain-linked: ``r_i = V_i / (V_{i-1} + F_i) - 1``
    with ``F_i`` the net external flow of day i, arriving at its start. Flows on
    the first day are in the starting value; flows outside the span are ignored.
    A day that starts with nothing and ends with nothing contributes 0; a day
    that starts with nothing (or less) and ends with something is an error
    (the record is missing a deposit).
    """
    if len(values) < 2:
        return ZERO
    growth = ONE
    for before, today in itertools.pairwise(values):
        if today.day <= before.day:
            raise ValueError(f"daily values must be in date order: {before.day}, {today.day}")
        invested = before.value + _flows_between(flows, before.day, today.day)
        if invested <= 0:
            if today.value == 0:
                continue
            raise ValueError(
                f"{today.day}: the portfolio ends the day with {today.value} "
                f"but started it with {invested}; a deposit is missing"
            )
        growth *= today.value / invested
    return _round(growth - 1)


def modified_dietz_return(
    start: date, start_value: Decimal, end: date, end_value: Decimal, flows: Sequence[ExternalFlow]
) -> Decimal:
    """Modified Dietz return for a period without daily values (not annualised).

    ``(V1 - V0 - sum F) / (V0 + sum w_i F_i)``, each flow weighted by the share
    of the period it was invested: a flow at the start of day d (start < d <= end)
    has ``w = (end - d + 1) / (end - start)``. Flows outside (start, end] are ignored.
    """
    days = (end - start).days
    if days <= 0:
        raise ValueError(f"the period must end after it starts: {start} to {end}")
    inside = [flow for flow in flows if start < flow.day <= end]
    net = sum((flow.amount for flow in inside), ZERO)
    weighted = sum(
        (flow.amount * Decimal((end - flow.day).days + 1) / Decimal(days) for flow in inside), ZERO
    )
    base = start_value + weighted
    if base <= 0:
        raise ValueError("the average invested capital is not positive; no Dietz return")
    return _round((end_value - start_value - net) / base)


def _npv(
    rate: float,
    start_value: float,
    terms: Sequence[tuple[float, float]],
    end_value: float,
    years: float,
) -> float:
    """Future value at the end of the period, less the end value (zero at the IRR)."""
    total = start_value * (1 + rate) ** years - end_value
    for amount, t in terms:
        total += amount * (1 + rate) ** t
    return float(total)


def money_weighted_return(
    start: date, start_value: Decimal, end: date, end_value: Decimal, flows: Sequence[ExternalFlow]
) -> Decimal:
    """Annualised money-weighted return (XIRR) of the start value, flows and end value.

    Solves ``V0 (1+r)^(T/365) + sum F_i (1+r)^(t_i/365) = V1`` for ``r > -1``, where
    ``T`` is the period's days and ``t_i = end - d_i + 1`` the days flow i was
    invested (arriving at the start of day d_i, as for the time-weighted return).
    Scans a grid of rates from -99.99% to +10^6% for a sign change and refines it
    with Brent's method; when several rates balance, the one nearest 0 is
    returned. ``NoRateOfReturn`` when none does (e.g. nothing invested and a
    positive end value).
    """
    days = (end - start).days
    if days <= 0:
        raise ValueError(f"the period must end after it starts: {start} to {end}")
    inside = [flow for flow in flows if start < flow.day <= end]
    terms = [(float(f.amount), ((end - f.day).days + 1) / DAYS_PER_YEAR) for f in inside]
    years = days / DAYS_PER_YEAR
    v0, v1 = float(start_value), float(end_value)
    if v0 == 0 and not terms:
        raise NoRateOfReturn("no money was invested in the period")

    def npv(rate: float) -> float:
        return _npv(rate, v0, terms, v1, years)

    grid = [math.expm1(x / 8) for x in range(-74, 111)]  # -0.9999... to ~9.6e5
    roots: list[float] = []
    for low, high in itertools.pairwise(grid):
        f_low, f_high = npv(low), npv(high)
        if f_low == 0:
            roots.append(low)
        elif f_low * f_high < 0:
            roots.append(float(brentq(npv, low, high, xtol=1e-12, maxiter=200)))
    if not roots:
        raise NoRateOfReturn(
            "no rate of return between -99.99% and +1,000,000% a year balances the start "
            "value, the flows and the end value"
        )
    return _round(min(roots, key=abs))


def period_return_rate(annual_rate: Decimal, window: PeriodWindow) -> Decimal:
    """An annual rate as the window reports it: per year if annualised, else cumulative."""
    if window.annualised:
        return annual_rate
    return _round((1 + float(annual_rate)) ** (window.days / DAYS_PER_YEAR) - 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 2, 28)


def quarter_start(as_of: date) -> date:
    """The last day of the previous quarter (the QTD window starts at its close)."""
    first_month = 3 * ((as_of.month - 1) // 3) + 1
    return date(as_of.year, first_month, 1) - timedelta(days=1)


def period_windows(
    as_of: date, inception: date, since: date | None = None
) -> tuple[PeriodWindow, ...]:
    """The review periods ending ``as_of``: since a date, QTD, YTD, 1 and 3 years, inception.

    ``inception`` is the first day with a value. QTD and YTD start at the close
    of the prior quarter's/year's last day, clipped to inception (``clipped``);
    1 and 3 years are left out when the history is shorter; ``since`` (e.g. the
    last review) is left out when it is not before ``as_of``. Windows of a year
    or more are annualised.
    """
    if inception > as_of:
        return ()
    natural: list[tuple[Period, date]] = []
    if since is not None and since < as_of:
        natural.append((Period.SINCE, since))
    natural += [
        (Period.QTD, quarter_start(as_of)),
        (Period.YTD, date(as_of.year - 1, 12, 31)),
        (Period.ONE_YEAR, _years_before(as_of, 1)),
        (Period.THREE_YEARS, _years_before(as_of, 3)),
    ]
    windows: list[PeriodWindow] = []
    for period, start in natural:
        clipped = start < inception
        if clipped and period in (Period.ONE_YEAR, Period.THREE_YEARS):
            continue
        begin = max(start, inception)
        if begin >= as_of:
            continue
        windows.append(PeriodWindow(period, begin, as_of, _years_between(begin, as_of), clipped))
    if inception < as_of:
        windows.append(
            PeriodWindow(Period.INCEPTION, inception, as_of, _years_between(inception, as_of))
        )
    return tuple(windows)


def _value_on(values: Sequence[DailyValue], day: date) -> Decimal:
    """The latest value on or before ``day`` (0 before the first)."""
    index = bisect_right([v.day for v in values], day)
    return values[index - 1].value if index else ZERO


def _window_values(values: Sequence[DailyValue], window: PeriodWindow) -> list[DailyValue]:
    inside = [v for v in values if window.start < v.day <= window.end]
    return [DailyValue(window.start, _value_on(values, window.start)), *inside]


def period_returns(
    values: Sequence[DailyValue],
    flows: Sequence[ExternalFlow],
    windows: Sequence[PeriodWindow],
    benchmark: Sequence[DailyValue] = (),
) -> tuple[PeriodReturn, ...]:
    """TWR, MWR and the benchmark for each window, each as the window reports it.

    ``values`` in date order (daily where known); ``benchmark`` a growth series
    (``benchmark_growth``). MWR is None when no rate balances (``NoRateOfReturn``).
    """
    results = []
    for window in windows:
        series = _window_values(values, window)
        twr = time_weighted_return(series, flows)
        start_value, end_value = series[0].value, series[-1].value
        try:
            annual_mwr: Decimal | None = money_weighted_return(
                window.start, start_value, window.end, end_value, flows
            )
        except NoRateOfReturn:
            annual_mwr = None
        inside = [f.amount for f in flows if window.start < f.day <= window.end]
        results.append(
            PeriodReturn(
                window=window,
                twr=_as_reported(twr, window),
                mwr=None if annual_mwr is None else period_return_rate(annual_mwr, window),
                benchmark=_benchmark_over(benchmark, window),
                start_value=start_value,
                end_value=end_value,
                net_flows=sum(inside, ZERO),
            )
        )
    return tuple(results)


def _as_reported(cumulative: Decimal, window: PeriodWindow) -> Decimal:
    if not window.annualised:
        return cumulative
    return _round(annualise(float(cumulative), window.days))


def _benchmark_over(benchmark: Sequence[DailyValue], window: PeriodWindow) -> Decimal | None:
    if not benchmark or benchmark[0].day > window.start:
        return None
    start, end = _value_on(benchmark, window.start), _value_on(benchmark, window.end)
    if start <= 0:
        return None
    return _as_reported(_round(end / start - 1), window)


def benchmark_growth(
    targets: Mapping[str, Decimal],
    index_prices: Mapping[str, Sequence[tuple[date, Decimal]]],
    start: date,
    end: date,
) -> tuple[DailyValue, ...]:
    """Growth of $1 in the IPS blend, rebalanced to the targets at each month's end.

    ``targets``: class code -> weight (sums to 1). ``index_prices``: class code ->
    (day, close) in date order, the class's index (its primary security). A
    class without an index (cash), or before its index's first close, is held
    as dollars at 0% return. Days are the union of the indices' trading days in
    (start, end]; a missing close carries the last one forward. Rebalancing
    happens at the close of the last trading day of each calendar month.
    Empty when no index has a close on or before ``start``.
    """
    indices = {code: _Closes(prices) for code, prices in index_prices.items() if prices}
    if not any(indices[code].on(start) for code in targets if code in indices):
        return ()
    days = sorted({d for closes in indices.values() for d in closes.days if start < d <= end})
    holdings = _rebalanced(targets, ONE, indices, start)
    growth = [DailyValue(start, ONE)]
    for number, day in enumerate(days):
        value = _blend_value(holdings, indices, day)
        growth.append(DailyValue(day, value))
        last_of_month = number + 1 == len(days) or days[number + 1].month != day.month
        if last_of_month:
            holdings = _rebalanced(targets, value, indices, day)
    return tuple(growth)


class _Closes:
    """One index's closes, looked up as of a day (the last close on or before it)."""

    def __init__(self, prices: Sequence[tuple[date, Decimal]]) -> None:
        self.days = [d for d, _ in prices]
        self.closes = [c for _, c in prices]

    def on(self, day: date) -> Decimal | None:
        index = bisect_right(self.days, day)
        close = self.closes[index - 1] if index else None
        return close if close else None


# A holding: units of the class's index, or dollars when ``priced`` is False.
_Holding = tuple[Decimal, bool]


def _rebalanced(
    targets: Mapping[str, Decimal], value: Decimal, indices: Mapping[str, _Closes], day: date
) -> dict[str, _Holding]:
    holdings: dict[str, _Holding] = {}
    for code, weight in targets.items():
        close = indices[code].on(day) if code in indices else None
        holdings[code] = (weight * value / close, True) if close else (weight * value, False)
    return holdings


def _blend_value(
    holdings: Mapping[str, _Holding], indices: Mapping[str, _Closes], day: date
) -> Decimal:
    total = ZERO
    for code, (units, priced) in holdings.items():
        total += units * (indices[code].on(day) or ZERO) if priced else units
    return total


def growth_index(
    values: Sequence[DailyValue], flows: Sequence[ExternalFlow]
) -> tuple[DailyValue, ...]:
    """Growth of $1 invested at the first value, flows removed (the chart of the TWR).

    Each day's index is the previous times ``V_i / (V_{i-1} + F_i)``, as in
    ``time_weighted_return``; days that start and end empty keep the index.
    """
    if not values:
        return ()
    index = ONE
    series = [DailyValue(values[0].day, ONE)]
    for before, today in itertools.pairwise(values):
        invested = before.value + _flows_between(flows, before.day, today.day)
        if invested > 0:
            index *= today.value / invested
        series.append(DailyValue(today.day, index))
    return tuple(series)

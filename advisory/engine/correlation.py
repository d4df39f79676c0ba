"""Correlation monitor, and a portfolio's expected return and volatility.

Correlation monitor (docs/DOMAIN.md, Reviews): for each class, the rolling
correlation over 90 trading days of its daily log returns with US equity's.
A class is *above* on a day when that correlation exceeds its own trailing
one-year median (the median of the last 252 daily correlations, that day
included) by more than 0.20; it is *flagged* on a day when it has been above
for 30 consecutive trading days ending that day. ``flagged_since`` is the
day the current run of flagged days began (the 30th day above). Trading days
are US equity's index dates; another index's missing close carries the last
one forward. Without a full year of correlations the median is unknown and
nothing is flagged.

Expected return and volatility: ``E = sum w_k mu_k`` from the CMAs;
``sigma_p = sqrt(w' S w)`` with ``S = D R D``, ``D`` the CMAs' volatilities and
``R`` the correlation of the classes' daily log returns over the history given
(a class without an index, cash, is uncorrelated with the rest).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

REFERENCE_CLASS = "us_equity"
WINDOW = 90
MEDIAN_WINDOW = 252
RISE_THRESHOLD = 0.20
PERSISTENCE = 30
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class CorrelationReport:
    """One class's correlation with US equity as of the last trading day."""

    code: str
    correlation: Decimal | None  # latest 90-day correlation, 4 places
    median_1y: Decimal | None  # its trailing one-year median
    flagged: bool
    flagged_since: date | None
    series: tuple[tuple[date, Decimal], ...]  # the rolling correlation, for a chart


@dataclass(frozen=True)
class PortfolioExpectation:
    expected_return: Decimal  # annual, fraction
    volatility: Decimal  # annual, fraction


def _closes(
    index_prices: Mapping[str, Sequence[tuple[date, Decimal]]], as_of: date
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            code: pd.Series({pd.Timestamp(d): float(c) for d, c in prices if d <= as_of and c > 0})
            for code, prices in index_prices.items()
        }
    )
    return frame.sort_index()


def log_returns(
    index_prices: Mapping[str, Sequence[tuple[date, Decimal]]], as_of: date
) -> pd.DataFrame:
    """Daily log returns per class on US equity's trading days (or all days without it)."""
    closes = _closes(index_prices, as_of)
    if closes.empty:
        return closes
    if REFERENCE_CLASS in closes:
        closes = closes.ffill()[closes[REFERENCE_CLASS].notna()]
    returns = pd.DataFrame(np.log(closes), index=closes.index, columns=closes.columns).diff()
    return returns.iloc[1:]


def persistent_rise(
    correlation: pd.Series,
    median: pd.Series,
    threshold: float = RISE_THRESHOLD,
    days: int = PERSISTENCE,
) -> tuple[bool, date | None]:
    """Whether the last day is flagged, and the day the current flag began.

    Above: ``correlation - median > threshold`` (unknown medians are not above).
    Flagged: above on each of the last ``days`` days; the flag began on the
    ``days``-th day of the current run above.
    """
    above = ((correlation - median) > threshold).fillna(False).to_numpy(dtype=bool)
    run = 0
    for is_above in above[::-1]:
        if not is_above:
            break
        run += 1
    if run < days:
        return False, None
    start = len(above) - run + days - 1
    return True, correlation.index[start].date()


def correlation_monitor(
    index_prices: Mapping[str, Sequence[tuple[date, Decimal]]], as_of: date
) -> tuple[CorrelationReport, ...]:
    """Each class's rolling correlation with US equity (see the module notes).

    ``index_prices``: class code -> (day, close) of its index; closes after
    ``as_of`` are ignored. Empty without a US equity index.
    """
    returns = log_returns(index_prices, as_of)
    if REFERENCE_CLASS not in returns or len(returns) < WINDOW:
        return ()
    reference = returns[REFERENCE_CLASS]
    reports = []
    for code in returns.columns:
        if code == REFERENCE_CLASS:
            continue
        correlation = returns[code].rolling(WINDOW).corr(reference).dropna()
        correlation = correlation[np.isfinite(correlation)]
        if correlation.empty:
            continue
        median = correlation.rolling(MEDIAN_WINDOW).median()
        flagged, since = persistent_rise(correlation, median)
        last_median = median.iloc[-1]
        reports.append(
            CorrelationReport(
                code=code,
                correlation=_decimal(correlation.iloc[-1]),
                median_1y=None if math.isnan(last_median) else _decimal(last_median),
                flagged=flagged,
                flagged_since=since,
                series=tuple((d.date(), _decimal(v)) for d, v in correlation.items()),
            )
        )
    return tuple(reports)


def _decimal(value: float) -> Decimal:
    return Decimal(str(float(value))).quantize(PLACES)


def portfolio_expectation(
    weights: Mapping[str, Decimal],
    expected_returns: Mapping[str, Decimal],
    volatilities: Mapping[str, Decimal],
    index_prices: Mapping[str, Sequence[tuple[date, Decimal]]],
    as_of: date,
) -> PortfolioExpectation:
    """Expected annual return and volatility of ``weights`` (see the module notes).

    ``weights``, ``expected_returns`` and ``volatilities`` by class code, fractions.
    A class missing from the CMAs is a ``ValueError`` naming it.
    """
    codes = [code for code, weight in weights.items() if weight != 0]
    missing = [c for c in codes if c not in expected_returns or c not in volatilities]
    if missing:
        raise ValueError(f"no capital market assumptions for {', '.join(missing)}")
    w = np.array([float(weights[c]) for c in codes])
    mu = np.array([float(expected_returns[c]) for c in codes])
    sigma = np.array([float(volatilities[c]) for c in codes])
    returns = log_returns({c: p for c, p in index_prices.items() if c in codes}, as_of)
    corr = np.eye(len(codes))
    if len(returns) > 2:
        history = returns.corr().reindex(index=codes, columns=codes)
        corr = np.where(np.isnan(history.to_numpy()), corr, history.to_numpy())
        np.fill_diagonal(corr, 1.0)
    covariance = np.outer(sigma, sigma) * corr
    variance = max(0.0, float(w @ covariance @ w))
    return PortfolioExpectation(
        expected_return=Decimal(str(float(w @ mu))).quantize(Decimal("0.000001")),
        volatility=Decimal(str(math.sqrt(variance))).quantize(Decimal("0.000001")),
    )

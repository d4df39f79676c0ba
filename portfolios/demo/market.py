"""A simulated market for the demo: the securities and their daily closes.

Each asset class follows a geometric Brownian motion with the class's
volatility and its price drift ``mu - y`` (income is paid out, so it is not in
the price); the classes' daily shocks are correlated through the Cholesky
factor of the default correlation matrix. A security follows its class plus
the noise of its substitute group (funds tracking one index move together)
and a whisker of its own. Paths are anchored so that the close on the as-of
date is the security's listed price, which keeps today's prices plausible
whatever the draw. Steps are weekdays (exchange holidays are ignored).
Deterministic: the same seed, as-of date and length give the same closes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from portfolios.defaults import DEFAULT_ASSET_CLASSES, AssetClassDefault, correlation_matrix

# Chosen among the first few hundred seeds so the six years look like a market an advisor
# recognises: a bull run with a drawdown, a recent equity dip, bonds off their highs and a
# crypto round trip, which leaves lots at gains and at losses to harvest.
MARKET_SEED = 72
TRADING_DAYS_PER_YEAR = 252
OWN_NOISE = 0.002  # annual volatility of a fund's own noise around its index


@dataclass(frozen=True)
class DemoSecurity:
    """A security of the demo universe; ``price`` is its close on the as-of date."""

    symbol: str
    name: str
    asset_class: str
    substitute_group: str
    price: Decimal
    tracking_error: float  # annual volatility of the group's index around the class


def _security(
    symbol: str, name: str, asset_class: str, group: str, price: str, tracking: float
) -> DemoSecurity:
    return DemoSecurity(symbol, name, asset_class, group, Decimal(price), tracking)


# The first security of each class is its primary (the default buy). Substitute
# groups are the index tracked: VOO and IVV (both S&P 500) are substantially
# identical; VTI (CRSP US Total Market) and SCHB (Dow Jones US Broad) are not.
DEMO_SECURITIES: tuple[DemoSecurity, ...] = (
    _security("VTI", "Vanguard Total Stock Market ETF",
              "us_equity", "crsp_us_total", "330.00", 0.010),
    _security("VOO", "Vanguard S&P 500 ETF",
              "us_equity", "sp500", "610.00", 0.012),
    _security("IVV", "iShares Core S&P 500 ETF",
              "us_equity", "sp500", "665.00", 0.012),
    _security("SCHB", "Schwab U.S. Broad Market ETF",
              "us_equity", "dj_us_broad", "25.50", 0.010),
    _security("VXUS", "Vanguard Total International Stock ETF",
              "intl_equity", "ftse_global_ex_us", "72.00", 0.015),
    _security("IXUS", "iShares Core MSCI Total International Stock ETF",
              "intl_equity", "msci_acwi_imi_ex_us", "82.00", 0.015),
    _security("VEA", "Vanguard FTSE Developed Markets ETF",
              "intl_equity", "ftse_developed_ex_us", "60.00", 0.030),
    _security("BND", "Vanguard Total Bond Market ETF",
              "us_bonds", "us_aggregate", "74.00", 0.004),
    _security("AGG", "iShares Core U.S. Aggregate Bond ETF",
              "us_bonds", "us_aggregate", "100.00", 0.004),
    _security("IUSB", "iShares Core Total USD Bond Market ETF",
              "us_bonds", "us_universal", "46.50", 0.008),
    _security("MUB", "iShares National Muni Bond ETF",
              "muni_bonds", "sp_national_muni", "107.00", 0.004),
    _security("VTEB", "Vanguard Tax-Exempt Bond ETF",
              "muni_bonds", "sp_national_muni", "50.50", 0.004),
    _security("TFI", "SPDR Nuveen Bloomberg Municipal Bond ETF",
              "muni_bonds", "bbg_muni", "46.00", 0.008),
    _security("VNQ", "Vanguard Real Estate ETF",
              "real_estate", "msci_us_imi_re", "90.00", 0.015),
    _security("SCHH", "Schwab U.S. REIT ETF",
              "real_estate", "dj_equity_reit", "21.50", 0.020),
    _security("USRT", "iShares Core U.S. REIT ETF",
              "real_estate", "ftse_nareit", "57.00", 0.020),
    _security("PDBC", "Invesco Optimum Yield Diversified Commodity ETF",
              "commodities", "dbiq_optimum_yield", "13.50", 0.010),
    _security("DBC", "Invesco DB Commodity Index Tracking Fund",
              "commodities", "dbiq_optimum_yield", "22.50", 0.010),
    _security("GSG", "iShares S&P GSCI Commodity-Indexed Trust",
              "commodities", "sp_gsci", "22.00", 0.060),
    _security("SGOV", "iShares 0-3 Month Treasury Bond ETF",
              "cash", "tbill_0_3m", "100.50", 0.001),
    _security("BIL", "SPDR Bloomberg 1-3 Month T-Bill ETF",
              "cash", "tbill_1_3m", "91.60", 0.001),
    _security("BLCX", "Bluechip Large-Cap Crypto Index Fund (fictional)",
              "crypto_large", "crypto_large_bluechip", "42.80", 0.050),
    _security("CLCI", "Coinbridge Large-Cap Crypto Index ETF (fictional)",
              "crypto_large", "crypto_large_coinbridge", "18.35", 0.050),
    _security("BCRB", "Broadline Balanced Crypto Index Fund (fictional)",
              "crypto_balanced", "crypto_balanced_broadline", "27.60", 0.070),
    _security("DABX", "Digital Asset Balanced Index ETF (fictional)",
              "crypto_balanced", "crypto_balanced_dax", "12.90", 0.070),
    _security("CGRW", "Crypto Growth Leaders Index Fund (fictional)",
              "crypto_growth", "crypto_growth_leaders", "15.40", 0.100),
    _security("NXDG", "NextGen Digital Asset Growth ETF (fictional)",
              "crypto_growth", "crypto_growth_nextgen", "9.75", 0.100),
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class MarketHistory:
    """Daily closes (floats rounded to cents) of every demo security, aligned with ``dates``."""

    dates: tuple[date, ...]
    closes: Mapping[str, np.ndarray]

    def close(self, symbol: str, index: int) -> Decimal:
        """The close of ``symbol`` on ``dates[index]``, in dollars."""
        return Decimal(f"{self.closes[symbol][index]:.2f}")

    def last_close(self, symbol: str) -> Decimal:
        return self.close(symbol, len(self.dates) - 1)

    def index_on_or_before(self, day: date) -> int:
        """Index of the last business day on or before ``day`` (0 if before the history)."""
        return max(0, bisect_right(self.dates, day) - 1)


def business_days(as_of: date, years: int) -> tuple[date, ...]:
    """Weekdays from ``years`` calendar years before ``as_of`` up to ``as_of``, inclusive."""
    try:
        start = as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        start = date(as_of.year - years, 2, 28)
    days = []
    day = start
    while day <= as_of:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def simulate_class_log_returns(
    classes: Sequence[AssetClassDefault], steps: int, rng: np.random.Generator
) -> np.ndarray:
    """Daily log price returns, shape ``(steps, len(classes))``.

    Each column is GBM with drift ``mu - y`` (price only) and volatility
    ``sigma``: ``(m - sigma^2/2) dt + sigma sqrt(dt) z`` with ``dt = 1/252``,
    where the ``z`` rows are normal with the default correlation matrix.
    """
    dt = 1.0 / TRADING_DAYS_PER_YEAR
    sigma = np.array([float(c.volatility) for c in classes])
    drift = np.array([float(c.expected_return - c.income_yield) for c in classes])
    cholesky = np.linalg.cholesky(np.array(correlation_matrix([c.code for c in classes])))
    shocks = rng.standard_normal((steps, len(classes))) @ cholesky.T
    return (drift - 0.5 * sigma**2) * dt + sigma * np.sqrt(dt) * shocks


def simulate_market(
    as_of: date,
    years: int,
    *,
    seed: int = MARKET_SEED,
    securities: Sequence[DemoSecurity] = DEMO_SECURITIES,
    classes: Sequence[AssetClassDefault] = DEFAULT_ASSET_CLASSES,
) -> MarketHistory:
    """Closes of ``securities`` on every weekday of the ``years`` up to ``as_of``."""
    dates = business_days(as_of, years)
    steps = len(dates) - 1
    rng = np.random.default_rng(seed)
    class_returns = simulate_class_log_returns(classes, steps, rng)
    column = {c.code: i for i, c in enumerate(classes)}
    groups = list(dict.fromkeys(s.substitute_group for s in securities))
    group_shocks = rng.standard_normal((steps, len(groups)))
    own_shocks = rng.standard_normal((steps, len(securities)))
    group_tracking: dict[str, float] = {}
    for security in securities:
        group_tracking.setdefault(security.substitute_group, security.tracking_error)
    dt = 1.0 / TRADING_DAYS_PER_YEAR
    closes = {}
    for i, security in enumerate(securities):
        tracking = group_tracking[security.substitute_group]
        log_returns = (
            class_returns[:, column[security.asset_class]]
            + tracking * np.sqrt(dt) * group_shocks[:, groups.index(security.substitute_group)]
            + OWN_NOISE * np.sqrt(dt) * own_shocks[:, i]
            - 0.5 * (tracking**2 + OWN_NOISE**2) * dt
        )
        level = np.concatenate(([0.0], np.cumsum(log_returns)))
        closes[security.symbol] = np.round(float(security.price) * np.exp(level - level[-1]), 2)
    return MarketHistory(dates=dates, closes=closes)

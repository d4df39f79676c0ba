"""The default asset classes a new firm starts with, and how they move together.

Capital-market assumptions are long-run, nominal, annual fractions in the
spirit of published 10-year outlooks (Vanguard, J.P. Morgan LTCMA, Research
Affiliates): ``mu`` total return, ``sigma`` volatility, ``y`` the part of
``mu`` paid out as income, ``q`` the qualified share of that income, ``rho``
the share of the yearly price gain an index fund realises (taxed long-term).
A firm edits its own copies; these are only the starting point.

The correlations feed the demo's price simulation and are rounded
long-run estimates: US and international equity move together (about 0.8),
core bonds barely with equity (about 0.1), crypto is moderately tied to
equity (0.3-0.4) and strongly to itself (0.8-0.9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from portfolios.models import AssetClass

if TYPE_CHECKING:
    from advisory.models import Firm


@dataclass(frozen=True)
class AssetClassDefault:
    """One default asset class with its capital-market assumptions (annual fractions)."""

    code: str
    name: str
    expected_return: Decimal  # mu
    volatility: Decimal  # sigma
    income_yield: Decimal  # y
    qualified_ratio: Decimal  # q
    turnover: Decimal  # rho
    tax_exempt: bool = False
    duration: Decimal = Decimal(0)  # years; bonds only (the stress test's rate shock)


def _default(
    code: str, name: str, mu: str, sigma: str, y: str, q: str, rho: str
) -> AssetClassDefault:
    return AssetClassDefault(
        code, name, Decimal(mu), Decimal(sigma), Decimal(y), Decimal(q), Decimal(rho)
    )


DEFAULT_ASSET_CLASSES: tuple[AssetClassDefault, ...] = (
    # Broad-market index ETFs: low yield, almost all qualified, ETFs rarely distribute gains.
    _default("us_equity", "US equity", "0.070", "0.160", "0.014", "0.95", "0.02"),
    _default("intl_equity", "International equity", "0.075", "0.170", "0.030", "0.70", "0.03"),
    # Interest is ordinary income; the price return (mu - y) is small.
    # Duration: an aggregate US bond index is about 6 years, a municipal index about 5.
    AssetClassDefault(
        "us_bonds",
        "US bonds",
        Decimal("0.045"),
        Decimal("0.055"),
        Decimal("0.040"),
        Decimal("0.00"),
        Decimal("0.00"),
        duration=Decimal(6),
    ),
    AssetClassDefault(
        "muni_bonds",
        "Municipal bonds",
        Decimal("0.035"),
        Decimal("0.045"),
        Decimal("0.032"),
        Decimal("0.00"),
        Decimal("0.00"),
        tax_exempt=True,
        duration=Decimal(5),
    ),
    # REIT dividends are mostly non-qualified (section 199A aside).
    _default("real_estate", "Real estate (REITs)", "0.065", "0.190", "0.038", "0.10", "0.05"),
    # Futures funds: collateral interest is ordinary, roll gains are realised often.
    _default("commodities", "Commodities", "0.045", "0.170", "0.030", "0.00", "0.30"),
    _default("cash", "Cash", "0.035", "0.005", "0.035", "0.00", "0.00"),
    # Crypto index funds pay nothing; the growth index rebalances (turns over) most.
    _default("crypto_large", "Crypto large-cap index", "0.120", "0.600", "0.000", "0.00", "0.02"),
    _default("crypto_balanced", "Crypto balanced index", "0.140", "0.700", "0.000", "0.00", "0.05"),
    _default("crypto_growth", "Crypto growth index", "0.160", "0.850", "0.000", "0.00", "0.10"),
)

DEFAULT_CLASS_CODES: tuple[str, ...] = tuple(spec.code for spec in DEFAULT_ASSET_CLASSES)

# Pairwise correlations of annual returns; unlisted pairs of different classes are 0.
DEFAULT_CORRELATIONS: dict[frozenset[str], float] = {
    frozenset(pair): value
    for pair, value in {
        ("us_equity", "intl_equity"): 0.80,
        ("us_equity", "us_bonds"): 0.10,
        ("us_equity", "muni_bonds"): 0.10,
        ("us_equity", "real_estate"): 0.70,
        ("us_equity", "commodities"): 0.30,
        ("us_equity", "crypto_large"): 0.35,
        ("us_equity", "crypto_balanced"): 0.38,
        ("us_equity", "crypto_growth"): 0.40,
        ("intl_equity", "us_bonds"): 0.10,
        ("intl_equity", "muni_bonds"): 0.10,
        ("intl_equity", "real_estate"): 0.65,
        ("intl_equity", "commodities"): 0.40,
        ("intl_equity", "crypto_large"): 0.30,
        ("intl_equity", "crypto_balanced"): 0.32,
        ("intl_equity", "crypto_growth"): 0.35,
        ("us_bonds", "muni_bonds"): 0.70,
        ("us_bonds", "real_estate"): 0.30,
        ("us_bonds", "commodities"): -0.05,
        ("us_bonds", "cash"): 0.10,
        ("us_bonds", "crypto_large"): 0.05,
        ("us_bonds", "crypto_balanced"): 0.05,
        ("us_bonds", "crypto_growth"): 0.05,
        ("muni_bonds", "real_estate"): 0.25,
        ("muni_bonds", "commodities"): -0.05,
        ("muni_bonds", "cash"): 0.10,
        ("muni_bonds", "crypto_large"): 0.05,
        ("muni_bonds", "crypto_balanced"): 0.05,
        ("muni_bonds", "crypto_growth"): 0.05,
        ("real_estate", "commodities"): 0.25,
        ("real_estate", "crypto_large"): 0.25,
        ("real_estate", "crypto_balanced"): 0.27,
        ("real_estate", "crypto_growth"): 0.30,
        ("commodities", "crypto_large"): 0.15,
        ("commodities", "crypto_balanced"): 0.15,
        ("commodities", "crypto_growth"): 0.15,
        ("crypto_large", "crypto_balanced"): 0.90,
        ("crypto_large", "crypto_growth"): 0.80,
        ("crypto_balanced", "crypto_growth"): 0.90,
    }.items()
}


def default_correlation(first: str, second: str) -> float:
    """Correlation of two default classes' returns (1 for a class with itself)."""
    if first == second:
        return 1.0
    return DEFAULT_CORRELATIONS.get(frozenset((first, second)), 0.0)


def correlation_matrix(codes: Sequence[str] = DEFAULT_CLASS_CODES) -> list[list[float]]:
    """The correlation matrix of ``codes``, rows and columns in the order given."""
    return [[default_correlation(row, column) for column in codes] for row in codes]


def create_default_asset_classes(firm: Firm) -> list[AssetClass]:
    """The firm's default asset classes, created where missing, in display order.

    Idempotent: a class the firm already has (by code) is returned as it is,
    never overwritten, so a firm's own edits survive a second call.
    """
    classes = []
    for order, spec in enumerate(DEFAULT_ASSET_CLASSES):
        asset_class, _ = AssetClass.objects.get_or_create(
            firm=firm,
            code=spec.code,
            defaults={
                "name": spec.name,
                "expected_return": spec.expected_return,
                "volatility": spec.volatility,
                "income_yield": spec.income_yield,
                "qualified_ratio": spec.qualified_ratio,
                "turnover": spec.turnover,
                "tax_exempt": spec.tax_exempt,
                "duration": spec.duration,
                "sort_order": order,
            },
        )
        classes.append(asset_class)
    return classes

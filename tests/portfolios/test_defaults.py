"""The default asset classes, their correlations, and creating them for a firm."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from portfolios.defaults import (
    DEFAULT_ASSET_CLASSES,
    DEFAULT_CLASS_CODES,
    AssetClassDefault,
    correlation_matrix,
    create_default_asset_classes,
    default_correlation,
)
from portfolios.models import AssetClass
from tests.factories import AssetClassFactory, FirmFactory

EXPECTED_CODES = (
    "us_equity",
    "intl_equity",
    "us_bonds",
    "muni_bonds",
    "real_estate",
    "commodities",
    "cash",
    "crypto_large",
    "crypto_balanced",
    "crypto_growth",
)


def test_the_default_classes_are_the_ten_of_the_domain() -> None:
    assert DEFAULT_CLASS_CODES == EXPECTED_CODES
    assert [c.code for c in DEFAULT_ASSET_CLASSES if c.tax_exempt] == ["muni_bonds"]


@pytest.mark.parametrize("spec", DEFAULT_ASSET_CLASSES, ids=lambda spec: spec.code)
def test_assumptions_are_plausible_annual_fractions(spec: AssetClassDefault) -> None:
    assert Decimal("0.02") <= spec.expected_return <= Decimal("0.20")
    assert Decimal("0") < spec.volatility < Decimal("1")
    # The income is part of the total return, never more than it.
    assert Decimal("0") <= spec.income_yield <= spec.expected_return
    assert Decimal("0") <= spec.qualified_ratio <= 1
    assert Decimal("0") <= spec.turnover <= 1


def test_crypto_is_the_most_volatile_and_cash_the_least() -> None:
    sigma = {c.code: c.volatility for c in DEFAULT_ASSET_CLASSES}
    assert min(sigma, key=lambda code: sigma[code]) == "cash"
    assert sigma["crypto_large"] < sigma["crypto_balanced"] < sigma["crypto_growth"]
    assert sigma["crypto_large"] > 2 * sigma["us_equity"]


def test_the_correlation_matrix_is_a_valid_correlation_matrix() -> None:
    matrix = np.array(correlation_matrix())
    assert matrix.shape == (10, 10)
    assert np.allclose(np.diag(matrix), 1.0)
    assert np.allclose(matrix, matrix.T)
    assert np.all(np.abs(matrix) <= 1.0)
    # Positive definite: the simulation needs its Cholesky factor.
    assert np.linalg.eigvalsh(matrix).min() > 0
    np.linalg.cholesky(matrix)


@pytest.mark.parametrize(
    ("first", "second", "low", "high"),
    [
        ("us_equity", "intl_equity", 0.7, 0.9),
        ("us_equity", "us_bonds", -0.1, 0.2),
        ("us_equity", "crypto_large", 0.3, 0.4),
        ("crypto_large", "crypto_balanced", 0.8, 0.95),
        ("crypto_balanced", "crypto_growth", 0.8, 0.95),
        ("crypto_large", "crypto_growth", 0.8, 0.95),
    ],
)
def test_correlations_are_in_the_ranges_of_the_brief(
    first: str, second: str, low: float, high: float
) -> None:
    assert low <= default_correlation(first, second) <= high
    assert default_correlation(second, first) == default_correlation(first, second)


def test_a_matrix_follows_the_order_asked_for() -> None:
    assert correlation_matrix(["us_bonds", "us_equity"]) == [[1.0, 0.1], [0.1, 1.0]]


@pytest.mark.django_db
def test_creating_the_defaults_for_a_firm_is_idempotent() -> None:
    firm = FirmFactory()

    created = create_default_asset_classes(firm)
    again = create_default_asset_classes(firm)

    assert [c.code for c in created] == list(EXPECTED_CODES)
    assert [c.sort_order for c in created] == list(range(10))
    assert [c.pk for c in again] == [c.pk for c in created]
    assert AssetClass.objects.filter(firm=firm).count() == 10
    muni = AssetClass.objects.get(firm=firm, code="muni_bonds")
    assert muni.tax_exempt
    assert muni.expected_return == Decimal("0.035")


@pytest.mark.django_db
def test_a_firms_own_classes_are_kept_and_the_missing_ones_added() -> None:
    firm = FirmFactory()
    own = AssetClassFactory(firm=firm, code="us_equity", expected_return=Decimal("0.05"))
    create_default_asset_classes(firm)
    AssetClass.objects.filter(firm=firm, code="cash").update(name="Money market")

    classes = create_default_asset_classes(firm)

    assert len(classes) == 10
    assert classes[0].pk == own.pk
    assert AssetClass.objects.get(firm=firm, code="us_equity").expected_return == Decimal("0.05")
    assert AssetClass.objects.get(firm=firm, code="cash").name == "Money market"
    assert AssetClass.objects.filter(firm=firm).count() == 10


@pytest.mark.django_db
def test_firms_get_their_own_copies() -> None:
    first, second = FirmFactory(), FirmFactory()

    create_default_asset_classes(first)
    create_default_asset_classes(second)

    assert AssetClass.objects.count() == 20
    assert AssetClass.objects.filter(firm=second, code="cash").exists()


def test_the_default_classes_a_firm_and_the_demo_start_with_are_named_properly() -> None:
    names = {spec.code: spec.name for spec in DEFAULT_ASSET_CLASSES}
    assert names["us_equity"] == "US equity"
    assert names["intl_equity"] == "International equity"
    assert names["us_bonds"] == "US bonds"
    assert names["cash"] == "Cash"
    assert all(spec.name[0].isupper() and "_" not in spec.name for spec in DEFAULT_ASSET_CLASSES)


@pytest.mark.django_db
def test_a_factory_class_is_named_as_the_app_names_it() -> None:
    assert AssetClassFactory(code="us_equity").name == "US equity"
    assert AssetClassFactory(code="intl_equity").name == "International equity"
    assert AssetClassFactory(code="crypto").name == "Crypto"

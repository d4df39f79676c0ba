"""Numbers as the pages print them, and the geometry of the inline SVG charts."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest

from advisory.lib.charts import PALETTE, bar_segments, class_color, donut_arcs
from advisory.lib.format import (
    bp,
    fraction_bp,
    gain_class,
    money,
    money_compact,
    percent,
    plain_number,
    price,
    quantity,
    share_of,
    signed_money,
    signed_percent,
    treatment_label,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("0.005"), "$0.01"),  # half up, as a statement rounds
        (Decimal("-1234.5"), "-$1,234.50"),
        (Decimal("-0.001"), "$0.00"),  # no "-$0.00"
        (0, "$0.00"),
        ("12.3", "$12.30"),
        (None, "—"),
        ("not a number", "—"),
    ],
)
def test_money(value: object, expected: str) -> None:
    assert money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567.89"), "$1.23M"),
        (Decimal("456700"), "$456.7K"),
        (Decimal("999.4"), "$999"),
        (Decimal("2500000000"), "$2.50B"),
        (Decimal("-45600"), "-$45.6K"),
    ],
)
def test_money_compact(value: Decimal, expected: str) -> None:
    assert money_compact(value) == expected


@pytest.mark.parametrize(
    ("value", "expected", "css"),
    [
        (Decimal("10"), "+$10.00", "gain"),
        (Decimal("-0.5"), "-$0.50", "loss"),
        (Decimal("0.004"), "$0.00", "flat"),
    ],
)
def test_signed_money_and_its_class(value: Decimal, expected: str, css: str) -> None:
    assert signed_money(value) == expected
    assert gain_class(value) == css


def test_percents_and_basis_points() -> None:
    assert percent(Decimal("0.1234")) == "12.3%"
    assert percent(Decimal("0.1234"), 2) == "12.34%"
    assert percent(Decimal("-0.0004")) == "0.0%"  # no "-0.0%"
    assert percent(1) == "100.0%"
    assert signed_percent(Decimal("0.012")) == "+1.2%"
    assert signed_percent(Decimal("-0.008")) == "-0.8%"
    assert signed_percent(Decimal("0.0001")) == "0.0%"
    assert bp(Decimal("48.2")) == "48 bp"
    assert bp(Decimal("48.25"), 1) == "48.3 bp"
    assert fraction_bp(Decimal("0.0048")) == "48 bp"
    assert share_of(Decimal("25"), Decimal("100")) == Decimal("0.25")
    assert share_of(Decimal("25"), 0) is None


def test_quantities_and_prices() -> None:
    assert quantity(Decimal("1234.500000")) == "1,234.5"
    assert quantity(Decimal("100")) == "100"
    assert quantity(Decimal("0.1234564")) == "0.123456"
    assert price(Decimal("72")) == "$72.00"
    assert price(Decimal("0.123456")) == "$0.123456"
    assert price(Decimal("96.5056971"), 4) == "$96.5057"
    assert price(Decimal("1234.5")) == "$1,234.50"


def test_treatment_labels() -> None:
    assert treatment_label("TRADITIONAL") == "Tax-deferred"
    assert treatment_label("ROTH") == "Tax-free"


def test_each_class_code_has_one_colour_everywhere() -> None:
    assert class_color("us_equity") == class_color("us_equity")
    assert class_color("cash") != class_color("us_equity")
    assert class_color("muni_bonds") != class_color("us_bonds")
    defaults = [
        "us_equity", "intl_equity", "us_bonds", "muni_bonds", "real_estate",
        "commodities", "cash", "crypto_large", "crypto_balanced", "crypto_growth",
    ]  # fmt: skip
    assert len({class_color(code) for code in defaults}) == len(defaults)
    assert class_color("something_new") in PALETTE


@dataclass(frozen=True)
class Piece:
    code: str
    name: str
    value: Decimal
    weight: Decimal


def _endpoints(path: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d+|-?\d+", path)]
    return [(numbers[i], numbers[i + 1]) for i in (0, 7)]  # M x y ... A rx ry rot l s x y


def test_donut_arcs_start_at_twelve_and_run_clockwise() -> None:
    pieces = [
        Piece("us_equity", "US equity", Decimal("75"), Decimal("0.75")),
        Piece("us_bonds", "US bonds", Decimal("25"), Decimal("0.25")),
        Piece("cash", "Cash", Decimal("0"), Decimal("0")),  # nothing to draw
    ]
    arcs = donut_arcs(pieces, outer=48, inner=30)
    assert [a.code for a in arcs] == ["us_equity", "us_bonds"]
    # 75% ends at nine o'clock: from (50, 2) to (2, 50), the large arc (over half a turn).
    start, end = _endpoints(arcs[0].path)
    assert start == pytest.approx((50, 2))
    assert end == pytest.approx((2, 50))
    assert " 0 1 1 " in arcs[0].path
    # The last quarter runs from nine o'clock back to twelve, a small arc.
    start, end = _endpoints(arcs[1].path)
    assert start == pytest.approx((2, 50))
    assert end == pytest.approx((50, 2))
    assert " 0 0 1 " in arcs[1].path
    assert arcs[0].color == class_color("us_equity")


def test_a_single_class_draws_a_full_ring() -> None:
    (arc,) = donut_arcs([Piece("cash", "Cash", Decimal("10"), Decimal("1"))])
    # Two half arcs outside and two inside: an arc cannot start where it ends.
    assert arc.path.count("A ") == 4
    assert "nan" not in arc.path.lower()


def test_bar_segments_fill_the_length_in_order() -> None:
    pieces = [
        Piece("a", "A", Decimal("1"), Decimal("0.5")),
        Piece("b", "B", Decimal("1"), Decimal("0.3")),
        Piece("c", "C", Decimal("1"), Decimal("0.2")),
    ]
    segments = bar_segments(pieces, length=80)
    assert [(s.x, s.width) for s in segments] == [(0, 40), (40, 24), (64, 16)]
    assert math.isclose(sum(s.width for s in segments), 80)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("99.5000", "99.5"),
        ("100", "100"),
        ("1E+2", "100"),
        ("10.000000", "10"),
        ("0.000125", "0.000125"),
        ("-2.50", "-2.5"),
    ],
)
def test_plain_number_keeps_every_digit_that_matters(value: str, text: str) -> None:
    assert plain_number(Decimal(value)) == text

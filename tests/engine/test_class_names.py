"""Asset class codes as names: "US equity", never "Us Equity" (the fallback for codes)."""

from __future__ import annotations

import pytest

from advisory.engine.drift import class_label, class_name


@pytest.mark.parametrize(
    ("code", "name", "label"),
    [
        ("us_equity", "US equity", "US equity"),
        ("intl_equity", "International equity", "international equity"),
        ("us_bonds", "US bonds", "US bonds"),
        ("muni_bonds", "Municipal bonds", "municipal bonds"),
        ("real_estate", "Real estate", "real estate"),
        ("cash", "Cash", "cash"),
        ("crypto", "Crypto", "crypto"),
        ("crypto_growth", "Growth crypto", "growth crypto"),
        ("emerging_markets", "Emerging markets", "emerging markets"),
        ("class_7", "Class 7", "class 7"),
        ("", "", ""),
    ],
)
def test_a_code_reads_as_a_name_at_the_head_of_a_row_and_as_words_mid_sentence(
    code: str, name: str, label: str
) -> None:
    assert class_name(code) == name
    assert class_label(code) == label

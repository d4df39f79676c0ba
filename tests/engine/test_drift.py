"""Drift, bands and triggers (advisory.engine.drift): hand-checked tables and invariants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisory.engine.drift import (
    band_half_width,
    household_weights,
    ips_reserve_by_account,
    measure_drift,
    measure_drift_from_values,
)
from advisory.engine.types import (
    AccountInfo,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    SecurityInfo,
)

D = Decimal
AS_OF = date(2026, 6, 30)


# --- bands ---------------------------------------------------------------------

BAND_CASES = [
    # target, abs, rel, half-width: min(abs, rel * target) when both are set
    ("0.10", "0.05", "0.25", "0.025"),  # min(0.05, 0.025): band 7.5%-12.5%
    ("0.40", "0.05", "0.25", "0.05"),  # min(0.05, 0.10): band 35%-45%
    ("0.20", "0.05", "0.25", "0.05"),  # min(0.05, 0.05): the two rules meet at 20%
    ("0.60", "0.05", "0.25", "0.05"),  # min(0.05, 0.15)
    ("0.02", "0.05", "0.25", "0.005"),  # min(0.05, 0.005)
    ("0", "0.05", "0.25", "0"),  # untargeted: min(0.05, 0)
    ("0.10", "0.05", None, "0.05"),  # only the absolute rule
    ("0", "0.05", None, "0.05"),  # untargeted, absolute rule only
    ("0.10", None, "0.25", "0.025"),  # only the relative rule: 0.25 * 0.10
    ("0.10", None, None, "0"),  # no band at all
]


@pytest.mark.parametrize(("target", "abs_band", "rel_band", "expected"), BAND_CASES)
def test_band_half_width_follows_the_5_25_rule(
    target: str, abs_band: str | None, rel_band: str | None, expected: str
) -> None:
    band = band_half_width(
        D(target), D(abs_band) if abs_band else None, D(rel_band) if rel_band else None
    )
    assert band == D(expected)


@pytest.mark.parametrize(
    ("target", "lower", "upper"),
    [("0.10", "0.075", "0.125"), ("0.40", "0.35", "0.45")],
)
def test_band_edges_for_the_5_25_examples(target: str, lower: str, upper: str) -> None:
    policy = PolicyTargets(targets={"us_equity": D(target), "us_bonds": 1 - D(target)})
    report = measure_drift_from_values(
        {"us_equity": D(target), "us_bonds": 1 - D(target)}, policy, AS_OF
    )
    row = report.row("us_equity")
    assert (row.lower, row.upper) == (D(lower), D(upper))


# --- weights ---------------------------------------------------------------------


def _snapshot() -> HouseholdSnapshot:
    # taxable: cash 1,500 less reserve 500 -> 1,000 free; 40 sh x 100 = 4,000 US equity
    # IRA: cash 200, reserve 300 -> 0 free (not -100); 20 sh x 100 = 2,000 US equity,
    #      60 sh x 50 = 3,000 US bonds
    # V = 4,000 + 2,000 + 3,000 + 1,000 = 10,000 -> 60% / 30% / 10%
    return HouseholdSnapshot(
        household_id=1,
        as_of=AS_OF,
        accounts=(
            AccountInfo(
                id=1, name="Joint", account_type="taxable", cash=D("1500"), cash_reserve=D("500")
            ),
            AccountInfo(
                id=2,
                name="IRA",
                account_type="traditional_ira",
                cash=D("200"),
                cash_reserve=D("300"),
            ),
        ),
        securities={
            10: SecurityInfo(10, "VTI", "us_equity", "us_total", D("100")),
            20: SecurityInfo(20, "BND", "us_bonds", "us_agg", D("50")),
        },
        lots=(
            LotInfo(1, 1, 10, D("40"), D("3000"), date(2020, 1, 2)),
            LotInfo(2, 2, 10, D("20"), D("1500"), date(2021, 3, 4)),
            LotInfo(3, 2, 20, D("60"), D("3300"), date(2022, 5, 6)),
        ),
    )


def test_free_cash_counts_in_the_cash_class_and_reserves_are_excluded() -> None:
    weights = household_weights(_snapshot())
    assert weights == {"us_equity": D("0.6"), "us_bonds": D("0.3"), "cash": D("0.1")}


def test_measure_drift_on_a_snapshot_with_drift_exactly_at_the_band_edge() -> None:
    # targets 55/35/10; bands min(5, 13.75)=5, min(5, 8.75)=5, min(5, 2.5)=2.5 points
    # drifts +5, -5, 0: the first two sit exactly on the edge, which is in band
    policy = PolicyTargets(
        targets={"us_equity": D("0.55"), "us_bonds": D("0.35"), "cash": D("0.10")}
    )
    report = measure_drift(_snapshot(), policy)
    assert report.total_value == D("10000.00")
    assert [(r.asset_class, r.drift, r.band, r.in_band) for r in report.rows] == [
        ("us_equity", D("0.05"), D("0.05"), True),
        ("us_bonds", D("-0.05"), D("0.05"), True),
        ("cash", D("0"), D("0.025"), True),
    ]
    assert not report.needs_rebalance
    assert report.reason == "within bands"
    assert report.next_review_date is None


def test_threshold_reason_lists_classes_furthest_out_first() -> None:
    # V = 10,000: US equity 51.2% (target 40, band 5 -> 6.2 above 45%),
    # US bonds 43.8% (target 50, band 5 -> 1.2 below 45%),
    # intl 5% (target 10, band 2.5 -> 2.5 below 7.5%)
    policy = PolicyTargets(
        targets={"us_equity": D("0.40"), "us_bonds": D("0.50"), "intl_equity": D("0.10")}
    )
    values = {"us_equity": D("5120"), "us_bonds": D("4380"), "intl_equity": D("500")}
    report = measure_drift_from_values(values, policy, AS_OF)
    assert report.needs_rebalance
    assert report.reason == (
        "US equity is 6.2 pp above its band; "
        "international equity is 2.5 pp below its band; "
        "US bonds is 1.2 pp below its band"
    )
    assert [r.asset_class for r in report.out_of_band] == ["us_equity", "us_bonds", "intl_equity"]


def test_holding_an_untargeted_class_is_out_of_band_under_the_relative_rule() -> None:
    # commodities: target 0, band min(0.05, 0.25 * 0) = 0, held 1/1000 = 0.1%
    policy = PolicyTargets(targets={"us_equity": D("1")})
    values = {"us_equity": D("999"), "commodities": D("1")}
    report = measure_drift_from_values(values, policy, AS_OF)
    row = report.row("commodities")
    assert (row.target, row.current, row.band, row.in_band) == (D(0), D("0.001"), D(0), False)
    assert report.needs_rebalance
    assert report.reason == "Commodities is 0.1 pp above its band"
    # with only the absolute rule the same holding is within 5 points
    absolute_only = PolicyTargets(targets={"us_equity": D("1")}, rel_band=None)
    assert not measure_drift_from_values(values, absolute_only, AS_OF).needs_rebalance


def test_a_tiny_breach_is_not_reported_as_zero_points() -> None:
    policy = PolicyTargets(targets={"us_equity": D("1")})
    report = measure_drift_from_values({"us_equity": D("99999"), "gold": D("1")}, policy, AS_OF)
    assert report.reason == "Gold is less than 0.1 pp above its band"


def test_a_household_with_no_assets_needs_no_rebalance() -> None:
    policy = PolicyTargets(targets={"us_equity": D("0.6"), "us_bonds": D("0.4")})
    report = measure_drift_from_values({"us_equity": D("0")}, policy, AS_OF)
    assert not report.needs_rebalance
    assert report.reason == "no assets"
    assert report.total_value == D("0.00")
    assert all(row.current == 0 for row in report.rows)
    assert household_weights(HouseholdSnapshot(1, AS_OF, accounts=(), securities={}, lots=())) == {}


def test_negative_values_and_unknown_methods_are_rejected() -> None:
    policy = PolicyTargets(targets={"us_equity": D("1")})
    with pytest.raises(ValueError, match="us_equity"):
        measure_drift_from_values({"us_equity": D("-1")}, policy, AS_OF)
    with pytest.raises(ValueError, match="sometimes"):
        measure_drift_from_values(
            {"us_equity": D("1")},
            PolicyTargets(targets={"us_equity": D("1")}, method="sometimes"),
            AS_OF,
        )


# --- triggers --------------------------------------------------------------------

TRIGGER_TARGETS = {"us_equity": D("0.50"), "us_bonds": D("0.40"), "intl_equity": D("0.10")}
# intl 7% vs target 10% with band 2.5: 0.5 points below; US equity +3 (band 5) in band
OUT_OF_BAND = {"us_equity": D("530"), "us_bonds": D("400"), "intl_equity": D("70")}
IN_BAND = {"us_equity": D("520"), "us_bonds": D("400"), "intl_equity": D("80")}


def _policy(method: str) -> PolicyTargets:
    return PolicyTargets(
        targets=TRIGGER_TARGETS,
        abs_band=D("0.05"),
        rel_band=D("0.25"),
        method=method,
        frequency="quarterly",
        anchor_date=date(2026, 1, 1),
    )


def test_hybrid_due_and_in_band_does_not_rebalance() -> None:
    report = measure_drift_from_values(IN_BAND, _policy("hybrid"), date(2026, 4, 2))
    assert report.calendar_due
    assert report.due_since == date(2026, 4, 1)
    assert not report.needs_rebalance
    assert report.reason == "hybrid: review due 1 April 2026; all classes within bands"
    assert report.next_review_date == date(2026, 7, 1)


def test_hybrid_due_and_out_of_band_rebalances() -> None:
    report = measure_drift_from_values(OUT_OF_BAND, _policy("hybrid"), date(2026, 4, 2))
    assert report.needs_rebalance
    assert report.reason == (
        "hybrid: review due 1 April 2026 and international equity is 0.5 pp below its band"
    )


def test_hybrid_out_of_band_but_not_due_waits_for_the_review() -> None:
    report = measure_drift_from_values(OUT_OF_BAND, _policy("hybrid"), date(2026, 3, 31))
    assert not report.calendar_due
    assert not report.needs_rebalance
    assert report.reason == (
        "1 class out of band; the hybrid rule acts at the review on 1 April 2026 "
        "(international equity is 0.5 pp below its band)"
    )


def test_hybrid_not_due_and_in_band() -> None:
    report = measure_drift_from_values(IN_BAND, _policy("hybrid"), date(2026, 3, 31))
    assert not report.needs_rebalance
    assert report.reason == "hybrid: within bands; next review 1 April 2026"


def test_calendar_rebalances_when_due_even_in_band_and_not_before() -> None:
    due = measure_drift_from_values(IN_BAND, _policy("calendar"), date(2026, 4, 1))
    assert due.needs_rebalance
    assert due.reason == "calendar rebalance due 1 April 2026"
    early = measure_drift_from_values(OUT_OF_BAND, _policy("calendar"), date(2026, 3, 31))
    assert not early.needs_rebalance
    assert early.reason == "calendar rebalance not due; next review 1 April 2026"


def test_threshold_ignores_the_calendar() -> None:
    report = measure_drift_from_values(OUT_OF_BAND, _policy("threshold"), date(2026, 3, 31))
    assert report.needs_rebalance
    assert report.next_review_date is None
    assert not report.calendar_due


def test_calendar_method_without_a_schedule_is_an_error() -> None:
    policy = PolicyTargets(targets=TRIGGER_TARGETS, method="calendar")
    with pytest.raises(ValueError, match="frequency and an anchor"):
        measure_drift_from_values(IN_BAND, policy, AS_OF)


# --- invariants ------------------------------------------------------------------

CLASSES = ["us_equity", "intl_equity", "us_bonds", "muni_bonds", "cash", "crypto_large"]
money = st.integers(min_value=0, max_value=10**11).map(lambda cents: D(cents) / 100)
values_strategy = st.dictionaries(st.sampled_from(CLASSES), money, min_size=1).filter(
    lambda values: sum(values.values()) > 0
)


@st.composite
def targets_strategy(draw: st.DrawFn) -> dict[str, Decimal]:
    """Targets of 4 places summing to exactly 1 (rounding left on the first class)."""
    codes = draw(st.lists(st.sampled_from(CLASSES), min_size=1, unique=True))
    parts = [draw(st.integers(min_value=1, max_value=1000)) for _ in codes]
    weights = [(D(p) / sum(parts)).quantize(D("0.0001")) for p in parts]
    weights[0] += 1 - sum(weights)
    return dict(zip(codes, weights, strict=True))


@settings(max_examples=100, deadline=None)
@given(values_strategy)
def test_weights_sum_to_one(values: dict[str, Decimal]) -> None:
    policy = PolicyTargets(targets={})
    report = measure_drift_from_values(values, policy, AS_OF)
    assert abs(sum((row.current for row in report.rows), D(0)) - 1) <= D("1e-25")


@settings(max_examples=100, deadline=None)
@given(values_strategy, targets_strategy())
def test_drift_sums_to_zero_and_bands_agree_with_edges(
    values: dict[str, Decimal], targets: dict[str, Decimal]
) -> None:
    report = measure_drift_from_values(values, PolicyTargets(targets=targets), AS_OF)
    assert abs(sum((row.drift for row in report.rows), D(0))) <= D("1e-25")
    assert {row.asset_class for row in report.rows} == set(targets) | {
        code for code, value in values.items() if value
    }
    for row in report.rows:
        assert row.in_band == (row.lower <= row.current <= row.upper)
    assert report.needs_rebalance == bool(report.out_of_band)


def test_hybrid_reason_keeps_the_case_of_class_labels() -> None:
    # given: 70% US equity / 30% US bonds targets; bonds at 20% are 10 points under target,
    # band = min(5, 25% of 30 = 7.5) = 5 points, so bonds are 5.0 points below their band.
    policy = PolicyTargets(
        targets={"us_equity": D("0.7"), "us_bonds": D("0.3")},
        abs_band=D("0.05"),
        rel_band=D("0.25"),
        method="hybrid",
        frequency="quarterly",
        anchor_date=date(2026, 1, 1),
    )
    values = {"us_equity": D("80000"), "us_bonds": D("20000")}
    # when
    report = measure_drift_from_values(values, policy, date(2026, 4, 2))
    # then: "US bonds", never "uS bonds"
    assert report.reason.startswith("hybrid: review due 1 April 2026 and ")
    assert "US bonds is 5.0 pp below its band" in report.reason
    assert "US equity is 5.0 pp above its band" in report.reason
    assert "uS" not in report.reason


def test_the_ips_reserve_is_kept_in_taxable_free_cash_first() -> None:
    D = Decimal
    accounts = (
        AccountInfo(1, "IRA", "traditional_ira", D("5000")),  # free 5,000
        AccountInfo(2, "Brokerage B", "taxable", D("1000"), D("800")),  # free 200
        AccountInfo(3, "Brokerage A", "taxable", D("700")),  # free 700
        AccountInfo(4, "Roth", "roth_ira", D("100"), D("300")),  # reserve above cash: free 0
    )
    # 2,000: 200 from B and 700 from A (taxable, in the given order), then 1,100 from the IRA
    assert ips_reserve_by_account(accounts, D("2000")) == {2: D("200"), 3: D("700"), 1: D("1100")}
    # more than all the free cash (5,900): all of it, the Roth none
    assert ips_reserve_by_account(accounts, D("9000")) == {2: D("200"), 3: D("700"), 1: D("5000")}
    assert ips_reserve_by_account(accounts, D("0")) == {}

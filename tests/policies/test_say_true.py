"""Say what is true: the drift verdict of a hybrid IPS, percentage points, symbols and dates.

The world household (tests/conftest.py) against its 40/20/35/5 IPS: cash drifts
+0.042879 (tests/policies/test_api.py works it out), its band is min(5, 25% x 5) =
1.25 points, so it is 4.2879 - 1.25 = 3.0 pp above its band and the only class out.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from advisory.engine.prose import band_points, long_date, points
from advisory.engine.types import HouseholdSnapshot, SecurityInfo
from advisory.engine.wash_sales import group_label
from policies.models import RebalanceMethod, ReviewFrequency
from policies.proposals.display import _request_summary
from policies.proposals.request import ProposalRequest
from tests.conftest import World
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        (Decimal("0.059"), "+5.9 pp"),
        (Decimal("-0.0125"), "-1.3 pp"),  # half away from zero
        (Decimal("0"), "0.0 pp"),
        (Decimal("-0.00001"), "0.0 pp"),  # never "-0.0 pp"
        (None, "—"),
    ],
)
def test_drift_reads_in_percentage_points(fraction: Decimal | None, text: str) -> None:
    assert points(fraction) == text


@pytest.mark.parametrize(
    ("fraction", "text"),
    [(Decimal("0.05"), "± 5.00 pp"), (Decimal("0.01125"), "± 1.13 pp"), (None, "—")],
)
def test_bands_read_plus_or_minus_points(fraction: Decimal | None, text: str) -> None:
    assert band_points(fraction) == text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 12, 30), "30 December 2026"),
        (date(2025, 1, 1), "1 January 2025"),
        ("2026-07-31", "31 July 2026"),
        ("not a date", "—"),
        (None, "—"),
    ],
)
def test_dates_in_sentences(day: Any, text: str) -> None:
    assert long_date(day) == text


def _snapshot(*funds: tuple[str, str]) -> HouseholdSnapshot:
    securities = {
        n: SecurityInfo(n, symbol, "us_bonds", group, Decimal("100"))
        for n, (symbol, group) in enumerate(funds, start=1)
    }
    return HouseholdSnapshot(1, date(2026, 12, 3), (), securities, ())


@pytest.mark.parametrize(
    ("funds", "group", "label"),
    [
        ((("BND", "us_aggregate"), ("AGG", "us_aggregate")), "us_aggregate", "AGG/BND"),
        ((("VTI", "us_total"),), "us_total", "VTI"),
        ((("VTI", "us_total"),), "us_aggregate", "us aggregate"),  # nothing held: words
    ],
)
def test_groups_are_named_by_their_symbols(
    funds: tuple[tuple[str, str], ...], group: str, label: str
) -> None:
    assert group_label(_snapshot(*funds), group) == label


# --- the drift page of a hybrid IPS ------------------------------------------------------------


def _hybrid(world: World) -> None:
    # Annual reviews from 30 December 2025: the first falls on 30 December 2026.
    make_policy(
        world,
        method=RebalanceMethod.HYBRID,
        frequency=ReviewFrequency.ANNUAL,
        anchor_date=date(2025, 12, 30),
    )


@time_machine.travel(date(2026, 12, 3), tick=False)
def test_hybrid_out_of_band_says_when_the_rule_acts(world: World, client_as: Any) -> None:
    _hybrid(world)
    page = client_as("owner").get(f"/households/{world.household.pk}/drift/").content.decode()
    assert "No rebalance needed" not in page
    assert "1 class out of band" in page
    assert "the hybrid rule acts at the review on 30 December 2026" in page
    assert "(cash is 3.0 pp above its band)" in page
    assert f"/households/{world.household.pk}/proposals/new/" in page
    assert "Propose rebalance" in page
    assert "message-success" not in page


@time_machine.travel(date(2026, 12, 3), tick=False)
def test_a_client_reads_the_same_verdict_without_the_button(world: World, client_as: Any) -> None:
    _hybrid(world)
    page = client_as("client").get(f"/households/{world.household.pk}/drift/").content.decode()
    assert "1 class out of band" in page
    assert "Propose rebalance" not in page


@time_machine.travel(date(2026, 12, 3), tick=False)
def test_the_panel_does_not_say_no_rebalance_needed(world: World, client_as: Any) -> None:
    _hybrid(world)
    panels = client_as("owner").get(f"/households/{world.household.pk}/panels/").content.decode()
    assert "No rebalance needed" not in panels
    assert "1 class out of band; the hybrid rule acts at the review on 30 December 2026" in panels


@time_machine.travel(date(2026, 12, 3), tick=False)
def test_drift_and_bands_on_the_drift_page_are_points(world: World, client_as: Any) -> None:
    make_policy(world)  # 5 points or 25% of the target, threshold
    page = client_as("owner").get(f"/households/{world.household.pk}/drift/").content.decode()
    assert "the smaller of ± 5.00 pp and 25% of its target" in page
    assert "+4.3 pp" in page  # cash's drift in the table


@pytest.mark.parametrize(
    ("request_", "said"),
    [
        (
            ProposalRequest(as_of=date(2026, 12, 3)),
            "to the targets, household-level, as of 3 December 2026",
        ),
        (ProposalRequest(), "to the targets, household-level"),
    ],
)
def test_the_audit_trail_says_the_as_of_date_as_a_date(
    request_: ProposalRequest, said: str
) -> None:
    assert _request_summary(request_.to_json()) == said

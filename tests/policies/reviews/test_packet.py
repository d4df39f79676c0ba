"""The review packet: the parts this layer builds (allocation, drift then and now, the year's
realised gains, what changed), a constant number of queries, and the PDFs kept until they change.

The figures (returns, RMDs, room, stress, correlations) are the engine's and tested there;
here they are checked only where the packet's layout needs them (names, charts, sections).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from policies.models import DriftSnapshot
from policies.reviews.models import Review, ReviewKind, ReviewStatus
from policies.reviews.packet import review_packet
from portfolios.models import Transaction, TransactionKind
from tests.conftest import World
from tests.factories import LotFactory
from tests.policies.reviews.conftest import (
    QUARTER_Q3,
    make_review,
    price_history,
    scheduled_policy,
)

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 2, 1)


def test_allocation_and_drift_now_against_the_targets(world: World) -> None:
    scheduled_policy(world)  # 40 / 20 / 35 / 5
    packet = review_packet(world.household, as_of=AS_OF)
    # Lots: VTI 100 x 250 = 25,000; VXUS 200 x 60 = 12,000; BND 300 x 72 = 21,600;
    # free cash 5,000 + 1,000 = 6,000. Total 64,600.
    assert packet["total_value"] == "64600.00"
    by_class = {row["asset_class"]: row for row in packet["allocation"]}
    assert by_class["us_equity"]["value"] == "25000.00"
    assert by_class["us_equity"]["target"] == "0.400000"
    assert by_class["cash"]["value"] == "6000.00"
    drift = {row["asset_class"]: row for row in packet["drift"]["rows"]}
    # US equity 25,000 / 64,600 = 38.70%: 1.30 points under its 40% target.
    assert Decimal(drift["us_equity"]["current"]).quantize(Decimal("0.0001")) == Decimal("0.3870")
    assert packet["last_review"] is None
    assert packet["drift_at_last_review"] is None
    # Equities -30% on 25,000 + 12,000 of equity funds: -11,100.
    stress = {row["name"]: row for row in packet["stress"]["scenarios"]}
    assert stress["Equities -30%"]["impact"] == "-11100.00"


def test_drift_at_the_last_review_and_what_changed_since(world: World) -> None:
    policy = scheduled_policy(world)
    last = make_review(
        world, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3, status=ReviewStatus.COMPLETED
    )
    DriftSnapshot.objects.create(
        household=world.household,
        policy=policy,
        computed_on=date(2025, 10, 14),
        computed_at=timezone.now(),
        reason="US bonds out of band",
        rows=[
            {
                "asset_class": "us_bonds",
                "target": "0.35",
                "current": "0.28",
                "drift": "-0.07",
                "band": "0.05",
                "in_band": False,
            }
        ],
    )
    DriftSnapshot.objects.create(  # after the review's date: not the one shown
        household=world.household,
        policy=policy,
        computed_on=date(2025, 10, 20),
        computed_at=timezone.now(),
        reason="In band",
        rows=[],
    )
    from tests.policies.conftest import make_policy

    make_policy(world, rationale="Bonds up after the review.", effective_date=date(2025, 12, 1))
    packet = review_packet(world.household, as_of=AS_OF)
    assert packet["last_review"] == {"id": last.pk, "kind": "quarterly", "period_end": "2025-10-15"}
    assert packet["drift_at_last_review"]["computed_on"] == "2025-10-14"
    assert packet["drift_at_last_review"]["rows"][0]["drift"] == "-0.07"
    assert [p["version"] for p in packet["changes"]["policies"]] == [2]
    assert packet["changes"]["policies"][0]["rationale"] == "Bonds up after the review."


def test_the_years_realised_gains_and_losses(world: World) -> None:
    scheduled_policy(world)
    account = world.household.accounts.get(name="Joint brokerage")
    vti = world.securities["VTI"]
    for day, gain in (
        (date(2026, 1, 10), "1200.50"),
        (date(2026, 1, 20), "-300.25"),
        (date(2025, 12, 30), "999"),
    ):
        Transaction.objects.create(
            account=account,
            security=vti,
            kind=TransactionKind.SELL,
            trade_date=day,
            quantity=Decimal("1"),
            amount=Decimal("250"),
            realized_gain=Decimal(gain),
        )
    gains = review_packet(world.household, as_of=AS_OF)["realized_gains"]
    assert gains == {
        "year": 2026,
        "gains": "1200.50",
        "losses": "-300.25",
        "net": "900.25",
        "sales": 2,
    }


def test_building_the_packet_does_not_grow_with_lots(
    world: World, django_assert_num_queries: Any
) -> None:
    scheduled_policy(world)
    make_review(world, kind=ReviewKind.QUARTERLY, period=QUARTER_Q3, status=ReviewStatus.COMPLETED)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        review_packet(world.household, as_of=AS_OF)
    account = world.household.accounts.get(name="Joint brokerage")
    for n in range(40):
        LotFactory(
            account=account,
            security=world.securities["ITOT"],
            acquired_on=date(2024, 1, 1 + n % 28),
        )
    with django_assert_num_queries(len(few.captured_queries)):
        review_packet(world.household, as_of=AS_OF)


def test_the_pdf_is_kept_until_what_it_shows_changes(
    world: World, client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduled_policy(world)
    review = make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    import policies.reviews.pdf as pdf

    renders: list[str] = []
    real = pdf.render_html

    def counting(*args: Any, **kwargs: Any) -> str:
        renders.append("x")
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf, "render_html", counting)
    owner = client_as("owner")
    first = owner.get(f"/reviews/{review.pk}/packet.pdf")
    assert first.status_code == 200
    assert first.content.startswith(b"%PDF")
    again = owner.get(f"/reviews/{review.pk}/packet.pdf")
    assert again.content == first.content
    assert len(renders) == 1
    Review.objects.filter(pk=review.pk).update(summary="Now with a summary.")
    owner.get(f"/reviews/{review.pk}/packet.pdf")
    assert len(renders) == 2


def test_the_client_report_speaks_plainly(world: World) -> None:
    from policies.reviews.pdf import render_html

    scheduled_policy(world)
    review = make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    Review.objects.filter(pk=review.pk).update(summary="We kept your plan.")
    review.refresh_from_db()
    html = render_html(
        review, review_packet(world.household, as_of=AS_OF), client=True, produced_on=AS_OF
    )
    assert "We kept your plan." in html
    assert "US Equity" in html or world.classes["us_equity"].name in html
    for code in ("us_equity", "intl_equity", "us_bonds", "twr", "mwr"):
        assert code not in html
    assert "<polyline" not in html or "How one dollar grew" in html


def test_the_packet_page_draws_the_correlation_chart(world: World, client_as: Any) -> None:
    price_history(world)
    scheduled_policy(world)
    review = make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    page = client_as("client").get(f"/reviews/{review.pk}/packet/")
    assert page.status_code == 200
    text = page.content.decode()
    packet = review_packet(world.household, as_of=review.packet_as_of(timezone.localdate()))
    drawn = [row for row in packet["correlations"] if len(row["series"]) >= 2]
    assert drawn  # 160 days of prices give a rolling 90-day correlation
    chart = text.split('aria-label="Rolling correlation of each class with US equity"')[1]
    chart = chart.split("</svg>")[0]
    assert chart.count("<polyline") == len(drawn)
    assert "International Equity" in chart or world.classes["intl_equity"].name in chart


def test_the_api_packet_rejects_a_future_or_bad_date(world: World, api_as: Any) -> None:
    scheduled_policy(world)
    url = f"/api/v1/households/{world.household.pk}/review-packet/"
    assert api_as("owner").get(url + "?as_of=2999-01-01").json() == {
        "as_of": ["The packet cannot describe a day after today."]
    }
    assert api_as("owner").get(url + "?as_of=soon").status_code == 400
    body = api_as("owner").get(url + "?as_of=2026-02-01").json()
    assert body["as_of"] == "2026-02-01"
    assert {
        "allocation",
        "drift",
        "returns",
        "rmds",
        "contribution_room",
        "stress",
        "correlations",
    } <= set(body)


def test_a_figure_that_cannot_be_computed_says_why(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import policies.reviews.packet as packet_module

    def no_table(**_: Any) -> Any:
        raise ValueError("no tax table for 2031")

    monkeypatch.setattr(packet_module, "household_rmds", no_table)
    scheduled_policy(world)
    packet = review_packet(world.household, as_of=AS_OF)
    assert packet["rmds"] == {"unavailable": "no tax table for 2031"}
    assert packet["total_value"] == "64600.00"  # the rest of the packet is still there

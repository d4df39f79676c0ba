"""The order desk: orders of approved proposals, the order file, fills (partial too), cancelling.

The approved proposal is built by hand so every figure below is worked out here:
the Joint brokerage ($5,000 cash; VTI lots: 100 sh bought 2020-01-15 for $15,000
and 40 sh bought 2025-01-10 for $12,000) sells 60 VTI (40 of the 2020 lot, then
20 of the 2025 lot) and buys 50 BND.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from policies.proposals.models import (
    OrderStatus,
    Proposal,
    ProposalLotRelief,
    ProposalStatus,
    ProposalTrade,
)
from portfolios.models import Lot, Transaction
from tests.conftest import PERSONAS, World
from tests.factories import InvestmentPolicyFactory, LotFactory, ProposalFactory

pytestmark = pytest.mark.django_db

DESK = {"operations", "admin"}


@pytest.fixture
def approved(world: World) -> dict[str, Any]:
    taxable = world.household.accounts.get(name="Joint brokerage")
    taxable.account_number = "987654321234"
    taxable.number_last4 = "1234"
    taxable.save()
    old = Lot.objects.get(account=taxable, security=world.securities["VTI"])
    new = LotFactory(
        account=taxable,
        security=world.securities["VTI"],
        quantity=Decimal(40),
        cost_basis=Decimal(12000),
        acquired_on=date(2025, 1, 10),
    )
    proposal = ProposalFactory(
        household=world.household,
        policy=InvestmentPolicyFactory(household=world.household),
        status=ProposalStatus.APPROVED,
        approved_at=timezone.now(),
        approved_by=world.user("owner"),
        created_by=world.user("owner"),
    )
    sell = ProposalTrade.objects.create(
        proposal=proposal, position=0, account=taxable, security=world.securities["VTI"],
        side="sell", quantity=Decimal(60), price=Decimal(250), amount=Decimal(15000),
        taxable=True,
    )  # fmt: skip
    for lot, qty, gain, term in ((old, 40, 4000, "long"), (new, 20, -1000, "long")):
        ProposalLotRelief.objects.create(
            trade=sell, lot=lot, lot_number=lot.pk, quantity=Decimal(qty), gain=Decimal(gain),
            term=term, acquired_on=lot.acquired_on,
        )  # fmt: skip
    buy = ProposalTrade.objects.create(
        proposal=proposal, position=1, account=taxable, security=world.securities["BND"],
        side="buy", quantity=Decimal(50), price=Decimal(72), amount=Decimal(3600), taxable=True,
    )  # fmt: skip
    return {"proposal": proposal, "sell": sell, "buy": buy, "taxable": taxable, "old": old,
            "new": new}  # fmt: skip


def _one_bnd(world: World, approved: dict[str, Any]) -> dict[str, Any]:
    bnd = world.securities["BND"].pk
    return {"account": approved["taxable"].pk, "security": bnd, "side": "buy", "quantity": "1",
            "price": "72"}  # fmt: skip


def _fills(api: Any, proposal: Proposal, fills: list[dict[str, Any]]) -> Any:
    return api.post(f"/api/v1/proposals/{proposal.pk}/fills/", {"fills": fills}, format="json")


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_orders_and_their_account_numbers(
    world: World, api_as: Any, approved: dict[str, Any], persona: str
) -> None:
    response = api_as(persona).get("/api/v1/orders/")

    if persona == "anonymous":
        assert response.status_code == 401
        return
    if persona in {"client", "other_client"}:
        assert response.status_code == 403
        return
    rows = response.json()["results"]
    sees = persona in {"owner", "teammate", "admin", "operations"}
    assert len(rows) == (2 if sees else 0)
    if sees:
        expected = "987654321234" if persona in DESK else "••••1234"
        assert {r["account_number"] for r in rows} == {expected}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_desk_releases_and_books_fills(
    world: World, api_as: Any, approved: dict[str, Any], persona: str
) -> None:
    proposal = approved["proposal"]
    release = api_as(persona).post(
        "/api/v1/orders/release/", {"proposals": [proposal.pk]}, format="json"
    )

    if persona in DESK:
        assert release.status_code == 200
    elif persona == "anonymous":
        assert release.status_code == 401
    else:
        assert release.status_code == 403
    fill = _fills(api_as(persona), proposal, [_one_bnd(world, approved)])
    expected = {"anonymous": 401, "owner": 403, "teammate": 403, "client": 403}
    assert fill.status_code == (200 if persona in DESK else expected.get(persona, 404))


def test_advisors_release_when_the_firm_allows(
    world: World, api_as: Any, approved: dict[str, Any]
) -> None:
    world.firm.advisors_release_orders = True
    world.firm.save()

    response = api_as("owner").post(
        "/api/v1/orders/release/", {"proposals": [approved["proposal"].pk]}, format="json"
    )

    assert response.status_code == 200


def test_the_order_file_has_full_account_numbers_and_lot_instructions(
    world: World, api_as: Any, approved: dict[str, Any]
) -> None:
    proposal, old, new = approved["proposal"], approved["old"], approved["new"]

    generic = api_as("operations").post(
        "/api/v1/orders/release/", {"proposals": [proposal.pk]}, format="json"
    )

    lines = generic.content.decode().splitlines()
    assert lines[0].startswith("order,proposal,account_number")
    sale = next(line for line in lines if ",sell," in line)
    assert "987654321234" in sale
    assert (
        f"lot {old.pk} acquired 2020-01-15 qty 40; lot {new.pk} acquired 2025-01-10 qty 20" in sale
    )
    assert set(ProposalTrade.objects.values_list("order_status", flat=True)) == {"released"}
    again = api_as("operations").post(
        "/api/v1/orders/release/", {"proposals": [proposal.pk]}, format="json"
    )
    assert again.status_code == 400  # released once


def test_block_orders_are_one_line_per_security_and_side(
    world: World, api_as: Any, approved: dict[str, Any]
) -> None:
    response = api_as("operations").post(
        "/api/v1/orders/release/",
        {"proposals": [approved["proposal"].pk], "layout": "block"},
        format="json",
    )

    lines = response.content.decode().splitlines()
    assert lines[0] == "symbol,side,quantity,allocation"
    assert lines[1].startswith("BND,buy,50,987654321234 50")
    assert lines[2].startswith("VTI,sell,60,987654321234 60 [lot")


def test_partial_fills_leave_the_right_lots_cash_and_open_quantity(
    world: World, api_as: Any, approved: dict[str, Any]
) -> None:
    proposal, taxable, old, new = (approved[k] for k in ("proposal", "taxable", "old", "new"))
    vti, bnd = world.securities["VTI"].pk, world.securities["BND"].pk
    api = api_as("operations")

    # 50 of the 60 VTI fill at $251: all 40 of the 2020 lot's part, then 10 of the 2025 lot;
    # 30 of the 50 BND at $71.50.
    response = _fills(api, proposal, [
        {"account": taxable.pk, "security": vti, "side": "sell", "quantity": "50", "price": "251"},
        {"account": taxable.pk, "security": bnd, "side": "buy", "quantity": "30", "price": "71.50"},
    ])  # fmt: skip

    assert response.status_code == 200, response.json()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.quantity, old.cost_basis) == (Decimal(60), Decimal("9000.00"))  # 100 -> 60
    assert (new.quantity, new.cost_basis) == (Decimal(30), Decimal("9000.00"))  # 40 -> 30
    bought = Lot.objects.get(account=taxable, security_id=bnd)
    assert (bought.quantity, bought.cost_basis) == (Decimal(30), Decimal("2145.00"))
    taxable.refresh_from_db()
    assert taxable.cash == Decimal("5000") + Decimal("12550") - Decimal("2145")  # 15,405
    sale_gains = sorted(
        Transaction.objects.filter(account=taxable, kind="sell").values_list(
            "realized_gain", flat=True
        )
    )
    assert sale_gains == [Decimal("-490.00"), Decimal("4040.00")]  # 10*251-3000, 40*251-6000
    world.household.refresh_from_db()
    assert world.household.realized_lt_ytd == Decimal("3550.00")
    orders = {
        o["side"]: o for o in api.get(f"/api/v1/orders/?proposal={proposal.pk}").json()["results"]
    }
    assert (orders["sell"]["status"], orders["sell"]["open_quantity"]) == (
        "partially_filled",
        "10.000000",
    )
    assert (orders["buy"]["status"], orders["buy"]["open_quantity"]) == (
        "partially_filled",
        "20.000000",
    )

    # the rest of the sale fills (the 2025 lot's last 10 shares); the buy's rest is cancelled
    _fills(api, proposal, [
        {"account": taxable.pk, "security": vti, "side": "sell", "quantity": "10", "price": "250"}
    ])  # fmt: skip
    new.refresh_from_db()
    assert new.quantity == Decimal(20)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.APPROVED
    cancel = api.post(f"/api/v1/orders/{approved['buy'].pk}/cancel/")
    assert cancel.json()["status"] == "cancelled"
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EXECUTED


@pytest.mark.parametrize(
    "bad",
    [
        {"account": "other", "quantity": "10"},  # an account the proposal has no order in
        {"quantity": "61"},  # more than the 60 ordered
    ],
)
def test_a_fills_file_with_one_bad_line_is_refused_whole(
    world: World, api_as: Any, approved: dict[str, Any], bad: dict[str, str]
) -> None:
    taxable, vti = approved["taxable"], world.securities["VTI"].pk
    account = world.household.accounts.get(name="Ann IRA").pk if bad.get("account") else taxable.pk
    text = (
        "account,security,side,quantity,price\n"
        f"{taxable.pk},{world.securities['BND'].pk},buy,50,72\n"
        f"{account},{vti},sell,{bad['quantity']},250\n"
    )
    upload = io.BytesIO(text.encode())
    upload.name = "fills.csv"
    lots_before = sorted(Lot.objects.values_list("pk", "quantity"))

    response = api_as("operations").post(
        f"/api/v1/proposals/{approved['proposal'].pk}/fills/", {"file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert "2" in response.json()["fills"]  # the second line is named
    assert sorted(Lot.objects.values_list("pk", "quantity")) == lots_before
    assert set(ProposalTrade.objects.values_list("filled_quantity", flat=True)) == {Decimal(0)}
    taxable.refresh_from_db()
    assert taxable.cash == Decimal("5000.00")


def test_a_cancelled_order_takes_no_fills(
    world: World, api_as: Any, approved: dict[str, Any]
) -> None:
    api = api_as("operations")
    api.post(f"/api/v1/orders/{approved['buy'].pk}/cancel/")

    response = _fills(api, approved["proposal"], [_one_bnd(world, approved)])

    assert response.status_code == 400
    assert ProposalTrade.objects.get(pk=approved["buy"].pk).order_status == OrderStatus.CANCELLED


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_opens_the_order_desk_page(
    world: World, client_as: Any, approved: dict[str, Any], persona: str
) -> None:
    client = client_as(persona)

    page = client.get("/orders/")
    release = client.post("/orders/release/", {"proposal": [approved["proposal"].pk]})

    if persona == "anonymous":
        assert (page.status_code, release.status_code) == (302, 302)
    elif persona in DESK:
        assert page.status_code == 200
        assert "987654321234" in page.content.decode()
        assert release.status_code == 200
        assert "987654321234" in release.content.decode()
    else:
        assert (page.status_code, release.status_code) == (403, 403)


def _locked_tables(queries: list[dict[str, Any]]) -> list[str]:
    """The table each row-locking SELECT reads (on SQLite, which locks no rows: each SELECT)."""
    import re

    from django.db import connection

    locking = connection.vendor == "postgresql"
    return [
        found.group(1)
        for q in queries
        if q["sql"].startswith("SELECT") and (not locking or "FOR UPDATE" in q["sql"])
        if (found := re.search(r'FROM "(\w+)"', q["sql"]))
    ]


def test_a_cancel_locks_in_the_order_booking_fills_does(
    world: World, approved: dict[str, Any]
) -> None:
    # A cancel took the order, then its proposal; booking fills takes the household, the
    # proposal, then the orders: the two deadlocked (PostgreSQL broke it with a 409).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from policies.proposals.desk import order_cancel

    with CaptureQueriesContext(connection) as seen:
        order_cancel(order=approved["buy"], user=world.user("operations"))

    order = ["portfolios_household", "policies_proposal", "policies_proposaltrade"]
    tables = _locked_tables(seen.captured_queries)
    if connection.vendor != "postgresql":
        tables = tables[1:]  # the proposal's household id, read before anything is locked
    assert tables[:3] == order
    assert ProposalTrade.objects.get(pk=approved["buy"].pk).order_status == OrderStatus.CANCELLED

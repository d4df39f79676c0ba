"""POST /api/v1/households/{id}/proposals/, GET/approve/reject/orders.csv: shapes and rules."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies.location.services import location_plan_compute, location_plan_save
from policies.models import InvestmentPolicy
from policies.proposals.models import AuditEvent, Proposal, ProposalStatus
from policies.proposals.selectors import stale_proposal_ids
from portfolios.models import AccountType, Lot
from tests.conftest import World
from tests.factories import AccountFactory, SecurityFactory
from tests.policies.proposals.drifted import AS_OF, proposals_url, propose

pytestmark = pytest.mark.django_db

DECIMAL_FIELDS = (
    "short_term_gain",
    "long_term_gain",
    "estimated_tax",
    "tax_value",
    "losses_harvested",
    "shortfall",
)


def test_a_proposal_has_the_fields_of_the_api_contract(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    response = propose(api_as("owner"), world)

    assert response.status_code == 201, response.json()
    body = response.json()
    for name in ("id", "household", "status", "as_of", "trades", "drift_before", "drift_after"):
        assert name in body
    assert (body["household"], body["status"], body["as_of"]) == (
        world.household.pk,
        "draft",
        "2026-11-26",
    )
    for name in (*DECIMAL_FIELDS, "wash_sale_blocks", "notes", "kind", "feasible", "binding"):
        assert name in body
    assert all(isinstance(body[name], str) for name in DECIMAL_FIELDS)
    sale = next(t for t in body["trades"] if t["side"] == "sell")
    assert set(sale) >= {"account", "security", "side", "quantity", "amount", "lots", "symbol"}
    assert set(sale["lots"][0]) >= {"lot", "quantity", "gain", "term"}
    assert sale["lots"][0]["term"] in ("short", "long")
    assert {t["side"] for t in body["trades"]} == {"buy", "sell"}
    assert body["created_by"] == world.user("owner").pk
    assert [e["action"] for e in body["audit"]] == ["created"]


def _other_account(world: World) -> int:
    return world.other_household.accounts.get().pk


def _foreign_security(world: World) -> int:
    return SecurityFactory(firm=world.other_firm, symbol="FOREIGN").pk


BAD_REQUESTS: list[tuple[str, Any, Any]] = [
    # (what, body (a callable of the world for ids), where the message is)
    (
        "cash flow to another household's account",
        lambda w: {"cash_flows": [{"account": _other_account(w), "amount": "100.00"}]},
        lambda e: e["cash_flows"]["0"]["account"],
    ),
    (
        "the same account twice",
        lambda w: {
            "cash_flows": [
                {"account": w.household.accounts.first().pk, "amount": "1.00"},
                {"account": w.household.accounts.first().pk, "amount": "2.00"},
            ]
        },
        lambda e: e["cash_flows"]["1"]["account"],
    ),
    (
        "a cash flow in tenths of a cent",
        lambda w: {"cash_flows": [{"account": w.household.accounts.first().pk, "amount": "1.001"}]},
        lambda e: e["cash_flows"]["0"]["amount"],
    ),
    (
        "another firm's security not to trade",
        lambda w: {"do_not_trade": [_foreign_security(w)]},
        lambda e: e["do_not_trade"],
    ),
    (
        "an unknown security not to buy",
        lambda w: {"do_not_buy": [999999]},
        lambda e: e["do_not_buy"],
    ),
    (
        "another household's account not to trade",
        lambda w: {"do_not_trade_accounts": [_other_account(w)]},
        lambda e: e["do_not_trade_accounts"],
    ),
    (
        "a buy security of another class",
        lambda w: {"buy_security": {"us_bonds": w.securities["VTI"].pk}},
        lambda e: e["buy_security"]["us_bonds"],
    ),
    (
        "an unknown class to buy",
        lambda w: {"buy_security": {"gold": w.securities["VTI"].pk}},
        lambda e: e["buy_security"]["gold"],
    ),
    ("a negative minimum trade", lambda w: {"min_trade": "-1"}, lambda e: e["min_trade"]),
    ("a negative gain budget", lambda w: {"gain_budget": "-100"}, lambda e: e["gain_budget"]),
    ("an unknown mode", lambda w: {"mode": "aggressive"}, lambda e: e["mode"]),
    ("an unknown location", lambda w: {"location": "sideways"}, lambda e: e["location"]),
    ("a tranche by hand", lambda w: {"kind": "tranche"}, lambda e: e["kind"]),
    (
        "a negative carry-forward",
        lambda w: {"carryforward_st": "-5"},
        lambda e: e["carryforward_st"],
    ),
    (
        "a loss percent over 1",
        lambda w: {"min_loss_percent": "1.5"},
        lambda e: e["min_loss_percent"],
    ),
    ("a date that is not one", lambda w: {"as_of": "2026-13-01"}, lambda e: e["as_of"]),
]


@pytest.mark.parametrize(("what", "body", "where"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_answer_400_with_the_field_and_create_nothing(
    world: World,
    api_as: Any,
    drifted: tuple[InvestmentPolicy, Lot],
    what: str,
    body: Any,
    where: Any,
) -> None:
    response = propose(api_as("owner"), world, **body(world))

    assert response.status_code == 400, what
    messages = where(response.json())
    assert messages
    assert all(isinstance(m, str) for m in messages)
    assert not Proposal.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_household_without_an_active_ips_answers_400(world: World, api_as: Any) -> None:
    response = propose(api_as("owner"), world)

    assert response.status_code == 400
    assert response.json()["code"] == "no_active_policy"
    assert "no active Investment Policy Statement" in response.json()["detail"]
    assert not Proposal.objects.exists()


def test_location_plan_needs_a_saved_plan_that_covers_every_account(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    missing = propose(api, world, location="plan")
    assert missing.status_code == 400
    assert missing.json()["code"] == "no_location_plan"

    result = location_plan_compute(household=world.household, as_of=AS_OF)
    location_plan_save(household=world.household, user=world.user("owner"), result=result)
    planned = propose(api, world, location="plan")
    assert planned.status_code == 201, planned.json()

    AccountFactory(
        household=world.household,
        name="New Roth",
        account_type=AccountType.ROTH_IRA,
        cash=Decimal("3000"),
    )
    uncovered = propose(api, world, location="plan")
    assert uncovered.status_code == 400
    assert uncovered.json()["code"] == "location_plan_incomplete"
    assert "New Roth" in uncovered.json()["detail"]
    assert Proposal.objects.count() == 1


def _post(api: Any, proposal_id: int, action: str, **body: Any) -> Any:
    return api.post(f"/api/v1/proposals/{proposal_id}/{action}/", body, format="json")


def test_status_rules_approve_reject_execute(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    first = propose(api, world).json()["id"]

    assert _post(api, first, "execute").status_code == 409  # a draft is not executed
    approved = _post(api, first, "approve")
    assert approved.status_code == 200
    assert approved.json()["approved_by"] == world.user("owner").pk
    again = _post(api, first, "approve")
    assert again.status_code == 409
    assert again.json()["code"] == "proposal_state"
    rejected = _post(api_as("teammate"), first, "reject", reason="Client wants to wait.")
    assert rejected.status_code == 200
    assert rejected.json()["rejection_reason"] == "Client wants to wait."
    assert _post(api, first, "reject").status_code == 409
    assert _post(api, first, "execute").status_code == 409
    assert _post(api, first, "approve").status_code == 409

    second = propose(api, world).json()["id"]  # (a newer draft supersedes older drafts only)
    assert _post(api, second, "reject").status_code == 200  # a draft may be rejected too
    trail = AuditEvent.objects.filter(proposal_id=first).values_list("action", flat=True)
    assert list(trail) == ["created", "approved", "rejected"]


def test_the_order_file_names_the_lots_of_every_sale(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    _, loss_lot = drifted
    old_lot = Lot.objects.get(security=world.securities["VTI"], acquired_on="2020-01-15")
    api = api_as("owner")
    proposal_id = propose(api, world).json()["id"]
    assert api.get(f"/api/v1/proposals/{proposal_id}/orders.csv").status_code == 409  # a draft
    assert api.post(f"/api/v1/proposals/{proposal_id}/approve/").status_code == 200

    response = api.get(f"/api/v1/proposals/{proposal_id}/orders.csv", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"proposal-{proposal_id}-orders.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "account",
        "account_number",
        "custodian",
        "symbol",
        "side",
        "quantity",
        "estimated_amount",
        "lot_instructions",
    ]
    # 50.48 sh of VTI: 10.48 of the 2020 lot and the 40 sh lot of 2025 (see the execution test)
    sales = [row for row in rows[1:] if row[4] == "sell"]
    assert sales == [
        [
            "Joint brokerage",
            "****1234",
            "Schwab",
            "VTI",
            "sell",
            "50.48",
            "12620.00",
            f"VTI lot {old_lot.pk} acquired 2020-01-15 qty 10.48; "
            f"VTI lot {loss_lot.pk} acquired 2025-01-10 qty 40",
        ]
    ]
    trades = Proposal.objects.get(pk=proposal_id).trades.count()
    assert len(rows) == 1 + trades
    assert all(row[7] == "" for row in rows[1:] if row[4] == "buy")
    accounts = [row[0] for row in rows[1:]]
    assert accounts == sorted(accounts)  # by account, sales before buys within one
    joint = [row[4] for row in rows[1:] if row[0] == "Joint brokerage"]
    assert joint == sorted(joint, key=lambda side: side != "sell")


def test_a_proposal_without_orders_has_no_order_file(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    proposal_id = propose(api, world).json()["id"]
    _post(api, proposal_id, "reject")
    response = api.get(f"/api/v1/proposals/{proposal_id}/orders.csv")
    assert response.status_code == 409


def test_list_filters_and_its_queries_do_not_grow_with_trades(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    # a harvest of the VXUS lot (bought for $65, now $60) into IXUS: one sale, one buy
    SecurityFactory(
        firm=world.firm,
        symbol="IXUS",
        asset_class=world.classes["intl_equity"],
        substitute_group="intl_core",
        price=Decimal("50"),
    )
    small = propose(api, world, kind="harvest").json()["id"]
    big = propose(api, world).json()["id"]
    _post(api, big, "approve")
    assert Proposal.objects.get(pk=small).trades.count() == 2
    assert Proposal.objects.get(pk=big).trades.count() >= 4

    queries = []
    for pk in (small, big):
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/v1/proposals/{pk}/").status_code == 200
        queries.append(len(captured))
    assert Proposal.objects.get(pk=small).status == ProposalStatus.SUPERSEDED
    # the superseded harvest needs no staleness check; the approved rebalance pays for one,
    # whatever its number of trades
    with CaptureQueriesContext(connection) as stale_check:
        stale_proposal_ids([Proposal.objects.get(pk=big)])
    assert queries[0] == queries[1] - (len(stale_check) - 1)  # less the get() above

    with CaptureQueriesContext(connection) as one:
        listed = api.get(f"/api/v1/proposals/?household={world.household.pk}&status=approved")
    assert [p["id"] for p in listed.json()["results"]] == [big]
    with CaptureQueriesContext(connection) as two:
        both = api.get(f"/api/v1/proposals/?household={world.household.pk}")
    assert [p["id"] for p in both.json()["results"]] == [big, small]
    assert both.json()["count"] == 2
    assert len(one) == len(two)
    # A household filter that is not an id is a 400 on it, as the schema's integer says.
    assert api.get("/api/v1/proposals/?household=abc").status_code == 400
    unfiltered = api.get("/api/v1/proposals/").json()["count"]
    assert api.get("/api/v1/proposals/?household=").json()["count"] == unfiltered
    mine = api.get(proposals_url(world)).json()
    assert mine["count"] == 2


def test_idempotency_key_returns_the_first_proposal(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    body = {"as_of": AS_OF.isoformat()}
    first = api.post(proposals_url(world), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post(proposals_url(world), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert Proposal.objects.count() == 1


def test_an_unknown_proposal_is_404(world: World, api_as: Any) -> None:
    assert api_as("owner").get("/api/v1/proposals/999999/").status_code == 404
    assert api_as("owner").post("/api/v1/proposals/999999/approve/").status_code == 404


def test_a_large_household_is_computed_later(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot], settings: Any
) -> None:
    # Tasks run eagerly here and on_commit callbacks run when the test says so.
    settings.PROPOSAL_ASYNC_LOT_THRESHOLD = 2  # the household has 4 lots
    api = api_as("owner")
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = propose(api, world)
        assert response.status_code == 202
        assert response.json() == {"id": response.json()["id"], "status": "pending"}
        assert Proposal.objects.get(pk=response.json()["id"]).status == ProposalStatus.PENDING
    body = api.get(f"/api/v1/proposals/{response.json()['id']}/").json()
    assert body["status"] == "draft"
    assert body["trades"]
    assert [(e["action"], e["actor"]) for e in body["audit"]] == [
        ("created", world.user("owner").pk),
        ("computed", None),
    ]


def test_a_large_household_without_a_location_plan_is_refused_before_the_202(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot], settings: Any
) -> None:
    settings.PROPOSAL_ASYNC_LOT_THRESHOLD = 2
    response = propose(api_as("owner"), world, location="plan")
    assert response.status_code == 400
    assert response.json()["code"] == "no_location_plan"
    assert not Proposal.objects.exists()


def test_a_computation_that_fails_is_stored_as_failed_and_never_retried(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot], settings: Any
) -> None:
    from unittest import mock

    from django.test import TestCase

    from advisory.api_errors import DomainError
    from policies.proposals.services import proposal_compute

    settings.PROPOSAL_ASYNC_LOT_THRESHOLD = 2
    broken = mock.patch(
        "policies.proposals.services.run_engine", side_effect=DomainError("The solver gave up.")
    )
    with broken, TestCase.captureOnCommitCallbacks(execute=True):
        proposal_id = propose(api_as("owner"), world).json()["id"]

    body = api_as("owner").get(f"/api/v1/proposals/{proposal_id}/").json()
    assert (body["status"], body["error"], body["trades"]) == ("failed", "The solver gave up.", [])
    assert [e["action"] for e in body["audit"]] == ["created", "failed"]
    assert proposal_compute(proposal_id=proposal_id) == "failed"  # idempotent: left alone
    assert api_as("owner").post(f"/api/v1/proposals/{proposal_id}/approve/").status_code == 409
    orders = api_as("owner").get(f"/api/v1/proposals/{proposal_id}/orders.csv")
    assert orders.status_code == 409

"""Executing a proposal: the book afterwards is exactly the book before plus the proposal.

The expected lots, cash and transactions are rebuilt here from the initial
state and the proposal's rows (trades and lot reliefs) with the rules of
docs/DOMAIN.md, never read back from the execution code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from advisory.engine.lots import holding_term
from policies.models import InvestmentPolicy
from policies.proposals.models import (
    AuditAction,
    AuditEvent,
    Proposal,
    ProposalStatus,
    ProposalTrade,
)
from policies.services import TargetDraft
from portfolios.models import Account, Household, Lot, Transaction
from tests.conftest import World
from tests.factories import LotFactory
from tests.policies.conftest import make_policy
from tests.policies.proposals.drifted import AS_OF, DRIFTED_TARGETS, propose

CENT = Decimal("0.01")


@dataclass(frozen=True)
class LotRow:
    account_id: int
    security_id: int
    quantity: Decimal
    cost_basis: Decimal
    acquired_on: Any


def _book(world: World) -> tuple[dict[int, LotRow], dict[int, Decimal], set[int]]:
    lots = {
        lot.pk: LotRow(
            lot.account_id, lot.security_id, lot.quantity, lot.cost_basis, lot.acquired_on
        )
        for lot in Lot.objects.filter(account__household=world.household)
    }
    cash = dict(Account.objects.filter(household=world.household).values_list("pk", "cash"))
    txns = set(
        Transaction.objects.filter(account__household=world.household).values_list("pk", flat=True)
    )
    return lots, cash, txns


def _approve_and_execute(api: Any, proposal_id: int) -> Any:
    approved = api.post(f"/api/v1/proposals/{proposal_id}/approve/")
    assert approved.status_code == 200, approved.json()
    return api.post(f"/api/v1/proposals/{proposal_id}/execute/")


def test_execution_leaves_lots_cash_and_transactions_exactly_as_proposed(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    # given: a proposal that sells one lot whole and one in part, buys, and moves cash
    api = api_as("owner")
    ira = world.household.accounts.get(name="Ann IRA")
    taxable = world.household.accounts.get(name="Joint brokerage")
    flows = {ira.pk: Decimal("2000.00"), taxable.pk: Decimal("-500.00")}
    response = propose(
        api, world, cash_flows=[{"account": a, "amount": str(v)} for a, v in flows.items()]
    )
    assert response.status_code == 201, response.json()
    proposal = Proposal.objects.get(pk=response.json()["id"])
    trades = list(ProposalTrade.objects.filter(proposal=proposal).prefetch_related("lots"))
    reliefs = [(t, r) for t in trades for r in t.lots.all()]
    assert any(t.side == "buy" for t in trades)
    lots_before, cash_before, txns_before = _book(world)
    sold_whole = [r for _, r in reliefs if r.quantity == lots_before[r.lot_number].quantity]
    sold_part = [r for _, r in reliefs if r.quantity < lots_before[r.lot_number].quantity]
    assert sold_whole  # both paths of the relief are exercised
    assert sold_part
    household = Household.objects.get(pk=world.household.pk)

    # when
    executed = _approve_and_execute(api, proposal.pk)

    # then: lots
    assert executed.status_code == 200, executed.json()
    assert executed.json()["status"] == "executed"
    expected_lots = dict(lots_before)
    for trade, relief in reliefs:
        lot = expected_lots.pop(relief.lot_number)
        assert (lot.account_id, lot.security_id) == (trade.account_id, trade.security_id)
        # the gain is the book's: qty * (price - basis / quantity), in cents
        basis_share = lot.cost_basis * relief.quantity / lot.quantity
        assert relief.gain == (relief.quantity * trade.price - basis_share).quantize(CENT)
        assert relief.term == holding_term(lot.acquired_on, AS_OF)
        left = lot.quantity - relief.quantity
        if left:
            basis_left = lot.cost_basis - basis_share.quantize(CENT)
            expected_lots[relief.lot_number] = LotRow(
                lot.account_id, lot.security_id, left, basis_left, lot.acquired_on
            )
    lots_after, cash_after, txns_after = _book(world)
    new_lots = {pk: row for pk, row in lots_after.items() if pk not in lots_before}
    assert {pk: row for pk, row in lots_after.items() if pk in lots_before} == expected_lots
    bought = sorted(
        (t.account_id, t.security_id, t.quantity, t.amount, AS_OF)
        for t in trades
        if t.side == "buy"
    )
    assert sorted(tuple(vars(row).values()) for row in new_lots.values()) == bought
    assert not Lot.objects.filter(quantity__lte=0).exists()

    # then: cash = before + flows + sales - buys, never below zero, as the proposal said
    expected_cash = {a: c + flows.get(a, Decimal(0)) for a, c in cash_before.items()}
    for trade in trades:
        expected_cash[trade.account_id] += trade.amount if trade.side == "sell" else -trade.amount
    assert cash_after == expected_cash
    assert {str(a): str(c) for a, c in cash_after.items()} == proposal.cash_after

    # then: transactions, one per lot relieved, buy and cash flow
    new = Transaction.objects.filter(pk__in=txns_after - txns_before)
    sells = {t.description.split("lot ")[1].split(" ")[0]: t for t in new if t.kind == "sell"}
    assert len(sells) == len(reliefs)
    for trade, relief in reliefs:
        txn = sells[str(relief.lot_number)]
        assert (txn.account_id, txn.security_id, txn.quantity) == (
            trade.account_id,
            trade.security_id,
            relief.quantity,
        )
        assert txn.realized_gain == (relief.gain if trade.taxable else None)
        assert txn.trade_date == AS_OF
    for trade in trades:
        if trade.side == "sell":
            lot_ids = {str(r.lot_number) for r in trade.lots.all()}
            assert sum(sells[i].amount for i in lot_ids) == trade.amount
    buys = sorted(
        (t.account_id, t.security_id, t.quantity, t.amount) for t in new if t.kind == "buy"
    )
    assert buys == sorted(
        (t.account_id, t.security_id, t.quantity, -t.amount) for t in trades if t.side == "buy"
    )
    moved = sorted((t.account_id, t.kind, t.amount) for t in new if t.security_id is None)
    assert moved == sorted(
        [(taxable.pk, "withdrawal", Decimal("-500.00")), (ira.pk, "deposit", Decimal("2000.00"))]
    )
    assert len(new) == len(reliefs) + len(buys) + 2

    # then: this year's realised gains grew by the taxable gains, by term
    short = sum((r.gain for t, r in reliefs if t.taxable and r.term == "short"), Decimal(0))
    long = sum((r.gain for t, r in reliefs if t.taxable and r.term == "long"), Decimal(0))
    assert (short, long) == (proposal.short_term_gain, proposal.long_term_gain)
    household.refresh_from_db()
    assert household.realized_st_ytd == Decimal("0.00") + short
    assert household.realized_lt_ytd == Decimal("0.00") + long
    assert InvestmentPolicy.objects.get(pk=proposal.policy_id).last_rebalanced_on == AS_OF


def test_the_drifted_proposal_is_the_hand_checked_one(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    # Joint brokerage VTI: 140 sh at $250 = $35,000 of a $74,600 household; the 30%
    # target keeps $22,380, so $12,620 is sold: the 40 sh loss lot ($10,000, a loss
    # of 40 * 250 - 12,000 = -2,000) whole, then 10.48 sh of the 2020 lot
    # (gain 10.48 * (250 - 150) = 1,048). Net long-term -952; no gains this year: tax 0.
    # With $10,000 of long-term gains realised this year, the loss saves 952 * 15% = 142.80.
    body = propose(api_as("owner"), world, realized_lt_ytd="10000.00").json()
    sale = next(t for t in body["trades"] if t["side"] == "sell")
    assert (sale["symbol"], sale["quantity"], sale["amount"]) == ("VTI", "50.480000", "12620.00")
    assert sorted((lot["quantity"], lot["gain"]) for lot in sale["lots"]) == [
        ("10.480000", "1048.00"),
        ("40.000000", "-2000.00"),
    ]
    assert body["long_term_gain"] == "-952.00"
    assert body["short_term_gain"] == "0.00"
    assert body["estimated_tax"] == "-142.80"
    assert body["tax_value"] == "142.80"
    after = {row["asset_class"]: row["current"] for row in body["drift_after"]["rows"]}
    assert after["us_equity"] == "0.300000"


def test_the_ips_cash_reserve_is_kept_in_the_taxable_account_and_not_spent(
    world: World, api_as: Any
) -> None:
    # given: an IPS keeping a $5,000 reserve; the Joint brokerage (taxable) has $5,000
    # of free cash and the IRA $1,000, so the whole reserve is set aside in the brokerage
    LotFactory(
        account=world.household.accounts.get(name="Joint brokerage"),
        security=world.securities["VTI"],
        quantity=Decimal("40"),
        cost_basis=Decimal("12000.00"),
        acquired_on=AS_OF.replace(year=2025, month=1, day=10),
    )
    make_policy(
        world,
        targets=tuple(TargetDraft(code, w) for code, w in DRIFTED_TARGETS.items()),
        cash_reserve=Decimal("5000.00"),
    )
    brokerage = world.household.accounts.get(name="Joint brokerage")
    # when: a rebalance to the targets is proposed
    body = propose(api_as("owner"), world).json()
    # then: the brokerage ends with at least the reserve, and the reserve is out of the weights
    assert Decimal(body["cash_after"][str(brokerage.pk)]) >= Decimal("5000.00")
    assert Decimal(body["drift_before"]["total_value"]) == Decimal("74600.00") - Decimal("5000")


def test_execution_that_would_overdraw_cash_is_refused_and_writes_nothing(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    # A $30,000 withdrawal from the IRA, which holds $1,000 cash and $21,600 of BND:
    # no plan can fund it. It used to become a draft leaving the IRA at -29,000 that an
    # advisor could approve; now the request is refused and nothing is written.
    api = api_as("owner")
    ira = world.household.accounts.get(name="Ann IRA")
    before = _book(world)

    refused = propose(api, world, cash_flows=[{"account": ira.pk, "amount": "-30000.00"}])

    assert refused.status_code == 400
    (message,) = refused.json()["cash_flows"]["0"]["amount"]
    assert message == (
        "Ann IRA can pay at most $22,600.00 (its cash above the reserve and all it holds), "
        "not $30,000.00."
    )
    assert _book(world) == before
    assert not Proposal.objects.exists()


def test_a_stale_proposal_is_refused_at_approval_and_at_execution(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    second = Proposal.objects.get(pk=propose(api, world).json()["id"])
    assert api.post(f"/api/v1/proposals/{second.pk}/approve/").status_code == 200
    first = Proposal.objects.get(pk=propose(api, world).json()["id"])  # a draft again

    # the book changes: a new lot is recorded (prices alone would not matter)
    LotFactory(
        account=world.household.accounts.get(name="Ann IRA"),
        security=world.securities["BND"],
        quantity=Decimal("1"),
        cost_basis=Decimal("70.00"),
    )
    before = _book(world)

    approve = api.post(f"/api/v1/proposals/{first.pk}/approve/")
    execute = api.post(f"/api/v1/proposals/{second.pk}/execute/")

    assert (approve.status_code, execute.status_code) == (409, 409)
    assert approve.json()["code"] == execute.json()["code"] == "stale_proposal"
    assert _book(world) == before
    assert Proposal.objects.get(pk=first.pk).status == ProposalStatus.DRAFT
    assert Proposal.objects.get(pk=second.pk).status == ProposalStatus.APPROVED


@pytest.mark.parametrize(
    "change",
    [
        "cash",
        "reserve",
        "realized",
        "carryforward",
        "lot_quantity",
        "lot_basis",
        "lot_deleted",
        "transaction",
    ],
)
def test_every_part_of_the_book_makes_a_proposal_stale(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot], change: str
) -> None:
    api = api_as("owner")
    proposal_id = propose(api, world).json()["id"]
    household, (_, loss_lot) = world.household, drifted
    account = household.accounts.get(name="Joint brokerage")
    if change == "cash":
        Account.objects.filter(pk=account.pk).update(cash=Decimal("4999.99"))
    elif change == "reserve":
        Account.objects.filter(pk=account.pk).update(cash_reserve=Decimal("1.00"))
    elif change == "realized":
        Household.objects.filter(pk=household.pk).update(realized_st_ytd=Decimal("1.00"))
    elif change == "carryforward":
        Household.objects.filter(pk=household.pk).update(carryforward_lt=Decimal("1.00"))
    elif change == "lot_quantity":
        Lot.objects.filter(pk=loss_lot.pk).update(quantity=Decimal("39.5"))
    elif change == "lot_basis":
        Lot.objects.filter(pk=loss_lot.pk).update(cost_basis=Decimal("11999.99"))
    elif change == "lot_deleted":
        Lot.objects.filter(pk=loss_lot.pk).delete()
    else:
        Transaction.objects.create(
            account=account,
            security=world.securities["ITOT"],
            kind="reinvest",
            trade_date=AS_OF,
            quantity=Decimal("0.1"),
            amount=Decimal("-11.00"),
        )
    assert api.post(f"/api/v1/proposals/{proposal_id}/approve/").status_code == 409


def test_a_price_change_alone_does_not_make_a_proposal_stale(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    proposal_id = propose(api, world).json()["id"]
    world.securities["VTI"].price = Decimal("251")
    world.securities["VTI"].save()
    assert api.post(f"/api/v1/proposals/{proposal_id}/approve/").status_code == 200


def test_a_new_ips_version_makes_a_rebalance_stale(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    proposal_id = propose(api, world).json()["id"]
    make_policy(world, rationale="Revised after the annual review.")
    refused = api.post(f"/api/v1/proposals/{proposal_id}/approve/")
    assert refused.status_code == 409
    assert "IPS" in refused.json()["detail"]


def test_every_state_change_is_audited_and_the_trail_is_append_only(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    proposal_id = propose(api, world).json()["id"]
    body = _approve_and_execute(api, proposal_id).json()

    trail = [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in body["audit"]]
    owner = world.user("owner").pk
    assert trail == [
        ("created", "", "draft", owner),
        ("approved", "draft", "approved", owner),
        ("executed", "approved", "executed", owner),
    ]
    executed = AuditEvent.objects.get(proposal_id=proposal_id, action=AuditAction.EXECUTED)
    assert (
        executed.detail["transactions"]
        == Transaction.objects.filter(description__startswith=f"Proposal {proposal_id}").count()
    )

    # the database itself refuses to rewrite or erase the trail, whatever the ORM does
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=executed.pk).update(action="rejected")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=executed.pk).delete()
    executed.detail = {}
    with pytest.raises(DatabaseError), transaction.atomic():
        executed.save()
    assert AuditEvent.objects.get(pk=executed.pk).action == AuditAction.EXECUTED


def test_a_household_with_an_audit_trail_is_kept(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    propose(api_as("owner"), world)
    trail = AuditEvent.objects.filter(household=world.household).count()
    assert trail > 0
    # DELETE archives (issue 13): the household and its audit trail are both kept.
    response = api_as("admin").delete(f"/api/v1/households/{world.household.pk}/")
    assert response.status_code == 204
    assert Household.all_objects.get(pk=world.household.pk).archived_at is not None
    assert AuditEvent.objects.filter(household_id=world.household.pk).count() == trail


def test_tax_advantaged_sales_record_no_realised_gain(
    world: World, api_as: Any, active_policy: InvestmentPolicy
) -> None:
    # The IRA's BND (300 sh at $72, $21,600) is all the bonds: a 10% bond target
    # sells bonds inside the IRA, where a sale is not a tax event.
    weights = {"us_equity": "0.55", "intl_equity": "0.30", "us_bonds": "0.10", "cash": "0.05"}
    targets = tuple(TargetDraft(code, Decimal(w)) for code, w in weights.items())
    make_policy(world, targets=targets, rationale="Less in bonds.")
    api = api_as("owner")
    proposal_id = propose(api, world).json()["id"]
    trades = ProposalTrade.objects.filter(proposal_id=proposal_id, side="sell")
    assert trades
    assert all(not t.taxable for t in trades)
    household = Household.objects.get(pk=world.household.pk)
    assert _approve_and_execute(api, proposal_id).status_code == 200
    sells = Transaction.objects.filter(kind="sell", account__household=world.household)
    assert sells
    assert all(t.realized_gain is None for t in sells)
    household.refresh_from_db()
    assert (household.realized_st_ytd, household.realized_lt_ytd) == (Decimal("0"), Decimal("0"))

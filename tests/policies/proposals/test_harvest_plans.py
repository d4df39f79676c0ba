"""Tax-loss harvest proposals and implementation plans (monthly tranches) through the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from advisory.celery import app
from policies.models import InvestmentPolicy
from policies.proposals.models import (
    AuditEvent,
    ImplementationPlan,
    ImplementationTranche,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from policies.proposals.plans import create_due_tranche_proposals
from portfolios.models import Lot, Security, TransactionKind
from tests.conftest import World
from tests.factories import SecurityFactory, TransactionFactory
from tests.policies.conftest import make_policy
from tests.policies.proposals.drifted import AS_OF, propose

pytestmark = pytest.mark.django_db


# --- harvest ----------------------------------------------------------------------------------


@pytest.fixture
def ixus(world: World) -> Security:
    """A substitute for VXUS: international equity in another substitute group."""
    return SecurityFactory(
        firm=world.firm,
        symbol="IXUS",
        asset_class=world.classes["intl_equity"],
        substitute_group="intl_core",
        price=Decimal("50"),
    )


def test_harvest_sells_the_loss_lot_and_buys_the_substitute(
    world: World, api_as: Any, active_policy: InvestmentPolicy, ixus: Security
) -> None:
    # The Joint brokerage's VXUS: 200 sh bought 2026-06-01 for $13,000, now $60:
    # a short-term loss of 200 * 60 - 13,000 = -1,000, 7.7% of the basis.
    # Proceeds $12,000 buy 240 sh of IXUS at $50 in the same account.
    # With $5,000 of short-term gains this year at t_ord 35%: T(5,000, 0) = 1,750,
    # T(4,000, 0) = 1,400, so the harvest is worth $350 this year.
    body = propose(
        api_as("owner"),
        world,
        kind="harvest",
        min_loss_dollars="500",
        min_loss_percent="0.05",
        realized_st_ytd="5000.00",
    ).json()

    assert body["kind"] == "harvest"
    trades = [(t["side"], t["symbol"], t["quantity"], t["amount"]) for t in body["trades"]]
    assert trades == [
        ("sell", "VXUS", "200.000000", "12000.00"),
        ("buy", "IXUS", "240.000000", "12000.00"),
    ]
    assert body["trades"][0]["lots"][0]["gain"] == "-1000.00"
    assert body["trades"][0]["lots"][0]["term"] == "short"
    assert body["losses_harvested"] == "1000.00"
    assert body["short_term_gain"] == "-1000.00"
    assert body["tax_value"] == "350.00"
    assert body["estimated_tax"] == "-350.00"
    assert any("IRAs included" in note for note in body["notes"])


@pytest.mark.parametrize(
    ("dollars", "percent"),
    [("1000.01", "0"), ("0", "0.08")],  # the loss is $1,000 and 1,000 / 13,000 = 7.69%
)
def test_harvest_thresholds_are_dollars_and_percent(
    world: World,
    api_as: Any,
    active_policy: InvestmentPolicy,
    ixus: Security,
    dollars: str,
    percent: str,
) -> None:
    body = propose(
        api_as("owner"), world, kind="harvest", min_loss_dollars=dollars, min_loss_percent=percent
    ).json()
    assert body["trades"] == []
    assert body["losses_harvested"] == "0.00"


def test_harvest_respects_a_purchase_in_the_ira_household_wide(
    world: World, api_as: Any, active_policy: InvestmentPolicy, ixus: Security
) -> None:
    # A dividend reinvested into VXUS's group in the IRA ten days ago is a purchase:
    # selling the taxable VXUS lot at a loss now would be a wash sale.
    TransactionFactory(
        account=world.household.accounts.get(name="Ann IRA"),
        security=world.securities["VXUS"],
        kind=TransactionKind.REINVEST,
        trade_date=date(2026, 11, 16),
        quantity=Decimal("1"),
        amount=Decimal("-60.00"),
    )
    body = propose(api_as("owner"), world, kind="harvest").json()

    assert body["trades"] == []
    assert [b["substitute_group"] for b in body["wash_sale_blocks"]] == ["intl_total"]
    assert body["wash_sale_blocks"][0]["until"] == "2026-12-17"


# --- implementation plans -----------------------------------------------------------------------


def plans_url(world: World) -> str:
    return f"/api/v1/households/{world.household.pk}/implementation-plans/"


def create_plan(api: Any, world: World, **body: Any) -> Any:
    fields = {"months": 3, "start": "2026-12-01", "as_of": AS_OF.isoformat(), **body}
    return api.post(plans_url(world), fields, format="json")


def test_a_plan_splits_the_move_into_monthly_tranches(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    response = create_plan(api_as("owner"), world, start="2027-01-31")

    assert response.status_code == 201, response.json()
    plan = response.json()
    assert (plan["months"], plan["status"], plan["as_of"]) == (3, "active", "2026-11-26")
    # due dates keep the day, clamped to the month's end
    assert [t["due_on"] for t in plan["tranches"]] == ["2027-01-31", "2027-02-28", "2027-03-31"]
    assert all(t["proposal"] is None for t in plan["tranches"])
    # the estimate: tranches add up to the whole move, VTI's 50.48 sh sale in thirds
    sales = [
        trade["quantity"]
        for tranche in plan["tranches"]
        for trade in tranche["trades"]
        if trade["symbol"] == "VTI"
    ]
    assert sum(Decimal(q) for q in sales) == Decimal("50.48")
    turnover = sum(Decimal(t["amount"]) for tranche in plan["tranches"] for t in tranche["trades"])
    assert turnover == Decimal(plan["turnover"])
    listed = api_as("owner").get(plans_url(world)).json()
    assert [p["id"] for p in listed["results"]] == [plan["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"months": 7}, "months"),
        ({"months": 2}, "months"),
        ({"start": "2026-11-25"}, "start"),  # before the plan's date
        ({"mode": "sometimes"}, "mode"),
        ({"do_not_buy": [987654]}, "do_not_buy"),
    ],
)
def test_bad_plans_answer_400_and_create_nothing(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot], body: Any, field: str
) -> None:
    response = create_plan(api_as("owner"), world, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not ImplementationPlan.objects.exists()


def test_due_tranches_become_proposals_once(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    plan_id = create_plan(api_as("owner"), world).json()["id"]

    assert create_due_tranche_proposals(as_of=date(2026, 11, 30)) == {}
    first = create_due_tranche_proposals(as_of=date(2026, 12, 1))
    again = create_due_tranche_proposals(as_of=date(2026, 12, 1))

    assert (first, again) == ({"draft": 1}, {})
    tranche = ImplementationTranche.objects.get(plan_id=plan_id, number=1)
    proposal = Proposal.objects.get(pk=tranche.proposal_id)
    assert (proposal.kind, proposal.status, proposal.tranche_number) == ("tranche", "draft", 1)
    assert proposal.as_of == date(2026, 12, 1)
    # 1/3 of the way: US equity is 35,000 / 74,600 = 0.469169 of the household and
    # its target 0.30, so the first tranche ends at 0.469169 - 0.169169 / 3 = 0.412779
    # (drift still shown against the IPS's 0.30).
    after = {row["asset_class"]: row for row in proposal.drift_after["rows"]}
    assert after["us_equity"]["current"] == "0.412779"
    assert after["us_equity"]["target"] == "0.300000"
    assert proposal.notes[0] == "Tranche 1 of 3: moves 1/3 of the remaining way to the IPS targets"

    # two months on, both remaining tranches are due; the last goes all the way
    assert create_due_tranche_proposals(as_of=date(2027, 2, 1)) == {"draft": 2}
    last = Proposal.objects.get(implementation_plan_id=plan_id, tranche_number=3)
    after = {row["asset_class"]: row["current"] for row in last.drift_after["rows"]}
    assert after["us_equity"] == "0.300000"
    assert ImplementationPlan.objects.get(pk=plan_id).status == "completed"
    actions = list(
        AuditEvent.objects.filter(implementation_plan_id=plan_id).values_list("action", flat=True)
    )
    assert actions == [
        "plan_created",
        "tranche_proposed",
        "tranche_proposed",
        "tranche_proposed",
        "plan_completed",
    ]


def test_a_tranche_proposal_can_be_approved_and_executed(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    create_plan(api, world)
    create_due_tranche_proposals(as_of=date(2026, 12, 1))
    proposal = Proposal.objects.get(kind=ProposalKind.TRANCHE)
    assert api.post(f"/api/v1/proposals/{proposal.pk}/approve/").status_code == 200
    assert api.post(f"/api/v1/proposals/{proposal.pk}/execute/").status_code == 200
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EXECUTED


def test_a_new_ips_cancels_the_plan_instead_of_proposing(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    plan_id = create_plan(api_as("owner"), world).json()["id"]
    make_policy(world, rationale="New targets after the review.")

    assert create_due_tranche_proposals(as_of=date(2026, 12, 1)) == {"cancelled": 1}
    assert ImplementationPlan.objects.get(pk=plan_id).status == "cancelled"
    assert not Proposal.objects.exists()


def test_a_new_plan_cancels_the_active_one(
    world: World, api_as: Any, drifted: tuple[InvestmentPolicy, Lot]
) -> None:
    api = api_as("owner")
    first = create_plan(api, world).json()["id"]
    second = create_plan(api, world, months=6).json()["id"]
    statuses = dict(ImplementationPlan.objects.values_list("pk", "status"))
    assert statuses == {first: "cancelled", second: "active"}


def test_the_schedule_runs_every_day_on_the_worker() -> None:
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "policies.create_due_tranches" in tasks
    app.loader.import_default_modules()
    assert {"policies.create_due_tranches", "policies.compute_proposal"} <= set(app.tasks)

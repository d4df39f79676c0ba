"""The proposal pages: the request forms, a proposal, its buttons, the lists and the queue.

The household is the world's, with an IPS that makes it sell US equity: the
Joint brokerage holds VTI in two lots (100 sh bought 2020 for $15,000, a
long-term gain at $250; 40 sh bought 2025-01-10 for $12,000, a long-term
loss), so a rebalance sells VTI with lots relieved and buys bonds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from policies.models import InvestmentPolicy
from policies.proposals.models import (
    AuditEvent,
    HoldingTerm,
    ImplementationPlan,
    Proposal,
    ProposalLotRelief,
    ProposalStatus,
    ProposalTrade,
    TradeSide,
)
from policies.proposals.plans import implementation_plan_create
from policies.proposals.services import ProposalRequest, proposal_approve, proposal_create
from policies.services import TargetDraft
from portfolios.models import Account, Lot, Transaction
from tests.conftest import CAN_EDIT_POLICY, CAN_VIEW, PERSONAS, World
from tests.factories import LotFactory, SecurityFactory
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 26)
TARGETS = {
    "us_equity": Decimal("0.30"),
    "intl_equity": Decimal("0.20"),
    "us_bonds": Decimal("0.45"),
    "cash": Decimal("0.05"),
}
STALE = "The household changed since this proposal was computed; compute a new one."
CAN_SEE_QUEUE = {"owner", "teammate", "other_advisor", "admin", "operations"}


def drifted_policy(world: World) -> InvestmentPolicy:
    LotFactory(
        account=world.household.accounts.get(name="Joint brokerage"),
        security=world.securities["VTI"],
        quantity=Decimal("40"),
        cost_basis=Decimal("12000.00"),
        acquired_on=date(2025, 1, 10),
    )
    return make_policy(world, targets=tuple(TargetDraft(code, w) for code, w in TARGETS.items()))


def propose(world: World, **options: Any) -> Proposal:
    options.setdefault("as_of", AS_OF)
    return proposal_create(
        household=world.household, user=world.user("owner"), request=ProposalRequest(**options)
    )


@pytest.fixture
def proposal(world: World) -> Proposal:
    drifted_policy(world)
    return propose(world)


def form_body(world: World, **fields: Any) -> dict[str, Any]:
    """A valid POST of the rebalance form (the household's tax position as prefilled)."""
    body: dict[str, Any] = {
        "mode": "target",
        "location": "household",
        "as_of": AS_OF.isoformat(),
        "allow_short_term": "on",
        "gain_budget": "",
        "min_trade": "0",
        "realized_st_ytd": "0",
        "realized_lt_ytd": "0",
        "carryforward_st": "0",
        "carryforward_lt": "0",
    }
    body.update(fields)
    return body


def book(world: World) -> tuple[Any, ...]:
    """What a refused write must leave alone: lots, cash, transactions, statuses."""
    return (
        tuple(Lot.objects.order_by("pk").values_list("pk", "quantity", "cost_basis")),
        tuple(Account.objects.order_by("pk").values_list("pk", "cash")),
        Transaction.objects.count(),
        tuple(Proposal.objects.order_by("pk").values_list("pk", "status")),
        AuditEvent.objects.count(),
        ImplementationPlan.objects.count(),
    )


# --- the access matrix -----------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    url: Any  # (world, proposal) -> str
    allowed: frozenset[str]
    ok: frozenset[int] = frozenset({200})
    body: Any = None  # world -> dict
    client_sees: bool = True  # False: clients get 404 rather than 403 (not theirs to see)

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


VIEW = frozenset(CAN_VIEW)
EDIT = frozenset(CAN_EDIT_POLICY)
STAFF = frozenset(CAN_VIEW - {"client"})


def _hh(world: World, _: Proposal) -> int:
    return world.household.pk


PAGES = (
    Page("proposal_new", "get", lambda w, p: reverse("proposal_new", args=[_hh(w, p)]), EDIT),
    Page(
        "proposal_new",
        "post",
        lambda w, p: reverse("proposal_new", args=[_hh(w, p)]),
        EDIT,
        ok=frozenset({302}),
        body=form_body,
    ),
    Page(
        "proposal_harvest_new",
        "get",
        lambda w, p: reverse("proposal_harvest_new", args=[_hh(w, p)]),
        EDIT,
    ),
    Page(
        "implementation_plan_new",
        "get",
        lambda w, p: reverse("implementation_plan_new", args=[_hh(w, p)]),
        EDIT,
    ),
    Page(
        "household_proposals",
        "get",
        lambda w, p: reverse("household_proposals", args=[_hh(w, p)]),
        VIEW,
    ),
    # The proposal is a draft: clients see approved and executed ones only.
    Page(
        "proposal_detail",
        "get",
        lambda w, p: reverse("proposal_detail", args=[p.pk]),
        STAFF,
        client_sees=False,
    ),
    Page(
        "proposal_approve",
        "post",
        lambda w, p: reverse("proposal_approve", args=[p.pk]),
        EDIT,
        ok=frozenset({302}),
        client_sees=False,
    ),
    Page(
        "proposal_reject",
        "post",
        lambda w, p: reverse("proposal_reject", args=[p.pk]),
        EDIT,
        ok=frozenset({302}),
        client_sees=False,
    ),
    Page(
        "proposal_orders",
        "get",
        lambda w, p: reverse("proposal_orders", args=[p.pk]),
        STAFF,
        client_sees=False,
    ),
    Page(
        "proposal_document",
        "get",
        lambda w, p: reverse("proposal_document", args=[p.pk]),
        STAFF,
        client_sees=False,
    ),
)


def _expected(persona: str, page: Page) -> set[int]:
    if persona == "anonymous":
        return {302}
    if persona not in CAN_VIEW or (persona == "client" and not page.client_sees):
        return {404}
    if persona not in page.allowed:
        return {403}
    return set(page.ok)


@pytest.mark.parametrize("page", PAGES, ids=str)
@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(
    world: World, client_as: Any, proposal: Proposal, persona: str, page: Page
) -> None:
    url = page.url(world, proposal)
    writes = page.method == "post"
    before = book(world)
    client = client_as(persona)
    if writes:
        response = client.post(url, page.body(world) if page.body else {})
    else:
        response = client.get(url)
    expected = _expected(persona, page)
    assert response.status_code in expected, (persona, url, response.status_code)
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if writes and expected != set(page.ok):
        assert book(world) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_execute_access(world: World, client_as: Any, proposal: Proposal, persona: str) -> None:
    proposal_approve(proposal=proposal, user=world.user("owner"))
    before = book(world)
    response = client_as(persona).post(reverse("proposal_execute", args=[proposal.pk]))
    if persona == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif persona in CAN_EDIT_POLICY:
        assert response.status_code == 302
        assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EXECUTED
        return
    elif persona in CAN_VIEW:
        assert response.status_code == 403  # the client sees an approved proposal, acts on none
    else:
        assert response.status_code == 404
    assert book(world) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_clients_read_approved_proposals_only(
    world: World, client_as: Any, proposal: Proposal, persona: str
) -> None:
    proposal_approve(proposal=proposal, user=world.user("owner"))
    client = client_as(persona)
    response = client.get(reverse("proposal_detail", args=[proposal.pk]))
    if persona == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == (200 if persona in CAN_VIEW else 404)
    if persona == "client":
        html = response.content.decode()
        assert "Trades by account" in html
        assert ">Execute<" not in html
        assert "Orders (CSV)" not in html
        orders = client.get(reverse("proposal_orders", args=[proposal.pk]))
        assert orders.status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_queue_access(world: World, client_as: Any, proposal: Proposal, persona: str) -> None:
    response = client_as(persona).get(reverse("proposal_queue"))
    if persona == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif persona in CAN_SEE_QUEUE:
        assert response.status_code == 200
    else:  # clients and an advisor of another firm... who sees an empty queue
        assert response.status_code == (200 if persona == "foreign_advisor" else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_implementation_plan_access(world: World, client_as: Any, persona: str) -> None:
    drifted_policy(world)
    plan = implementation_plan_create(
        household=world.household,
        user=world.user("owner"),
        months=4,
        start=date(2026, 12, 1),
        request=ProposalRequest(as_of=AS_OF),
    )
    response = client_as(persona).get(reverse("implementation_plan_detail", args=[plan.pk]))
    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if persona in STAFF else 404)


# --- requesting a proposal ---------------------------------------------------------------------


def test_the_form_has_a_cash_flow_per_account_and_the_tax_position_prefilled(
    world: World, client_as: Any
) -> None:
    drifted_policy(world)
    world.household.realized_lt_ytd = Decimal("1234.50")
    world.household.save()
    html = client_as("owner").get(reverse("proposal_new", args=[world.household.pk])).content
    html = html.decode()
    for account in world.household.accounts.all():
        assert f'name="cash_flow_{account.pk}"' in html
    assert 'name="realized_lt_ytd" value="1234.5"' in html
    assert f'name="as_of" value="{date.today().isoformat()}"' in html  # noqa: DTZ011
    assert "Jones brokerage" not in html  # another household's account is no choice
    assert 'name="do_not_buy"' in html


def test_propose_round_trip(world: World, client_as: Any) -> None:
    # given a household that must sell US equity
    drifted_policy(world)
    ira = world.household.accounts.get(name="Ann IRA")
    client = client_as("owner")
    # when the advisor asks for a proposal with a deposit to the IRA
    response = client.post(
        reverse("proposal_new", args=[world.household.pk]),
        form_body(world, **{f"cash_flow_{ira.pk}": "500"}),
    )
    # then the proposal exists, with the request as typed, and its page shows it
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.options["cash_flows"] == [{"account": ira.pk, "amount": "500.00"}]
    html = client.get(response["Location"]).content.decode()
    assert "Proposal computed: review it, then approve or reject." in html
    assert "Trades by account" in html
    assert "Deposit $500.00" in html
    sale = proposal.trades.get(side=TradeSide.SELL)
    assert f'<span class="symbol">{sale.security.symbol}</span>' in html
    for relief in sale.lots.all():
        assert f"Lot {relief.lot_number} · bought" in html
    assert "Long-term" in html
    assert "Estimated tax" in html
    assert f"{proposal.long_term_gain:,.2f}".lstrip("-") in html
    assert "Drift before and after" in html
    assert 'class="drift-pair"' in html
    assert "Requested: to the targets, household-level, 1 cash flow(s)" in html


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"min_trade": "-5"}, "min_trade"),
        ({"carryforward_st": "-1"}, "carryforward_st"),
        ({"as_of": ""}, "as_of"),
        ({"mode": "sideways"}, "mode"),
        ({"gain_budget": "lots"}, "gain_budget"),
        ({"do_not_buy": ["999999"]}, "do_not_buy"),
        ({"hold_near_long_term_days": "-1"}, "hold_near_long_term_days"),
        ({"hold_near_long_term_days": "400"}, "hold_near_long_term_days"),
    ],
)
def test_bad_input_is_marked_and_nothing_is_created(
    world: World, client_as: Any, fields: dict[str, Any], field: str
) -> None:
    drifted_policy(world)
    response = client_as("owner").post(
        reverse("proposal_new", args=[world.household.pk]), form_body(world, **fields)
    )
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {field}
    assert "Please correct the fields marked below" in response.content.decode()
    assert not Proposal.objects.exists()


def test_another_firms_security_is_no_choice(world: World, client_as: Any) -> None:
    drifted_policy(world)
    foreign = SecurityFactory(firm=world.other_firm, symbol="ZZZ")
    response = client_as("owner").post(
        reverse("proposal_new", args=[world.household.pk]),
        form_body(world, do_not_trade=[str(foreign.pk)]),
    )
    assert response.status_code == 400
    assert "do_not_trade" in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_without_an_ips_the_service_refusal_is_shown(world: World, client_as: Any) -> None:
    response = client_as("owner").post(
        reverse("proposal_new", args=[world.household.pk]), form_body(world)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "has no active Investment Policy Statement" in html
    assert 'class="form-errors"' in html
    assert not Proposal.objects.exists()


def test_the_holding_period_option_reaches_the_request(world: World, client_as: Any) -> None:
    # given a household that must sell US equity
    drifted_policy(world)
    # when the advisor asks to hold lots turning long-term within 45 days
    response = client_as("owner").post(
        reverse("proposal_new", args=[world.household.pk]),
        form_body(world, hold_near_long_term_days="45"),
    )
    # then the proposal was computed with it, and "propose again" offers it back
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert proposal.options["hold_near_long_term_days"] == 45
    url = reverse("proposal_new", args=[world.household.pk])
    again = client_as("owner").get(f"{url}?from={proposal.pk}")
    assert again.context["form"]["hold_near_long_term_days"].value() == 45


def test_propose_again_prefills_the_earlier_options(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    earlier = propose(world, allow_short_term=False, min_trade=Decimal("250"))
    url = reverse("proposal_new", args=[world.household.pk])
    response = client_as("owner").get(f"{url}?from={earlier.pk}")
    form = response.context["form"]
    assert form["min_trade"].value() == Decimal("250")
    assert form["allow_short_term"].value() is False
    assert 'name="min_trade" value="250"' in response.content.decode()


def test_harvest_round_trip_shows_losses_and_tax_value(world: World, client_as: Any) -> None:
    # VXUS: 200 sh bought 2026-06-01 for $13,000, now $60: a $1,000 short-term loss (7.7%).
    drifted_policy(world)
    SecurityFactory(
        firm=world.firm,
        symbol="IXUS",
        asset_class=world.classes["intl_equity"],
        substitute_group="msci_acwi_ex_us",
        price=Decimal("80"),
    )
    client = client_as("owner")
    body = form_body(world, min_loss_dollars="500", min_loss_percent="5", realized_st_ytd="4000")
    response = client.post(reverse("proposal_harvest_new", args=[world.household.pk]), body)
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert proposal.kind == "harvest"
    assert proposal.options["min_loss_percent"] == "0.05"
    # The $1,000 loss nets against the $4,000 short-term gain at 35%: $350 saved.
    assert proposal.losses_harvested == Decimal("1000.00")
    assert proposal.tax_value == Decimal("350.00")
    html = client.get(response["Location"]).content.decode()
    assert "Losses harvested" in html
    assert "$1,000.00" in html
    assert "Tax value this year" in html
    assert "$350.00" in html
    assert '<span class="symbol">IXUS</span>' in html


def test_harvest_thresholds_are_checked(world: World, client_as: Any) -> None:
    drifted_policy(world)
    response = client_as("owner").post(
        reverse("proposal_harvest_new", args=[world.household.pk]),
        form_body(world, min_loss_dollars="-1", min_loss_percent="101"),
    )
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"min_loss_dollars", "min_loss_percent"}
    assert not Proposal.objects.exists()


# --- a proposal's page -----------------------------------------------------------------------


def _buttons(html: str) -> set[str]:
    return {word for word in ("Approve", "Reject", "Execute") if f">{word}</button>" in html}


@pytest.mark.parametrize(
    ("status", "editor_sees"),
    [
        ("draft", {"Approve", "Reject"}),
        ("approved", {"Execute", "Reject"}),
        ("executed", set()),
        ("rejected", set()),
    ],
)
@pytest.mark.parametrize("persona", sorted(CAN_VIEW))
def test_buttons_by_persona_and_status(
    world: World,
    client_as: Any,
    proposal: Proposal,
    persona: str,
    status: str,
    editor_sees: set[str],
) -> None:
    owner = world.user("owner")
    if status in ("approved", "executed"):
        proposal_approve(proposal=proposal, user=owner)
    if status == "executed":
        from policies.proposals.execution import proposal_execute

        proposal_execute(proposal=proposal, user=owner)
    if status == "rejected":
        from policies.proposals.services import proposal_reject

        proposal_reject(proposal=proposal, user=owner)
    response = client_as(persona).get(reverse("proposal_detail", args=[proposal.pk]))
    if persona == "client" and status in ("draft", "rejected"):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert _buttons(html) == (editor_sees if persona in CAN_EDIT_POLICY else set())
    assert html.count("csrfmiddlewaretoken") >= len(_buttons(html))


def test_approve_then_execute_through_the_page_books_the_trades(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    client = client_as("owner")
    sale = proposal.trades.get(side=TradeSide.SELL)
    reliefs = {r.lot_number: r.quantity for r in sale.lots.all()}
    held = dict(Lot.objects.filter(pk__in=reliefs).values_list("pk", "quantity"))
    lots_before = Lot.objects.count()

    response = client.post(reverse("proposal_approve", args=[proposal.pk]), follow=True)
    assert "Proposal approved" in response.content.decode()
    assert _buttons(response.content.decode()) == {"Execute", "Reject"}
    response = client.post(reverse("proposal_execute", args=[proposal.pk]), follow=True)

    html = response.content.decode()
    assert "Proposal executed" in html
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXECUTED
    for lot_id, sold in reliefs.items():
        remaining = Lot.objects.filter(pk=lot_id).values_list("quantity", flat=True).first()
        assert (remaining or Decimal(0)) == held[lot_id] - sold
    buys = proposal.trades.filter(side=TradeSide.BUY).count()
    sold_out = sum(1 for lot_id, sold in reliefs.items() if sold == held[lot_id])
    assert Lot.objects.count() == lots_before + buys - sold_out
    assert Transaction.objects.filter(description=f"Proposal {proposal.pk}").exists()
    assert "Executed" in html  # the audit trail


def test_rejecting_keeps_the_reason_in_the_audit_trail(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    client = client_as("teammate")
    response = client.post(
        reverse("proposal_reject", args=[proposal.pk]), {"reason": "Client prefers January"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    html = client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert "Reason: Client prefers January" in html
    assert world.user("teammate").display_name in html


def test_a_stale_proposal_says_so_and_nothing_changes(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    # given the household's cash moved after the proposal was computed
    Account.objects.filter(name="Joint brokerage").update(cash=Decimal("9000"))
    client = client_as("owner")
    page = client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert STALE in page
    assert _buttons(page) == {"Reject"}
    before = book(world)
    # when someone approves it anyway (an old tab)
    response = client.post(reverse("proposal_approve", args=[proposal.pk]), follow=True)
    # then the page says why and nothing changed
    assert STALE in [str(m) for m in response.context["messages"]]
    assert book(world) == before


def test_executing_a_proposal_that_went_stale_after_approval_changes_nothing(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    proposal_approve(proposal=proposal, user=world.user("owner"))
    Lot.objects.filter(account__name="Joint brokerage").first().delete()
    before = book(world)
    response = client_as("owner").post(reverse("proposal_execute", args=[proposal.pk]), follow=True)
    assert STALE in response.content.decode()
    assert book(world) == before


def test_a_wrong_status_is_a_message_not_an_error(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    response = client_as("owner").post(reverse("proposal_execute", args=[proposal.pk]), follow=True)
    assert response.status_code == 200
    assert "can be executed; this one is draft" in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.DRAFT


def test_a_pending_proposal_polls_until_it_is_computed(
    world: World, client_as: Any, settings: Any
) -> None:
    drifted_policy(world)
    settings.PROPOSAL_ASYNC_LOT_THRESHOLD = 0  # computed by a worker (not run here)
    pending = propose(world)
    assert pending.status == ProposalStatus.PENDING
    client = client_as("owner")
    url = reverse("proposal_detail", args=[pending.pk])
    html = client.get(url).content.decode()
    assert "Computing…" in html
    assert 'hx-trigger="every 2s"' in html
    assert "Trades by account" not in html
    assert "Computing…" in client.get(url, {"fragment": "status"}).content.decode()

    from policies.proposals.services import proposal_compute

    proposal_compute(proposal_id=pending.pk)
    response = client.get(url, {"fragment": "status"})
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    assert "Trades by account" in client.get(url).content.decode()


def test_the_page_costs_the_same_queries_whatever_the_number_of_trades(
    world: World, client_as: Any, proposal: Proposal, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("owner")
    url = reverse("proposal_detail", args=[proposal.pk])
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    # forty more sales, each relieving two lots, in both accounts
    lot = Lot.objects.filter(account__name="Joint brokerage").first()
    assert lot is not None
    start = proposal.trades.count()
    for n in range(40):
        trade = ProposalTrade.objects.create(
            proposal=proposal,
            position=start + n,
            account=world.household.accounts.all()[n % 2],
            security=world.securities["BND"],
            side=TradeSide.SELL,
            quantity=Decimal("2"),
            price=Decimal("72"),
            amount=Decimal("144.00"),
            taxable=n % 2 == 0,
        )
        for _ in range(2):
            ProposalLotRelief.objects.create(
                trade=trade,
                lot=lot,
                lot_number=lot.pk,
                quantity=Decimal("1"),
                gain=Decimal("-3.00"),
                term=HoldingTerm.LONG,
                acquired_on=lot.acquired_on,
            )
    with django_assert_max_num_queries(len(small)):
        html = client.get(url).content.decode()
    assert html.count('class="lot-row"') >= 80


def test_the_order_file_downloads(world: World, client_as: Any, proposal: Proposal) -> None:
    response = client_as("operations").get(reverse("proposal_orders", args=[proposal.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("account,account_number,custodian,symbol,side,quantity")
    assert "VTI lot " in text


# --- lists, the panel and the queue ---------------------------------------------------------


def test_the_household_list_and_panel(world: World, client_as: Any, proposal: Proposal) -> None:
    client = client_as("owner")
    url = reverse("household_proposals", args=[world.household.pk])
    html = client.get(url).content.decode()
    assert reverse("proposal_detail", args=[proposal.pk]) in html
    assert "Propose rebalance" in html
    panel = client.get(url, {"fragment": "panel"}).content.decode()
    assert "<html" not in panel
    for name in ("proposal_new", "proposal_harvest_new", "implementation_plan_new"):
        assert reverse(name, args=[world.household.pk]) in panel
    assert reverse("household_location", args=[world.household.pk]) in panel
    assert reverse("proposal_detail", args=[proposal.pk]) in panel


def test_the_household_panels_load_the_rebalancing_card(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    html = client_as("owner").get(f"/households/{world.household.pk}/panels/").content.decode()
    assert "Rebalancing" in html
    assert f"/households/{world.household.pk}/proposals/?fragment=panel" in html


def test_clients_list_only_approved_proposals(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    approved = propose(world)
    proposal_approve(proposal=approved, user=world.user("owner"))
    url = reverse("household_proposals", args=[world.household.pk])
    html = client_as("client").get(url, {"fragment": "panel"}).content.decode()
    assert reverse("proposal_detail", args=[approved.pk]) in html
    assert reverse("proposal_detail", args=[proposal.pk]) not in html
    assert "Propose rebalance" not in html
    assert "Implementation plan" not in html


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("owner", {"Smith Family"}),
        ("teammate", {"Smith Family"}),
        ("other_advisor", {"Jones Family"}),
        ("admin", {"Smith Family", "Jones Family"}),
        ("operations", {"Smith Family", "Jones Family"}),
        ("foreign_advisor", set()),
    ],
)
def test_the_queue_lists_only_visible_drafts(
    world: World, client_as: Any, proposal: Proposal, persona: str, sees: set[str]
) -> None:
    make_policy_for(world, world.other_household)
    jones = proposal_create(
        household=world.other_household,
        user=world.user("other_advisor"),
        request=ProposalRequest(as_of=AS_OF),
    )
    done = propose(world)
    proposal_approve(proposal=done, user=world.user("owner"))  # no longer awaiting approval
    html = client_as(persona).get(reverse("proposal_queue")).content.decode()
    shown = {name for name in ("Smith Family", "Jones Family") if name in html}
    assert shown == sees
    assert (f"#{proposal.pk} " in html) == ("Smith Family" in sees)
    assert (f"#{jones.pk} " in html) == ("Jones Family" in sees)
    assert f"#{done.pk} " not in html


def make_policy_for(world: World, household: Any) -> None:
    from policies.services import policy_create
    from tests.policies.conftest import draft

    policy_create(
        household=household,
        author=world.user("admin"),
        draft=draft(),
        activate=True,
        queue_work=False,
    )


def test_the_queue_query_count_is_flat(
    world: World, client_as: Any, proposal: Proposal, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("admin")
    client.get(reverse("proposal_queue"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("proposal_queue"))
    for _ in range(3):
        propose(world)
    with django_assert_max_num_queries(len(one)):
        client.get(reverse("proposal_queue"))


# --- implementation plans ------------------------------------------------------------------


def test_implementation_plan_round_trip(world: World, client_as: Any) -> None:
    drifted_policy(world)
    client = client_as("owner")
    response = client.post(
        reverse("implementation_plan_new", args=[world.household.pk]),
        form_body(world, months="3", start="2026-12-15"),
    )
    plan = ImplementationPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("implementation_plan_detail", args=[plan.pk])
    assert (plan.months, plan.start) == (3, date(2026, 12, 15))
    html = client.get(response["Location"]).content.decode()
    assert "Tranche 1" in html
    assert "Tranche 3" in html
    assert "Dec 15, 2026" in html
    assert "Jan 15, 2027" in html
    assert "Feb 15, 2027" in html
    assert "Not yet due" in html
    assert "estimated trade" in html


def test_a_tranche_that_became_a_proposal_links_to_it(world: World, client_as: Any) -> None:
    drifted_policy(world)
    plan = implementation_plan_create(
        household=world.household,
        user=world.user("owner"),
        months=3,
        start=date(2026, 11, 20),
        request=ProposalRequest(as_of=date(2026, 11, 20)),
    )
    from policies.proposals.plans import create_due_tranche_proposals

    create_due_tranche_proposals(as_of=AS_OF, household_ids=[world.household.pk])
    tranche = plan.tranches.get(number=1)
    assert tranche.proposal_id is not None
    html = (
        client_as("owner")
        .get(reverse("implementation_plan_detail", args=[plan.pk]))
        .content.decode()
    )
    assert f"proposal #{tranche.proposal_id}" in html
    assert reverse("proposal_detail", args=[tranche.proposal_id]) in html


def test_an_implementation_plan_with_bad_months_creates_nothing(
    world: World, client_as: Any
) -> None:
    drifted_policy(world)
    response = client_as("owner").post(
        reverse("implementation_plan_new", args=[world.household.pk]),
        form_body(world, months="9", start="2026-12-15"),
    )
    assert response.status_code == 400
    assert "months" in response.context["form"].errors
    assert not ImplementationPlan.objects.exists()

"""An advisor proposes a rebalance, approves and executes it; the book follows the proposal."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from policies.proposals.models import Proposal, ProposalLotRelief, ProposalStatus
from portfolios.models import Lot, Transaction
from tests.conftest import build_world
from tests.policies.proposals.drifted import make_drifted

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn


pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_trail_emptied_after")]


def test_advisor_proposes_approves_and_executes_a_rebalance(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn
) -> None:
    # given: the Smith household with an IPS (us_equity 30%) that its $35,000 of
    # VTI (two lots: 100 sh at a long-term gain, 40 sh at a long-term loss) exceeds
    world = build_world()
    _, loss_lot = make_drifted(world)
    vti = world.securities["VTI"]

    # when: the primary advisor opens the household and asks for a rebalance
    sign_in("owner@acme.test")
    page.get_by_role("link", name="Smith Family").first.click()
    rebalancing = page.get_by_role("region", name="Rebalancing")
    rebalancing.get_by_role("link", name="Propose rebalance").click()
    expect(page.get_by_role("heading", name="Propose a rebalance", level=1)).to_be_visible()
    shoot("01-options")
    page.get_by_role("button", name="Compute the proposal").click()

    # then: a draft with VTI sold in the taxable account, the loss lot among the lots
    expect(page).to_have_url(re.compile(r"/proposals/\d+/$"))
    expect(page.locator(".proposal-status")).to_have_text("Draft")
    trades = page.get_by_role("table", name=re.compile("Trades by account"))
    vti_sale = trades.locator("tr.trade-sell", has_text="VTI")
    expect(vti_sale).to_have_count(1)
    proposal = Proposal.objects.get(household=world.household)
    relieved = ProposalLotRelief.objects.filter(trade__proposal=proposal)
    assert relieved.filter(lot_number=loss_lot.pk).exists()
    shoot("02-draft")

    # when: they approve it, then execute it
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".proposal-status")).to_have_text("Approved")
    page.get_by_role("button", name="Execute").click()

    # then: it is executed, and the book moved exactly as the proposal said
    expect(page.get_by_role("status").filter(has_text="Proposal executed")).to_be_visible()
    expect(page.locator(".proposal-status")).to_contain_text("Executed")
    shoot("03-executed")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXECUTED
    sells = Transaction.objects.filter(account__household=world.household, kind="sell")
    assert sells.count() == relieved.count()
    loss_sold = relieved.get(lot_number=loss_lot.pk).quantity
    assert Lot.objects.filter(pk=loss_lot.pk).exists() == (loss_sold < Decimal("40"))

    def shares(side: str) -> Decimal:
        return sum(
            (t.quantity for t in proposal.trades.filter(security=vti, side=side)), Decimal(0)
        )

    held = Lot.objects.filter(account__household=world.household, security=vti)
    vti_left = sum((lot.quantity for lot in held), Decimal(0))
    assert vti_left == Decimal("140") - shares("sell") + shares("buy")

"""From a rebalance run to released orders to booked fills, as the advisor and the desk do it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from policies.proposals.models import Proposal, ProposalStatus, ProposalTrade
from tests.conftest import build_world
from tests.policies.proposals.drifted import make_drifted

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_trail_emptied_after")]


def test_a_run_becomes_released_orders_and_booked_fills(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn
) -> None:
    # given: the Smiths out of band (VTI at 47% against 30%), the owner's only household
    world = build_world()
    make_drifted(world)
    taxable = world.household.accounts.get(name="Joint brokerage")
    taxable.account_number = "555000111234"
    taxable.save()

    # when: the advisor rebalances the book from the dashboard
    sign_in("owner@acme.test")
    page.get_by_role("link", name="Rebalance the book").click()
    page.get_by_label("Minimum trade ($)").fill("0")
    page.get_by_role("button", name="Start the run").click()

    # then: the run is done with one proposal, and they approve its drafts
    expect(page.get_by_test_id("run-proposals")).to_have_text("1")
    shoot("01-run-done")
    page.get_by_role("button", name="Approve the run's drafts").click()
    expect(page.get_by_role("status").filter(has_text="Approved 1 proposals")).to_be_visible()
    proposal = Proposal.objects.get(household=world.household)
    assert proposal.status == ProposalStatus.APPROVED

    # when: operations release it from the order desk
    page.get_by_role("button", name="Sign out").click()
    sign_in("ops@acme.test")
    page.get_by_role("link", name="Order desk").click()
    page.get_by_role("checkbox", name=f"Smith Family · proposal {proposal.pk}").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Release the selected proposals").click()
    order_file = download.value.path().read_text()

    # then: the order file has the full account number and the lots of each sale
    assert "555000111234" in order_file
    assert "acquired 2020-01-15" in order_file
    shoot("02-released")

    # when: the custodian's fills come back, every order filled a cent better than its price
    # (at a cent worse the IRA, which spends all its cash, would be refused: below zero)
    lines = ["account,security,side,quantity,price"]
    for trade in ProposalTrade.objects.filter(proposal=proposal):
        price = trade.price + (Decimal("0.01") if trade.side == "sell" else Decimal("-0.01"))
        lines.append(
            f"{trade.account_id},{trade.security_id},{trade.side},{trade.quantity},{price}"
        )
    page.goto("/orders/")
    page.get_by_label("Fills file").set_input_files(
        files=[{"name": "fills.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode()}]
    )
    page.get_by_role("button", name="Book fills").click()

    # then: the proposal is executed by its fills
    expect(page.get_by_role("status").filter(has_text="Fills booked")).to_be_visible()
    shoot("03-filled")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXECUTED
    assert set(
        ProposalTrade.objects.filter(proposal=proposal).values_list("order_status", flat=True)
    ) == {"filled"}

"""An advisor puts a standing restriction on the household and sees the proposal apply it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from policies.proposals.models import ProposalTrade
from portfolios.models import Restriction, RestrictionKind
from tests.conftest import build_world
from tests.policies.proposals.drifted import make_drifted

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn


pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_trail_emptied_after")]


def test_advisor_adds_a_restriction_and_the_proposal_lists_it(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn
) -> None:
    # given: the drifted Smith household (too much VTI against its IPS)
    world = build_world()
    make_drifted(world)
    vti = world.securities["VTI"]

    # when: the advisor adds "do not trade VTI" from the household page
    sign_in("owner@acme.test")
    page.get_by_role("link", name="Smith Family").first.click()
    card = page.get_by_role("region", name="Restrictions")
    expect(card).to_contain_text("No standing restrictions")
    card.get_by_role("link", name="Add restriction").click()
    expect(page.get_by_role("heading", name="Add a restriction", level=1)).to_be_visible()
    page.get_by_label("Restriction", exact=True).select_option(RestrictionKind.DO_NOT_TRADE)
    page.get_by_label("Security (whole household)").select_option(str(vti.pk))
    page.get_by_label("Reason").fill("Client's employer stock plan")
    shoot("01-form")
    page.get_by_role("button", name="Save").click()

    # then: the household page lists it, with who set it
    row = page.get_by_role("region", name="Restrictions").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Do not trade")
    expect(row).to_contain_text("VTI")
    expect(row).to_contain_text("Client's employer stock plan")
    shoot("02-household")
    assert Restriction.objects.get().created_by == world.user("owner")

    # when: they propose a rebalance
    page.goto(f"/households/{world.household.pk}/proposals/new/")
    page.get_by_role("button", name="Compute the proposal").click()

    # then: the proposal lists the restriction applied, and trades no VTI
    expect(page).to_have_url(re.compile(r"/proposals/\d+/$"))
    applied = page.get_by_role("region", name="Restrictions applied")
    expect(applied).to_contain_text(
        "Standing restriction: do not trade VTI (Client's employer stock plan)."
    )
    shoot("03-proposal")
    assert not ProposalTrade.objects.filter(security=vti).exists()

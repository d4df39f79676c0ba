"""A model changes; the advisor finds the follower's draft on the dashboard, compares it
and activates it, and the card is gone."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from policies.modelportfolios.services import ModelDraft, model_update
from policies.services import TargetDraft
from tests.conftest import build_world
from tests.policies.modelportfolios.conftest import follow, make_model

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn

pytestmark = pytest.mark.browser


def test_the_advisor_activates_a_model_change_from_the_dashboard(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn
) -> None:
    # given: Smith (the owner's) and Jones (a colleague's) follow Balanced (60/30/10 of
    # US equity, US bonds, international), which the committee moves to 50/40/10
    world = build_world()
    model = make_model(world)
    follow(world, model)
    follow(world, model, household=world.other_household)
    changed = ModelDraft(
        name="Balanced",
        targets=(
            TargetDraft("us_equity", Decimal("0.50")),
            TargetDraft("us_bonds", Decimal("0.40")),
            TargetDraft("intl_equity", Decimal("0.10")),
        ),
    )
    model_update(model=model, user=world.user("admin"), draft=changed)

    # when: the owner signs in
    sign_in("owner@acme.test")

    # then: the card lists Smith's draft, not Jones's
    card = page.get_by_role("region", name="Model changes to activate")
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="Smith Family", exact=True)).to_be_visible()
    expect(card.get_by_role("link", name="Balanced", exact=True)).to_have_attribute(
        "href", f"/models/{model.pk}/"
    )
    expect(card.get_by_text("Jones Family")).to_have_count(0)
    shoot("01-dashboard-card")

    # when: they look at what changes, then activate the draft from the history page
    card.get_by_role("link", name="What changes for Smith Family").click()
    expect(page).to_have_url(re.compile(r"/policy/diff/\?a=\d+&b=\d+$"))
    shoot("02-what-changes")
    page.go_back()
    card.get_by_role("link", name="Activate on the history page for Smith Family").click()
    expect(page.get_by_role("heading", name="IPS version history")).to_be_visible()
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("status")).to_contain_text("IPS version 2 is now active.")

    # then: nothing waits on the dashboard any more
    page.goto("/")
    expect(page.get_by_role("heading", name="Households", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Model changes to activate")).to_have_count(0)

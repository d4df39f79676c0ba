"""A client signs in and sees their own household, read-only, and nobody else's."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import build_world

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn

pytestmark = pytest.mark.browser

PORTAL = re.compile(r"/portal/$")
# Links that would add, change or remove something in the book of record.
WRITE_LINKS = "a[href$='/edit/'], a[href$='/new/'], a[href$='/delete/']"


def test_client_sees_only_their_own_household_read_only(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn
) -> None:
    # given
    world = build_world()
    main = page.get_by_role("main")
    accounts = page.get_by_role("region", name="Accounts", exact=True)

    # when: the client of the Smith household signs in
    sign_in("client@acme.test")

    # then: they land on the portal, showing their household and no one else's
    expect(page).to_have_url(PORTAL)
    expect(page.get_by_role("heading", name="Smith Family", level=1)).to_be_visible()
    expect(page.locator("#policy-panels .loading")).to_have_count(0)  # htmx panels are in
    expect(accounts.get_by_role("link", name="Joint brokerage")).to_be_visible()
    expect(accounts.get_by_role("link", name="Ann IRA")).to_be_visible()
    for other in ("Jones Family", "Jones brokerage", "Foreign Family", "Foreign brokerage"):
        expect(page.get_by_text(other)).to_have_count(0)
    # Read-only: nothing to add, edit or delete, and no button but "Sign out".
    expect(page.locator(WRITE_LINKS)).to_have_count(0)
    expect(main.get_by_role("button")).to_have_count(0)
    expect(page.get_by_text("This page is read-only.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Households")
    shoot("01-portal")

    # Their account page is read-only too.
    accounts.get_by_role("link", name="Joint brokerage").click()
    expect(page.get_by_role("heading", name="Joint brokerage", level=1)).to_be_visible()
    expect(page.locator(WRITE_LINKS)).to_have_count(0)
    expect(page.get_by_role("link", name="Add lot")).to_have_count(0)
    shoot("02-own-account")

    # Another household's page, in their firm or another, is "not found".
    for household in (world.other_household, world.foreign_household):
        response = page.goto(f"/households/{household.pk}/")
        assert response is not None
        assert response.status == 404
        expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
        expect(page.get_by_text(household.name)).to_have_count(0)
    shoot("03-other-household-not-found")

    # The advisors' dashboard sends them back to the portal.
    page.goto("/")
    expect(page).to_have_url(PORTAL)
    expect(page.get_by_role("heading", name="Smith Family", level=1)).to_be_visible()
    shoot("04-dashboard-redirects-to-portal")

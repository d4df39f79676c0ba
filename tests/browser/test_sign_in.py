"""Signing in: a wrong password is refused with a message; a deep link survives the detour."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import build_world
from tests.factories import PASSWORD

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn

pytestmark = pytest.mark.browser


def test_wrong_password_is_refused_with_a_message(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn
) -> None:
    build_world()

    sign_in("owner@acme.test", "not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    shoot("01-refused")


def test_a_household_link_asks_to_sign_in_then_opens_the_household(
    live_server: object, page: Page, shoot: Shoot
) -> None:
    world = build_world()
    household_url = f"/households/{world.household.pk}/"

    page.goto(household_url)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    shoot("01-sign-in-asked")
    page.get_by_label("Email", exact=True).fill("teammate@acme.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(re.escape(household_url) + "$"))
    expect(page.get_by_role("heading", name="Smith Family", level=1)).to_be_visible()
    shoot("02-household")

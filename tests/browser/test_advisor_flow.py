"""An advisor adds an account and a bond lot to a household and sees its allocation move."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import World, build_world

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn

pytestmark = pytest.mark.browser


def allocation_shown(page: Page) -> dict[str, str]:
    """The household donut's legend table (its accessible fallback): class name -> weight."""
    legend = page.get_by_role("table", name="Household allocation by asset class")
    weights = {}
    for row in legend.locator("tbody tr").all():
        name = row.get_by_role("rowheader").inner_text().strip()
        weights[name] = row.get_by_role("cell").nth(1).inner_text().strip()
    return weights


def donut_slice_titles(page: Page) -> list[str]:
    """The tooltip of each slice of the household donut, as the chart draws it."""
    return page.locator("svg.donut path > title").all_text_contents()


def percent_value(shown: str) -> Decimal:
    return Decimal(shown.removesuffix("%"))


def named(world: World) -> dict[str, str]:
    return {code: asset_class.name for code, asset_class in world.classes.items()}


def test_advisor_adds_an_account_and_a_bond_lot_and_the_allocation_moves(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn
) -> None:
    # given: the Smith household as build_world() makes it
    #   Joint brokerage: cash 5,000; VTI 100 x 250 = 25,000; VXUS 200 x 60 = 12,000
    #   Ann IRA:         cash 1,000; BND 300 x 72 = 21,600
    #   total 5,000 + 25,000 + 12,000 + 1,000 + 21,600 = 64,600
    world = build_world()
    name = named(world)
    bond = world.securities["BND"]
    households = page.get_by_role("table", name=re.compile(r"^Households"))

    # when: the primary advisor signs in
    sign_in("owner@acme.test")

    # then: the dashboard lists their household, not a colleague's nor another firm's
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Households", level=1)).to_be_visible()
    expect(households.get_by_role("link", name="Smith Family")).to_be_visible()
    expect(page.get_by_text("Jones Family")).to_have_count(0)
    expect(page.get_by_text("Foreign Family")).to_have_count(0)
    shoot("01-dashboard")

    households.get_by_role("link", name="Smith Family").click()
    expect(page.get_by_role("heading", name="Smith Family", level=1)).to_be_visible()
    expect(page.locator("#policy-panels .loading")).to_have_count(0)  # htmx panels are in
    assert allocation_shown(page) == {
        name["us_equity"]: "38.7%",  # 25,000 / 64,600 = 0.38700
        name["intl_equity"]: "18.6%",  # 12,000 / 64,600 = 0.18576
        name["us_bonds"]: "33.4%",  # 21,600 / 64,600 = 0.33437
        name["cash"]: "9.3%",  # (5,000 + 1,000) / 64,600 = 0.09288
    }
    before = percent_value(allocation_shown(page)[name["us_bonds"]])
    shoot("02-household-before")

    # when: they add a Roth IRA with $500 cash ...
    page.get_by_role("link", name="Add account").click()
    expect(page.get_by_role("heading", name="Add an account", level=1)).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Ann Roth IRA")
    page.get_by_label("Account type").select_option(label="Roth IRA")
    page.get_by_label("Owner").select_option(label="Ann Smith")
    page.get_by_label("Custodian").fill("Fidelity")
    # "Cash" is also an asset class in the investment menu's checkboxes.
    page.get_by_label("Cash", exact=True).and_(page.get_by_role("spinbutton")).fill("500")
    page.get_by_label("Cash reserve").fill("0")
    shoot("03-account-form")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Ann Roth IRA", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Account “Ann Roth IRA” added.")
    expect(page.get_by_text("No lots in this account.")).to_be_visible()
    shoot("04-account-added")

    # ... and a lot of 100 BND bought for $7,000 (worth 100 x 72 = 7,200 today)
    page.get_by_role("link", name="Add lot").first.click()
    expect(page.get_by_role("heading", name="Add a lot to Ann Roth IRA")).to_be_visible()
    page.get_by_label("Security").select_option(label=f"{bond.symbol} — {bond.name}")
    page.get_by_label("Quantity (shares)").fill("100")
    page.get_by_label("Total cost basis").fill("7000")
    page.get_by_label("Acquired on").fill(date(2025, 3, 14).isoformat())
    shoot("05-lot-form")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text(f"Lot of {bond.symbol} added.")
    lots = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Acquired"))
    lot_row = lots.get_by_role("row").filter(has=page.get_by_role("link", name="BND"))
    expect(lot_row).to_contain_text("Mar 14, 2025")
    expect(lot_row).to_contain_text("$7,200.00")
    shoot("06-lot-added")

    # then: back on the household, bonds weigh more and everything else less
    #   total 64,600 + 500 + 7,200 = 72,300
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumb.get_by_role("link", name="Smith Family").click()
    expect(page.get_by_role("heading", name="Smith Family", level=1)).to_be_visible()
    expect(page.locator("#policy-panels .loading")).to_have_count(0)
    assert allocation_shown(page) == {
        name["us_equity"]: "34.6%",  # 25,000 / 72,300 = 0.34578
        name["intl_equity"]: "16.6%",  # 12,000 / 72,300 = 0.16598
        name["us_bonds"]: "39.8%",  # (21,600 + 7,200) / 72,300 = 0.39834
        name["cash"]: "9.0%",  # (6,000 + 500) / 72,300 = 0.08990
    }
    assert percent_value(allocation_shown(page)[name["us_bonds"]]) > before
    # The drawn chart agrees with its legend.
    assert f"{name['us_bonds']}: 39.8% ($28,800.00)" in donut_slice_titles(page)
    totals = page.get_by_role("region", name="Totals")
    expect(totals).to_contain_text("$72,300.00")
    accounts = page.get_by_role("region", name="Accounts", exact=True)
    expect(accounts.get_by_role("link", name="Ann Roth IRA")).to_be_visible()
    shoot("07-household-after")

"""Operations staff import lots from a custodian file: a bad file writes nothing, a good one all."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from portfolios.models import Lot
from tests.conftest import build_world

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn

pytestmark = pytest.mark.browser


def test_operations_imports_lots_all_or_nothing(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn, tmp_path: Path
) -> None:
    # given: the Smith household's Joint brokerage and a file with one good row and
    # a second row with a negative quantity and an unknown symbol
    world = build_world()
    account = world.household.accounts.get(name="Joint brokerage")
    lots_before = Lot.objects.count()
    bad = tmp_path / "custodian-bad.csv"
    bad.write_text(
        "account,symbol,quantity,cost_basis,acquired_on\n"
        f"{account.pk},BND,10,720.00,2024-03-01\n"
        f"{account.pk},NOPE,-5,100.00,2024-03-01\n"
    )

    # when: operations staff sign in and import it
    sign_in("ops@acme.test")
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Import into the book of record")).to_be_visible()
    page.get_by_label("CSV or XLSX file").set_input_files(bad)
    page.get_by_role("button", name="Import", exact=True).click()

    # then: the errors are listed by spreadsheet row (header = row 1) and nothing is written
    errors = page.get_by_role("table", name=re.compile("Errors in custodian-bad.csv"))
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("3")
    expect(errors).to_contain_text("quantity")
    expect(errors).to_contain_text("NOPE")
    assert Lot.objects.count() == lots_before
    shoot("01-refused")

    # when: the corrected file is imported
    good = tmp_path / "custodian.csv"
    good.write_text(
        "Account,Symbol,Quantity,Cost Basis,Acquired On\n"
        f"{account.pk},BND,10,720.00,2024-03-01\n"
        f"{account.pk},VXUS,5.5,330.00,2023-11-15\n"
    )
    page.get_by_label("CSV or XLSX file").set_input_files(good)
    page.get_by_role("button", name="Import", exact=True).click()

    # then: both lots are in the account, exactly as the file says
    expect(page.get_by_role("status").filter(has_text="custodian.csv")).to_be_visible()
    shoot("02-imported")
    imported = Lot.objects.filter(
        account=account, acquired_on__in=[date(2024, 3, 1), date(2023, 11, 15)]
    )
    assert Lot.objects.count() == lots_before + 2
    assert {
        (lot.security.symbol, lot.quantity, lot.cost_basis, lot.acquired_on) for lot in imported
    } == {
        ("BND", Decimal("10"), Decimal("720.00"), date(2024, 3, 1)),
        ("VXUS", Decimal("5.5"), Decimal("330.00"), date(2023, 11, 15)),
    }

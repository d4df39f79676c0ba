"""Operations staff upload a custodian's XLSX with a saved mapping; the large file runs on
the workers and the page shows its progress bar until the positions are in the book."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from portfolios.imports.models import ImportMapping, ImportRecord
from portfolios.models import Account, Lot
from tests.conftest import build_world

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn

pytestmark = pytest.mark.browser


def test_mapped_xlsx_upload_with_its_progress_bar(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn, tmp_path: Path, settings: Any
) -> None:
    # given: a firm whose custodian sends XLSX positions with its own headers and Excel dates
    settings.IMPORT_ASYNC_BYTES = 1000  # this file counts as large: it goes to the workers
    world = build_world()
    Account.objects.filter(name="Joint brokerage").update(account_number="88012345")
    ImportMapping.objects.create(
        firm=world.firm,
        name="Custodian XLSX",
        kind="positions",
        columns={
            "account_number": "Acct No",
            "symbol": "Ticker",
            "quantity": "Shares",
            "cost_basis": "Total Cost",
            "acquired_on": "Open Date",
        },
        date_format="excel",
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["Acct No", "Ticker", "Shares", "Total Cost", "Open Date"])
    sheet.append(["88012345", "VTI", 100, 15000, date(2020, 1, 15)])
    for n in range(1, 61):
        sheet.append(["88012345", "BND", n, n * 70, 45352])  # serial 45352 is 2024-03-01
    upload = tmp_path / "custodian-positions.xlsx"
    book.save(upload)

    # when: operations staff choose the mapping and import the workbook
    sign_in("ops@acme.test")
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Positions", exact=True).check()
    page.get_by_label("Column mapping").select_option(label="Custodian XLSX")
    page.get_by_label("CSV or XLSX file").set_input_files(upload)
    page.get_by_role("button", name="Import", exact=True).click()

    # then: the run's page shows a progress bar that reaches 100% and what changed
    expect(page.get_by_role("heading", name="Import of custodian-positions.xlsx")).to_be_visible()
    bar = page.get_by_label("Import progress")
    expect(bar).to_have_attribute("value", "100")
    expect(page.get_by_role("status")).to_contain_text("Done")
    shoot("01-progress-done")
    record = ImportRecord.objects.get()
    assert (record.status, record.rows_done) == ("done", 61)
    lots = Lot.objects.filter(account__account_number="88012345")
    assert lots.filter(security__symbol="BND").count() == 60
    assert lots.get(security__symbol="BND", quantity=Decimal(7)).cost_basis == Decimal("490.00")
    assert {lot.acquired_on for lot in lots.filter(security__symbol="BND")} == {date(2024, 3, 1)}

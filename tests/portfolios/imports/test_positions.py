"""Positions and cash by account number: the bad-file corpus, mappings, reconciliation."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from portfolios.imports.checks import UNKNOWN_NUMBER
from portfolios.imports.kinds import ImportKind
from portfolios.imports.models import ImportMapping, ImportRecord
from portfolios.imports.services import NewSecurity, book_import
from portfolios.models import Account, Lot, Security
from tests.conftest import World
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)
HEADER = "account_number,symbol,quantity,cost_basis,acquired_on\n"


@pytest.fixture
def numbered(world: World) -> World:
    Account.objects.filter(name="Joint brokerage").update(account_number="88012345")
    Account.objects.filter(name="Ann IRA").update(account_number="88067890")
    AccountFactory(household=world.foreign_household, name="Theirs", account_number="99000001")
    return world


def run(world: World, data: bytes, *, kind: str = "positions", dry_run: bool = False, mapping=None):  # type: ignore[no-untyped-def]
    return book_import(
        kind=ImportKind(kind),
        user=world.user("operations"),
        upload=data,
        dry_run=dry_run,
        today=TODAY,
        mapping=mapping,
    )


def book(world: World) -> set[tuple[str, str, D, D, date]]:
    return {
        (
            lot.account.account_number,
            lot.security.symbol,
            lot.quantity,
            lot.cost_basis,
            lot.acquired_on,
        )
        for lot in Lot.objects.filter(account__household=world.household)
    }


def rows(report) -> list[tuple[int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    return [(e.row, e.column, e.message) for e in report.errors]


BAD_FILES = [
    (
        "latin1",
        (HEADER + "88012345,VTI,10,100.00,2024-01-02\n# café\n").encode("latin-1"),
        [
            (
                3,
                None,
                "Row 3 is not UTF-8 text. Save the file as “CSV UTF-8 (comma delimited)”, or "
                "choose a mapping whose encoding is Latin-1, and upload it again.",
            )
        ],
    ),
    (
        "semicolons",
        b"account_number;symbol;quantity;cost_basis;acquired_on\n88012345;VTI;10;100;2024-01-02\n",
        [
            (
                1,
                None,
                "Columns must be separated by commas, not semicolons or tabs (or choose a "
                "mapping whose separator is ;).",
            )
        ],
    ),
    (
        "excel dates",
        (HEADER + "88012345,VTI,10,100.00,45293\n").encode(),
        [
            (
                2,
                "acquired_on",
                "“45293” looks like an Excel serial date; write it as YYYY-MM-DD or "
                "choose a mapping whose date format is Excel.",
            )
        ],
    ),
    (
        "thousands and parentheses",
        (
            HEADER
            + '88012345,VTI,10,"1,234.56",2024-01-02\n88012345,VXUS,10,"(1,234.56)",2024-01-02\n'
        ).encode(),
        [
            (
                2,
                "cost_basis",
                "“1,234.56” is not a number; write it like 1234.56 (or choose a "
                "mapping with thousands separators or negatives in parentheses).",
            ),
            (
                3,
                "cost_basis",
                "“(1,234.56)” is not a number; write it like 1234.56 (or choose a "
                "mapping with thousands separators or negatives in parentheses).",
            ),
        ],
    ),
    (
        "total row after empty rows",
        (HEADER + "88012345,VTI,10,100.00,2024-01-02\n,,,,\n\nTotal,,10,100.00,\n").encode(),
        [(5, "account_number", "A total row: remove it, totals are not data.")],
    ),
    (
        "another firm's account reads like an unknown one",
        (
            HEADER + "99000001,VTI,10,100.00,2024-01-02\n00000000,VTI,10,100.00,2024-01-02\n"
        ).encode(),
        [(2, "account_number", UNKNOWN_NUMBER), (3, "account_number", UNKNOWN_NUMBER)],
    ),
    (
        "NUL byte",
        (HEADER + "88012345,VTI,10,100.00,2024-01-02\n88012345,VTI\x00,1,1,2024-01-02\n").encode(),
        [(3, None, "Row 3 holds a NUL byte: this is not a text file. Export it again as CSV.")],
    ),
    (
        "zero quantity, missing basis, duplicate lot",
        (
            HEADER
            + "88012345,VTI,0,100.00,2024-01-02\n88012345,VTI,5,,2024-01-02\n"
            + "88012345,BND,5,50,2024-01-02\n88012345,BND,5,50,2024-01-02\n"
        ).encode(),
        [
            (2, "quantity", "Must be more than 0."),
            (3, "cost_basis", "Required."),
            (5, None, "A duplicate lot: the same as row 4."),
        ],
    ),
    (
        "50 MB",
        HEADER.encode() + b"8" * (50 * 1024 * 1024),
        [(None, None, "The file is larger than 32 MB; split it into parts.")],
    ),
]


@pytest.mark.parametrize(("name", "data", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_answer_by_row_and_write_nothing(
    numbered: World, name: str, data: bytes, expected: list
) -> None:  # type: ignore[type-arg]
    before = book(numbered)
    report = run(numbered, data)
    assert rows(report) == expected
    assert book(numbered) == before
    assert not ImportRecord.objects.exists()


def test_bom_is_read(numbered: World) -> None:
    data = ("\ufeff" + HEADER + "88012345,VTI,100,15000.00,2020-01-15\n").encode()
    report = run(numbered, data, dry_run=True)
    assert report.ok


def test_a_mapping_reads_the_custodians_conventions(numbered: World) -> None:
    mapping = ImportMapping.objects.create(
        firm=numbered.firm,
        name="Custodian A",
        kind="positions",
        columns={
            "account_number": "Acct",
            "symbol": "Ticker",
            "quantity": "Shares",
            "cost_basis": "Cost",
            "acquired_on": "Opened",
        },
        date_format="%d/%m/%Y",
        decimal_separator=",",
        thousands_separator=".",
        negative_parentheses=True,
        encoding="latin-1",
        delimiter=";",
    )
    data = (
        "Acct;Ticker;Shares;Cost;Opened\n"
        "88012345;VTI;100;15.000,00;15/01/2020\n"
        "88012345;BND;12,5;1.234,56;02/01/2024\n"
    )
    report = run(numbered, data.encode("latin-1"), mapping=mapping)
    assert report.ok, rows(report)
    assert ("88012345", "BND", D("12.5"), D("1234.56"), date(2024, 1, 2)) in book(numbered)


def test_a_mapped_xlsx_with_excel_dates_and_number_cells(numbered: World) -> None:
    mapping = ImportMapping.objects.create(
        firm=numbered.firm,
        name="X",
        kind="positions",
        columns={"acquired_on": "Date"},
        date_format="excel",
    )
    sheet_book = Workbook()
    sheet = sheet_book.active
    sheet.append(["account_number", "symbol", "quantity", "cost_basis", "Date"])
    sheet.append(["88012345", "BND", 12.5, 1234.56, 45293])  # 45293 is 2024-01-02
    sheet.append([88012345, "VTI", 100, 15000, date(2020, 1, 15)])
    buffer = io.BytesIO()
    sheet_book.save(buffer)
    report = run(numbered, buffer.getvalue(), mapping=mapping)
    assert report.ok, rows(report)
    assert ("88012345", "BND", D("12.5"), D("1234.56"), date(2024, 1, 2)) in book(numbered)


def test_reconciliation_added_changed_closed_unchanged_then_idempotent(numbered: World) -> None:
    # The book: VTI 100 @ 15,000 (2020-01-15) and a VXUS lot in the taxable account.
    data = (
        HEADER
        + "88012345,VTI,100,15000.00,2020-01-15\n"  # unchanged
        + "88012345,BND,10,700.00,2024-03-01\n"  # added
        + "88067890,BND,3,210.00,2024-03-01\n"  # added (IRA)
    ).encode()
    preview = run(numbered, data, dry_run=True)
    ira_lots = Lot.objects.filter(account__name="Ann IRA").count()
    vxus = Lot.objects.filter(account__name="Joint brokerage", security__symbol="VXUS").count()
    assert (preview.created, preview.updated, preview.closed, preview.unchanged) == (
        2,
        0,
        vxus + ira_lots,
        1,
    )
    assert not ImportRecord.objects.exists()
    applied = run(numbered, data)
    assert applied.written
    assert applied.record_id is not None
    assert book(numbered) == {
        ("88012345", "VTI", D(100), D("15000.00"), date(2020, 1, 15)),
        ("88012345", "BND", D(10), D("700.00"), date(2024, 3, 1)),
        ("88067890", "BND", D(3), D("210.00"), date(2024, 3, 1)),
    }
    again = run(numbered, data)
    assert (again.created, again.updated, again.closed, again.unchanged) == (0, 0, 0, 3)
    newer = (
        HEADER + "88012345,VTI,60,9000.00,2020-01-15\n88067890,BND,3,210.00,2024-03-01\n"
    ).encode()
    changed = run(numbered, newer)
    assert (changed.created, changed.updated, changed.closed, changed.unchanged) == (0, 1, 1, 1)
    assert [c["action"] for c in changed.changes] == ["changed", "closed"]
    assert ImportRecord.objects.count() == 3


def test_two_lots_the_same_day_match_by_basis_per_share(numbered: World) -> None:
    run(
        numbered,
        (
            HEADER + "88012345,BND,10,700.00,2024-03-01\n88012345,BND,10,800.00,2024-03-01\n"
        ).encode(),
    )
    report = run(
        numbered,
        (HEADER + "88012345,BND,10,800.00,2024-03-01\n88012345,BND,5,350.00,2024-03-01\n").encode(),
    )
    # 800/10 = 80 matches the second lot unchanged; 350/5 = 70 = 700/10: the first lot changed.
    assert (report.created, report.updated, report.closed, report.unchanged) == (0, 1, 0, 1)


def test_cash_differences(numbered: World) -> None:
    report = run(
        numbered,
        b"account_number,date,cash\n88012345,2026-11-27,5200.50\n88067890,2026-11-27,1000\n",
        kind="cash",
    )
    assert (report.updated, report.unchanged) == (1, 1)
    assert report.changes[0]["difference"] == "200.50"
    assert Account.objects.get(account_number="88012345").cash == D("5200.50")


def test_unknown_securities_are_offered_and_created_in_the_same_step(numbered: World) -> None:
    data = (HEADER + "88012345,NEWCO,10,100.00,2024-01-02\n").encode()
    refused = run(numbered, data)
    assert refused.unknown_symbols == ["NEWCO"]
    offer = {"NEWCO": NewSecurity(numbered.classes["us_equity"], "newco-group")}
    checked = book_import(
        kind=ImportKind.POSITIONS,
        user=numbered.user("operations"),
        upload=data,
        dry_run=True,
        today=TODAY,
        new_securities=offer,
    )
    assert checked.ok
    assert checked.securities_created == ("NEWCO",)
    assert not Security.objects.filter(symbol="NEWCO").exists()  # a check creates nothing
    done = book_import(
        kind=ImportKind.POSITIONS,
        user=numbered.user("operations"),
        upload=data,
        today=TODAY,
        new_securities=offer,
    )
    assert done.written
    created = Security.objects.get(firm=numbered.firm, symbol="NEWCO")
    assert (created.asset_class, created.substitute_group) == (
        numbered.classes["us_equity"],
        "newco-group",
    )
    with pytest.raises(PermissionDenied):
        book_import(
            kind=ImportKind.POSITIONS,
            user=numbered.user("owner"),
            upload=data,
            today=TODAY,
            new_securities={"OTHER": NewSecurity(numbered.classes["us_equity"], "x")},
        )


def test_the_import_page_offers_the_unknown_symbols(numbered: World, client_as: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = (HEADER + "88012345,NEWCO,10,100.00,2024-01-02\n").encode()
    web = client_as("operations")
    page = web.post(
        "/imports/",
        {"kind": "positions", "action": "check", "file": SimpleUploadedFile("p.csv", data)},
    )
    assert 'name="new_symbol" value="NEWCO"' in page.content.decode()
    done = web.post(
        "/imports/",
        {
            "kind": "positions",
            "action": "import",
            "file": SimpleUploadedFile("p.csv", data),
            "new_symbol": "NEWCO",
            "new_class_NEWCO": "us_equity",
            "new_group_NEWCO": "newco",
        },
    )
    assert done.status_code == 302
    assert Lot.objects.filter(security__symbol="NEWCO", quantity=10).exists()

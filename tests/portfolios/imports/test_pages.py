"""The new pages: access matrix, the transaction form, realised gains (page, CSV, PDF, close),
mappings, past imports, and a large file queued on the workers with its progress."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.imports.models import ImportMapping, ImportRecord
from portfolios.models import Account, Household, Lot, Transaction
from portfolios.services import transaction_record
from tests.conftest import CAN_EDIT_BOOK, CAN_VIEW, PERSONAS, World
from tests.factories import SecurityFactory

pytestmark = pytest.mark.django_db

KEEPERS = {"owner", "teammate", "other_advisor", "foreign_advisor", "admin", "operations"}


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _expected(persona: str, allowed: set[str], outsider: int) -> int:
    if persona == "anonymous":
        return 302
    return 200 if persona in allowed else outsider


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix_of_the_new_pages(world: World, client_as: Any, persona: str) -> None:
    web = client_as(persona)
    account = _taxable(world)
    household = world.household.pk
    pages = [
        (
            f"/accounts/{account.pk}/transactions/new/",
            CAN_EDIT_BOOK,
            404 if persona not in CAN_VIEW else 403,
        ),
        (f"/households/{household}/realized-gains/?year=2025", CAN_VIEW, 404),
        (f"/households/{household}/realized-gains/?year=2025&format=csv", CAN_VIEW, 404),
        ("/imports/history/", KEEPERS, 403),
        ("/imports/mappings/", KEEPERS, 403),
        ("/exports/", KEEPERS | {"client", "other_client"}, 403),
    ]
    for path, allowed, outsider in pages:
        assert web.get(path).status_code == _expected(persona, allowed, outsider), path
    before = Transaction.objects.count()
    posted = web.post(
        f"/accounts/{account.pk}/transactions/new/",
        {"kind": "deposit", "trade_date": "2025-02-03", "amount": "100.00", "apply": "on"},
    )
    writes = persona in CAN_EDIT_BOOK
    assert posted.status_code == (
        302
        if writes or persona == "anonymous"
        else _expected(persona, set(), 404 if persona not in CAN_VIEW else 403)
    )
    assert Transaction.objects.count() == before + (1 if writes else 0)


def test_the_transaction_form_uses_the_book_service(world: World, client_as: Any) -> None:
    web = client_as("operations")
    account = _taxable(world)
    vti = world.securities["VTI"]
    answer = web.post(
        f"/accounts/{account.pk}/transactions/new/",
        {
            "kind": "sell",
            "trade_date": "2026-11-02",
            "security": vti.pk,
            "quantity": "10",
            "amount": "2600.00",
            "apply": "on",
        },
    )
    assert answer.status_code == 302
    sale = Transaction.objects.get(kind="sell", account=account)
    # FIFO: 10 of the 100 VTI bought for $15,000: basis $1,500, gain $1,100.
    assert (sale.cost_basis, sale.realized_gain) == (D("1500.00"), D("1100.00"))
    assert Lot.objects.get(account=account, security=vti).quantity == D(90)
    oversold = web.post(
        f"/accounts/{account.pk}/transactions/new/",
        {
            "kind": "sell",
            "trade_date": "2026-11-02",
            "security": vti.pk,
            "quantity": "500",
            "amount": "1.00",
            "apply": "on",
        },
    )
    assert oversold.status_code == 400
    assert "More shares than the account holds." in oversold.content.decode()


def test_realized_gains_page_pdf_and_year_close(world: World, client_as: Any) -> None:
    account = _taxable(world)
    xyz = SecurityFactory(firm=world.firm, symbol="XYZ", asset_class=world.classes["us_equity"])
    transaction_record(
        account=account, kind="deposit", trade_date=date(2025, 1, 2), amount=D(10000), apply=True
    )
    transaction_record(
        account=account,
        kind="buy",
        trade_date=date(2025, 1, 6),
        security=xyz,
        quantity=D(100),
        amount=D("-10000"),
        apply=True,
    )
    transaction_record(
        account=account,
        kind="sell",
        trade_date=date(2025, 6, 2),
        security=xyz,
        quantity=D(100),
        amount=D("5000"),
        apply=True,
    )
    web = client_as("owner")
    page = web.get(f"/households/{world.household.pk}/realized-gains/?year=2025").content.decode()
    assert "-5000.00" in page
    pdf = web.get(f"/households/{world.household.pk}/realized-gains.pdf?year=2025")
    assert pdf.content.startswith(b"%PDF")
    assert (
        client_as("client")
        .post(f"/households/{world.household.pk}/realized-gains/?year=2025")
        .status_code
        == 403
    )
    web = client_as("owner")  # one test client: log the owner in again
    closed = web.post(f"/households/{world.household.pk}/realized-gains/?year=2025")
    assert closed.status_code == 302
    household = Household.objects.get(pk=world.household.pk)
    # A $5,000 short-term loss: $3,000 against ordinary income, $2,000 carried forward.
    assert (household.carryforward_st, household.carryforward_lt) == (D("2000.00"), D("0.00"))


def test_mapping_page_saves_a_mapping_of_the_firm(world: World, client_as: Any) -> None:
    web = client_as("operations")
    answer = web.post(
        "/imports/mappings/",
        {
            "name": "Custodian A",
            "kind": "positions",
            "columns_text": "quantity = Shares\n",
            "date_format": "%m/%d/%Y",
            "decimal_separator": ".",
            "thousands_separator": ",",
            "negative_parentheses": "on",
            "amount_sign": "signed",
            "encoding": "latin-1",
            "delimiter": ",",
        },
    )
    assert answer.status_code == 302
    mapping = ImportMapping.objects.get(firm=world.firm)
    assert (mapping.columns, mapping.encoding, mapping.thousands_separator) == (
        {"quantity": "Shares"},
        "latin-1",
        ",",
    )
    assert "Custodian A" in web.get("/imports/mappings/").content.decode()
    assert (
        "Custodian A" not in client_as("foreign_advisor").get("/imports/mappings/").content.decode()
    )


def test_a_large_file_is_queued_and_its_progress_polled(
    world: World, client_as: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_ASYNC_BYTES = 100
    Account.objects.filter(name="Joint brokerage").update(account_number="88012345")
    rows = "".join(f"88012345,BND,{n},{n * 70}.00,2024-03-01\n" for n in range(1, 41))
    text = "account_number,symbol,quantity,cost_basis,acquired_on\n" + rows
    web = client_as("operations")
    with django_capture_on_commit_callbacks(execute=True):
        answer = web.post(
            "/imports/",
            {
                "kind": "positions",
                "action": "import",
                "file": SimpleUploadedFile("big.csv", text.encode()),
            },
        )
    record = ImportRecord.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/imports/runs/{record.pk}/"
    # Tasks run eagerly in tests: the import has run by now.
    assert (record.status, record.rows_total, record.rows_done) == ("done", 40, 40)
    assert record.summary["created"] == 40
    assert (
        Lot.objects.filter(account__account_number="88012345", security__symbol="BND").count() == 40
    )
    fragment = web.get(f"/imports/runs/{record.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'value="100"' in fragment
    assert "hx-get" not in fragment  # finished: polling stops
    assert "big.csv" in web.get("/imports/history/").content.decode()
    assert client_as("foreign_advisor").get(f"/imports/runs/{record.pk}/").status_code == 404


def test_the_api_answers_202_for_a_large_file(
    world: World, api_as: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_ASYNC_BYTES = 10
    api = api_as("admin")
    text = "symbol,date,price\nVTI,2026-11-27,251.10\n"
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            "/api/v1/imports/prices/",
            {"file": SimpleUploadedFile("p.csv", text.encode())},
            format="multipart",
        )
    assert answer.status_code == 202
    polled = api.get(answer.json()["progress"]).json()
    assert (polled["status"], polled["progress"], polled["summary"]["created"]) == ("done", 100, 1)

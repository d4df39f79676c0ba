"""CSV imports of lots, transactions and prices: all or nothing, every error by row and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from portfolios.imports import files as import_csv
from portfolios.imports.checks import UNKNOWN_ACCOUNT
from portfolios.imports.files import RowError
from portfolios.imports.kinds import COLUMNS, ImportKind, template_rows
from portfolios.imports.services import lots_import, prices_import, transactions_import
from portfolios.models import Account, Lot, PricePoint, Security, Transaction
from tests.conftest import World
from tests.factories import (
    AccountFactory,
    PricePointFactory,
    SecurityFactory,
    csv_bytes,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)
LOT_HEADER = ("account", "symbol", "quantity", "cost_basis", "acquired_on")
TRANSACTION_HEADER = ("account", "symbol", "kind", "trade_date", "quantity", "amount")
PRICE_HEADER = ("symbol", "date", "price")


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _ira(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Ann IRA")


def _lots_of(*accounts: Account) -> set[tuple[int, str, Decimal, Decimal, date]]:
    return {
        (lot.account_id, lot.security.symbol, lot.quantity, lot.cost_basis, lot.acquired_on)
        for lot in Lot.objects.filter(account__in=accounts).select_related("security")
    }


def _errors(report: Any) -> list[tuple[int | None, str | None]]:
    return [(e.row, e.column) for e in report.errors]


# --- lots -----------------------------------------------------------------------------------


def test_a_good_lots_file_creates_exactly_its_rows(world: World) -> None:
    # given
    taxable, ira = _taxable(world), _ira(world)
    rows = [
        (taxable.pk, "VTI", "12.5", "3100.25", "2024-06-14"),
        (taxable.pk, "ITOT", "3", "290", "2023-01-03"),
        (ira.pk, "BND", "0.123456", "9.99", "2026-11-30"),
    ]
    before = _lots_of(taxable, ira)

    # when
    report = lots_import(
        user=world.user("owner"), upload=csv_bytes([LOT_HEADER, *rows]), today=TODAY
    )

    # then
    assert report.ok
    assert report.written
    assert (report.rows_read, report.created) == (3, 3)
    expected = {
        (account, symbol, Decimal(qty), Decimal(basis), date.fromisoformat(day))
        for account, symbol, qty, basis, day in rows
    }
    assert _lots_of(taxable, ira) - before == expected
    assert report.summary() == "3 rows imported: 3 lots created."


def test_several_bad_rows_write_nothing_and_each_is_reported(world: World) -> None:
    # given: row 2 is fine; rows 3 to 8 each have something wrong
    taxable = _taxable(world)
    rows = [
        (taxable.pk, "VTI", "10", "2500", "2024-01-02"),
        (taxable.pk, "VTI", "-1", "2500", "2024-01-02"),
        (taxable.pk, "NOPE", "1", "1,000", "2024-01-02"),
        (taxable.pk, "VTI", "1", "10", "2024-02-30"),
        ("", "VTI", "1", "10.001", "01/02/2024"),
        (taxable.pk, "VTI", "1e3", "-5", "2026-12-01"),
        ("abc", "", "", "", ""),
    ]
    before = Lot.objects.count()

    # when
    report = lots_import(
        user=world.user("owner"), upload=csv_bytes([LOT_HEADER, *rows]), today=TODAY
    )

    # then
    assert not report.ok
    assert not report.written
    assert Lot.objects.count() == before
    assert _errors(report) == [
        (3, "quantity"),
        (4, "symbol"),
        (4, "cost_basis"),
        (5, "acquired_on"),
        (6, "account"),
        (6, "cost_basis"),
        (6, "acquired_on"),
        (7, "quantity"),
        (7, "cost_basis"),
        (7, "acquired_on"),
        (8, "account"),
        (8, "symbol"),
        (8, "quantity"),
        (8, "cost_basis"),
        (8, "acquired_on"),
    ]
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(3, "quantity")] == "Must be more than 0."
    assert messages[(5, "acquired_on")] == "“2024-02-30” is not a real date."
    assert messages[(6, "account")] == "Required."
    assert messages[(6, "cost_basis")] == "At most 2 decimal places."
    assert "after today" in messages[(7, "acquired_on")]
    assert report.summary() == "15 errors; nothing was imported."


def test_bom_and_header_names_in_any_case_with_spaces(world: World) -> None:
    taxable = _taxable(world)
    header = ("  Account ", "SYMBOL", "Quantity", "Cost Basis", "ACQUIRED_ON")
    upload = csv_bytes([header, (taxable.pk, "vxus", "4", "240.00", "2025-03-03")], bom=True)

    report = lots_import(user=world.user("operations"), upload=upload, today=TODAY)

    assert report.written, report.errors
    assert Lot.objects.filter(
        account=taxable, security__symbol="VXUS", quantity=4, acquired_on=date(2025, 3, 3)
    ).exists()


def test_columns_may_come_in_any_order_and_blank_rows_keep_their_numbers(world: World) -> None:
    taxable = _taxable(world)
    upload = (
        "acquired_on,cost_basis,quantity,symbol,account\r\n"
        f"2024-01-02,100,1,VTI,{taxable.pk}\r\n"
        "\r\n"
        ",,,,\r\n"
        f"2024-01-02,100,0,VTI,{taxable.pk}\r\n"
    ).encode()

    report = lots_import(user=world.user("owner"), upload=upload, today=TODAY)

    assert report.rows_read == 2
    assert _errors(report) == [(5, "quantity")]


@pytest.mark.parametrize("persona", ["owner", "admin", "operations"])
def test_accounts_out_of_reach_are_unknown_like_missing_ones(world: World, persona: str) -> None:
    # given: an account of another firm, one of a household the persona may or may not edit,
    # and an id that does not exist
    foreign = Account.objects.get(household=world.foreign_household)
    jones = Account.objects.get(household=world.other_household)
    rows = [
        (foreign.pk, "VTI", "1", "100", "2024-01-02"),
        (jones.pk, "VTI", "1", "100", "2024-01-02"),
        (10**9, "VTI", "1", "100", "2024-01-02"),
    ]

    report = lots_import(
        user=world.user(persona), upload=csv_bytes([LOT_HEADER, *rows]), today=TODAY
    )

    unknown = [e.row for e in report.errors if e.message == UNKNOWN_ACCOUNT]
    # Admins and operations keep every household of their firm, advisors only their own.
    assert unknown == ([2, 4] if persona != "owner" else [2, 3, 4])
    assert not Lot.objects.filter(account__in=[foreign, jones], quantity=1).exists()


def test_a_symbol_of_another_firm_is_unknown(world: World) -> None:
    SecurityFactory(firm=world.other_firm, symbol="RIVAL")
    upload = csv_bytes([LOT_HEADER, (_taxable(world).pk, "RIVAL", "1", "100", "2024-01-02")])

    report = lots_import(user=world.user("owner"), upload=upload, today=TODAY)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "symbol", "Unknown symbol “RIVAL”: no security of your firm.")
    ]


def test_an_account_with_a_menu_takes_only_its_classes(world: World) -> None:
    plan = AccountFactory(household=world.household, name="401(k)", account_type="traditional_401k")
    plan.allowed_asset_classes.set([world.classes["us_bonds"]])
    rows = [(plan.pk, "BND", "5", "360", "2024-01-02"), (plan.pk, "VTI", "1", "250", "2024-01-02")]

    report = lots_import(
        user=world.user("owner"), upload=csv_bytes([LOT_HEADER, *rows]), today=TODAY
    )

    assert _errors(report) == [(3, "symbol")]
    assert "investment menu" in report.errors[0].message
    assert not plan.lots.exists()


def test_duplicates_in_the_file_and_in_the_book_are_refused(world: World) -> None:
    # given: row 3 repeats row 2 (written differently); row 4 is the world's VTI lot
    taxable = _taxable(world)
    rows = [
        (taxable.pk, "VTI", "1", "100", "2024-01-02"),
        (taxable.pk, "vti", "1.000", "100.00", "2024-01-02"),
        (taxable.pk, "VTI", "100", "15000", "2020-01-15"),
    ]

    report = lots_import(
        user=world.user("owner"), upload=csv_bytes([LOT_HEADER, *rows]), today=TODAY
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, None, "The same lot as row 2."),
        (4, None, "This lot is already in the book."),
    ]


def test_the_same_file_twice_is_refused_the_second_time(world: World) -> None:
    upload = csv_bytes([LOT_HEADER, (_taxable(world).pk, "BND", "2", "140", "2025-05-05")])

    first = lots_import(user=world.user("owner"), upload=upload, today=TODAY)
    second = lots_import(user=world.user("owner"), upload=upload, today=TODAY)

    assert first.written
    assert not second.ok
    assert Lot.objects.filter(security__symbol="BND", acquired_on=date(2025, 5, 5)).count() == 1


def test_a_dry_run_reports_what_it_would_create_and_writes_nothing(world: World) -> None:
    upload = csv_bytes([LOT_HEADER, (_taxable(world).pk, "VTI", "1", "100", "2024-01-02")])
    before = Lot.objects.count()

    report = lots_import(user=world.user("owner"), upload=upload, dry_run=True, today=TODAY)

    assert report.ok
    assert not report.written
    assert report.created == 1
    assert Lot.objects.count() == before
    assert report.summary() == "1 row checked: 1 lot would be created. Nothing was written."


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ("account", "symbol", "quantity", "acquired_on"),
            [(1, "cost_basis", "This column is missing.")],
        ),
        (
            ("account", "symbol", "quantity", "cost_basis", "acquired_on", "price"),
            [(1, "price", "Unknown column; the columns are " + ", ".join(LOT_HEADER) + ".")],
        ),
        (
            ("account", "symbol", "symbol", "quantity", "cost_basis", "acquired_on"),
            [(1, "symbol", "This column appears twice.")],
        ),
        (
            ("account;symbol;quantity;cost_basis;acquired_on",),
            [
                (
                    1,
                    None,
                    "Columns must be separated by commas, not semicolons or tabs (or choose a "
                    "mapping whose separator is ;).",
                )
            ],
        ),
    ],
)
def test_header_errors_are_on_row_1(
    world: World, header: tuple[str, ...], expected: list[tuple[int, str | None, str]]
) -> None:
    report = lots_import(user=world.user("owner"), upload=csv_bytes([header]), today=TODAY)

    assert [(e.row, e.column, e.message) for e in report.errors] == expected


@pytest.mark.parametrize(
    ("upload", "row", "message"),
    [
        (b"", None, "The file is empty"),
        (b"\n\n", None, "The file is empty"),
        ("account,symbol\n\xe9".encode("latin-1"), 2, "not UTF-8"),
        ("account".encode("utf-16"), None, "UTF-16"),
        (b'account,symbol\n"VTI', None, "not valid CSV"),
    ],
)
def test_files_that_cannot_be_read(
    world: World, upload: bytes, row: int | None, message: str
) -> None:
    report = lots_import(user=world.user("owner"), upload=upload, today=TODAY)

    assert len(report.errors) == 1
    assert report.errors[0].row == row
    assert message in report.errors[0].message


def test_file_size_and_row_limits(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_csv, "MAX_ROWS", 2)
    monkeypatch.setattr(import_csv, "MAX_FILE_BYTES", 200)
    row = (_taxable(world).pk, "VTI", "1", "100", "2024-01-02")

    too_many = lots_import(
        user=world.user("owner"), upload=csv_bytes([LOT_HEADER, row, row, row]), today=TODAY
    )
    too_big = lots_import(
        user=world.user("owner"), upload=csv_bytes([LOT_HEADER, *[row] * 10]), today=TODAY
    )

    assert too_many.file_errors == ["The file has more than 2 rows; split it into parts."]
    assert too_big.file_errors == ["The file is larger than 0 MB; split it into parts."]


def test_a_row_longer_than_the_header(world: World) -> None:
    upload = csv_bytes([LOT_HEADER, (_taxable(world).pk, "VTI", "1", "100", "2024-01-02", "x")])

    report = lots_import(user=world.user("owner"), upload=upload, today=TODAY)

    assert report.errors == (
        RowError(2, None, "This row has more cells than the header has columns."),
    )


def test_clients_may_not_import(world: World) -> None:
    with pytest.raises(PermissionDenied):
        lots_import(user=world.user("client"), upload=csv_bytes([LOT_HEADER]), today=TODAY)


def test_the_templates_match_the_columns() -> None:
    for kind in ImportKind:
        header, example = template_rows(kind)
        assert header == [c.name for c in COLUMNS[kind] if c.example]
        assert len(example) == len(header)
    assert template_rows(ImportKind.LOTS)[0] == list(LOT_HEADER)


# --- transactions ---------------------------------------------------------------------------


def test_transactions_are_recorded_and_lots_and_cash_stay(world: World) -> None:
    # given
    taxable = _taxable(world)
    header = (*TRANSACTION_HEADER, "realized_gain", "description")
    rows = [
        (taxable.pk, "VTI", "buy", "2026-01-05", "2", "-500.00", "", "Monthly buy"),
        (taxable.pk, "VTI", "sell", "2026-02-05", "1.5", "390.10", "-12.34", ""),
        (taxable.pk, "", "deposit", "2026-03-01", "", "1000", "", ""),
        (taxable.pk, "VXUS", "dividend", "2026-03-20", "0", "12.60", "", ""),
        (taxable.pk, "", "FEE", "2026-03-31", "", "-25", "", "Advisory fee"),
    ]
    lots_before = _lots_of(taxable)

    # when
    report = transactions_import(
        user=world.user("teammate"), upload=csv_bytes([header, *rows]), today=TODAY
    )

    # then
    assert report.written
    assert report.created == 5
    recorded = {
        (
            t.security.symbol if t.security else "",
            t.kind,
            t.trade_date,
            t.quantity,
            t.amount,
            t.realized_gain,
            t.description,
        )
        for t in Transaction.objects.filter(account=taxable).select_related("security")
    }
    assert recorded == {
        (
            symbol,
            kind.lower(),
            date.fromisoformat(day),
            Decimal(qty or "0"),
            Decimal(amount),
            Decimal(gain) if gain else None,
            description,
        )
        for _, symbol, kind, day, qty, amount, gain, description in rows
    }
    taxable.refresh_from_db()
    assert taxable.cash == Decimal("5000")
    assert _lots_of(taxable) == lots_before


def test_bad_transactions_are_each_reported(world: World) -> None:
    taxable = _taxable(world)
    header = (*TRANSACTION_HEADER, "realized_gain")
    rows = [
        (taxable.pk, "", "buy", "2026-01-05", "2", "-500", ""),
        (taxable.pk, "VTI", "gift", "2026-01-05", "2", "-500", ""),
        (taxable.pk, "VTI", "sell", "2026-01-05", "0", "500", "10"),
        (taxable.pk, "", "deposit", "2026-01-05", "", "", "5"),
        (taxable.pk, "", "deposit", "2026-01-05", "", "100", ""),
        (taxable.pk, "", "deposit", "2026-01-05", "", "100.00", ""),
    ]

    report = transactions_import(
        user=world.user("owner"), upload=csv_bytes([header, *rows]), today=TODAY
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "symbol", "Required."),
        (3, "kind", "“gift” is not a kind; use one of " + _kinds() + "."),
        (4, "quantity", "Must be more than 0."),
        (5, "amount", "Required."),
        (5, "realized_gain", "Only a sell realizes a gain."),
        (7, None, "The same transaction as row 6."),
    ]
    assert not Transaction.objects.filter(account=taxable).exists()


def _kinds() -> str:
    return "buy, sell, deposit, withdrawal, dividend, reinvest, fee"


def test_a_transaction_already_in_the_book_is_refused(world: World) -> None:
    taxable = _taxable(world)
    upload = csv_bytes([TRANSACTION_HEADER, (taxable.pk, "", "deposit", "2026-01-05", "", "100")])

    assert transactions_import(user=world.user("owner"), upload=upload, today=TODAY).written
    again = transactions_import(user=world.user("owner"), upload=upload, today=TODAY)

    assert _errors(again) == [(2, None)]
    assert Transaction.objects.filter(account=taxable).count() == 1


# --- prices ---------------------------------------------------------------------------------


def test_prices_are_upserted_and_the_newest_becomes_the_last_price(world: World) -> None:
    # given: VTI has a close on 2026-11-20; its last price is dated 2026-11-25 (the factory's)
    vti, bnd = world.securities["VTI"], world.securities["BND"]
    PricePointFactory(security=vti, date=date(2026, 11, 20), close=Decimal("240"))
    rows = [
        ("VTI", "2026-11-20", "245.5"),  # replaces the close of that day
        ("vti", "2026-11-27", "251.123456"),  # newest: becomes VTI's price
        ("VTI", "2026-11-26", "250"),
        ("BND", "2026-11-02", "70"),  # older than BND's last price: history only
    ]

    # when
    report = prices_import(
        user=world.user("operations"), upload=csv_bytes([PRICE_HEADER, *rows]), today=TODAY
    )

    # then
    assert report.written
    assert (report.created, report.updated, report.securities_repriced) == (3, 1, 1)
    closes = {
        (p.security.symbol, p.date, p.close)
        for p in PricePoint.objects.filter(security__in=[vti, bnd]).select_related("security")
    }
    assert closes == {(s.upper(), date.fromisoformat(d), Decimal(c)) for s, d, c in rows}
    vti.refresh_from_db()
    bnd.refresh_from_db()
    assert (vti.price, vti.price_date) == (Decimal("251.123456"), date(2026, 11, 27))
    assert (bnd.price, bnd.price_date) == (Decimal("72"), date(2026, 11, 25))
    assert report.summary() == "4 rows imported: 3 prices created, 1 updated, 1 last price updated."


def test_a_price_on_the_last_price_date_corrects_it(world: World) -> None:
    itot = world.securities["ITOT"]

    report = prices_import(
        user=world.user("admin"),
        upload=csv_bytes([PRICE_HEADER, ("ITOT", "2026-11-25", "111.5")]),
        today=TODAY,
    )

    itot.refresh_from_db()
    assert report.securities_repriced == 1
    assert itot.price == Decimal("111.5")


def test_a_price_older_than_the_newest_point_leaves_the_last_price(world: World) -> None:
    vxus = world.securities["VXUS"]
    Security.objects.filter(pk=vxus.pk).update(price_date=None)
    PricePointFactory(security=vxus, date=date(2026, 11, 28), close=Decimal("61"))

    report = prices_import(
        user=world.user("admin"),
        upload=csv_bytes([PRICE_HEADER, ("VXUS", "2026-11-27", "59")]),
        today=TODAY,
    )

    vxus.refresh_from_db()
    assert (report.created, report.securities_repriced) == (1, 0)
    assert vxus.price == Decimal("60")


def test_bad_price_rows(world: World) -> None:
    SecurityFactory(firm=world.other_firm, symbol="RIVAL")
    rows = [
        ("VTI", "2026-11-20", "245"),
        ("VTI", "2026-11-20", "246"),
        ("RIVAL", "2026-11-20", "10"),
        ("BND", "2026-12-01", "0"),
        ("BND", "2026-11-20", "12.1234567"),
    ]

    report = prices_import(
        user=world.user("admin"), upload=csv_bytes([PRICE_HEADER, *rows]), today=TODAY
    )

    assert _errors(report) == [(3, None), (4, "symbol"), (5, "date"), (5, "price"), (6, "price")]
    assert not PricePoint.objects.exists()


def test_a_price_dry_run_counts_and_writes_nothing(world: World) -> None:
    rows = [("VTI", "2026-11-27", "251")]

    report = prices_import(
        user=world.user("admin"),
        upload=csv_bytes([PRICE_HEADER, *rows]),
        dry_run=True,
        today=TODAY,
    )

    assert (report.created, report.securities_repriced, report.written) == (1, 1, False)
    assert not PricePoint.objects.exists()
    assert Security.objects.get(pk=world.securities["VTI"].pk).price == Decimal("250")


@pytest.mark.parametrize("persona", ["owner", "teammate", "client"])
def test_only_admins_and_operations_import_prices(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        prices_import(user=world.user(persona), upload=csv_bytes([PRICE_HEADER]), today=TODAY)


# --- query counts ---------------------------------------------------------------------------

# Lots: savepoint, accounts, their menus, securities, lots already in the book, the
# household's lock, one insert, release (8). Prices: savepoint, securities, days in the
# book, newest days, one upsert, one update of last prices, release (7). (book_import, which
# the page and the API call, adds the history triggers' settings on PostgreSQL.)
IMPORT_MAX_QUERIES = 8


def test_a_200_row_lots_import_costs_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    accounts = [
        _taxable(world),
        _ira(world),
        *AccountFactory.create_batch(8, household=world.household),
    ]
    symbols = ["VTI", "ITOT", "VXUS", "BND"]
    rows = [(accounts[n % 10].pk, symbols[n % 4], n + 1, "100", "2025-01-02") for n in range(200)]
    upload = csv_bytes([LOT_HEADER, *rows])
    user = world.user("owner")
    user.membership  # noqa: B018 - the session has it already on a page

    with django_assert_max_num_queries(IMPORT_MAX_QUERIES):
        report = lots_import(user=user, upload=upload, today=TODAY)

    assert report.created == 200


def test_200_transactions_and_200_prices_cost_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    taxable = _taxable(world)
    transactions = [
        (taxable.pk, "VTI", "buy", f"2026-{n % 11 + 1:02d}-01", n + 1, -n - 1) for n in range(200)
    ]
    prices = [
        (symbol, date.fromordinal(TODAY.toordinal() - n).isoformat(), 100 + n)
        for n in range(50)
        for symbol in ("VTI", "ITOT", "VXUS", "BND")
    ]
    user = world.user("admin")
    user.membership  # noqa: B018

    with django_assert_max_num_queries(IMPORT_MAX_QUERIES):
        recorded = transactions_import(
            user=user, upload=csv_bytes([TRANSACTION_HEADER, *transactions]), today=TODAY
        )
    with django_assert_max_num_queries(IMPORT_MAX_QUERIES):
        priced = prices_import(user=user, upload=csv_bytes([PRICE_HEADER, *prices]), today=TODAY)

    assert (recorded.created, priced.created, priced.securities_repriced) == (200, 200, 4)

"""Positions files streamed in chunks: checks across chunk boundaries, bounded reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

import portfolios.imports.positions as positions
import portfolios.imports.streams as streams
import portfolios.imports.transactions as transactions
from portfolios.imports.files import progress_hook
from portfolios.imports.kinds import ImportKind
from portfolios.imports.models import ImportRecord
from portfolios.imports.services import book_import, prices_import
from portfolios.models import Account, Lot, PricePoint, SaleLot, Transaction
from tests.conftest import World
from tests.factories import AccountFactory
from tests.portfolios.imports.test_positions import HEADER, TODAY, book, numbered, rows, run

__all__ = ["numbered"]  # the fixture, shared with the positions tests

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_rows_a_chunk(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_CHUNK_ROWS = 2


def _lots_of(world: World) -> int:  # how many lots the household holds
    return Lot.objects.filter(account__household=world.household).count()


def test_a_duplicate_lot_in_another_chunk_is_caught(numbered: World) -> None:
    before = _lots_of(numbered)
    data = (
        HEADER
        + "88012345,VTI,10,1000.00,2024-01-02\n"  # row 2, chunk 1
        + "88012345,BND,5,350.00,2024-01-02\n"  # row 3, chunk 1
        + "88067890,VTI,3,300.00,2024-02-01\n"  # row 4, chunk 2
        + "88012345,VTI,10,1000.00,2024-01-02\n"  # row 5, chunk 2: row 2 again
    ).encode()
    report = run(numbered, data)
    assert rows(report) == [(5, None, "A duplicate lot: the same as row 2.")]
    assert report.rows_read == 4
    assert _lots_of(numbered) == before
    assert not ImportRecord.objects.exists()


def test_row_numbers_stay_right_across_chunks(numbered: World) -> None:
    data = (
        HEADER
        + "88012345,VTI,10,1000.00,2024-01-02\n"  # row 2
        + "\n"  # row 3: blank, skipped, keeps its number
        + "88012345,BND,5,350.00,2024-01-02\n"  # row 4
        + "88012345,BND,0,350.00,2024-01-03\n"  # row 5: zero quantity (chunk 2)
        + "88012345,VTI,1,10.00,2024-13-01\n"  # row 6: no month 13 (chunk 3)
    ).encode()
    report = run(numbered, data)
    assert [(row, column) for row, column, _ in rows(report)] == [
        (5, "quantity"),
        (6, "acquired_on"),
    ]
    assert rows(report)[0][2] == "Must be more than 0."


def test_an_error_in_the_last_chunk_writes_nothing(numbered: World) -> None:
    before = book(numbered)
    good = "".join(f"88012345,VTI,{n},{n}00.00,2024-01-0{n}\n" for n in range(1, 8))
    data = (HEADER + good + "88012345,NOSUCH,1,1.00,2024-01-09\n").encode()
    report = run(numbered, data)
    assert [(r, c) for r, c, _ in rows(report)] == [(9, "symbol")]
    assert report.unknown_symbols == ["NOSUCH"]
    assert book(numbered) == before
    accepted = run(numbered, (HEADER + good).encode())
    assert (accepted.created, accepted.rows_read) == (7, 7)
    assert ("88012345", "VTI", D(7), D("700.00"), date(2024, 1, 7)) in book(numbered)


def test_only_the_first_errors_are_kept_and_all_are_counted(
    numbered: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "ERRORS_KEPT", 3)
    bad = "".join(f"88012345,VTI,-{n},100.00,2024-01-02\n" for n in range(1, 11))  # rows 2-11
    report = run(numbered, (HEADER + bad).encode())
    assert [r for r, _, _ in rows(report)] == [2, 3, 4]
    assert report.error_total == 10
    assert report.summary() == "10 errors; nothing was imported."


def test_only_the_first_changes_are_listed_and_all_are_counted(
    numbered: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(positions, "CHANGES_KEPT", 2)
    data = "".join(f"88012345,BND,{n},{n}0.00,2023-05-0{n}\n" for n in range(1, 6))
    report = run(numbered, (HEADER + data).encode(), dry_run=True)
    closed = Lot.objects.filter(account__account_number="88012345").count()
    assert (report.created, report.closed) == (5, closed)
    assert [(c["action"], c["quantity"]) for c in report.changes] == [
        ("added", "1.000000"),
        ("added", "2.000000"),
    ]


def test_progress_is_told_after_each_chunk(numbered: World) -> None:
    told: list[int] = []
    token = progress_hook.set(told.append)
    try:
        data = "".join(f"88012345,BND,{n},{n}0.00,2023-05-0{n}\n" for n in range(1, 6))
        run(numbered, (HEADER + data).encode(), dry_run=True)  # rows 2-6
    finally:
        progress_hook.reset(token)
    assert told == [3, 5]  # after rows 2-3 and 4-5; row 6 ends the file


# --- prices ---------------------------------------------------------------------------------

PRICES = "symbol,date,price\n"


def _closes() -> set[tuple[str, date, D]]:
    return set(
        PricePoint.objects.values_list("security__symbol", "date", "close")  # type: ignore[arg-type]
    )


def test_a_price_repeated_in_another_chunk_is_caught(world: World) -> None:
    before = _closes()
    data = (
        PRICES
        + "VTI,2026-11-20,245.50\n"  # row 2, chunk 1
        + "BND,2026-11-20,70\n"  # row 3, chunk 1
        + "BND,2026-11-21,71\n"  # row 4, chunk 2
        + "vti,2026-11-20,246\n"  # row 5, chunk 2: VTI's day of row 2 again
    ).encode()
    report = prices_import(user=world.user("operations"), upload=data, today=TODAY)
    assert rows(report) == [(5, None, "The same symbol and date as row 2.")]
    assert _closes() == before


def test_prices_in_chunks_all_land_and_an_error_in_the_last_chunk_writes_nothing(
    world: World,
) -> None:
    good = "".join(f"VTI,2026-11-0{n},{240 + n}\n" for n in range(1, 6))  # rows 2-6
    user = world.user("operations")
    last = "VTI,2026-12-01,1\n"
    refused = prices_import(user=user, upload=(PRICES + good + last).encode(), today=TODAY)
    assert [(r, c) for r, c, _ in rows(refused)] == [(7, "date")]  # after today
    assert not PricePoint.objects.filter(date__month=11, date__day__lte=5).exists()
    report = prices_import(user=user, upload=(PRICES + good).encode(), today=TODAY)
    assert (report.created, report.updated, report.rows_read) == (5, 0, 5)
    vti = set(PricePoint.objects.filter(security__symbol="VTI").values_list("date", "close"))
    assert {(date(2026, 11, n), D(240 + n)) for n in range(1, 6)} <= vti


# --- lots -----------------------------------------------------------------------------------

LOTS = "account,symbol,quantity,cost_basis,acquired_on\n"


def _joint(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def test_lots_in_chunks_catch_repeats_across_chunks_and_lots_already_in_the_book(
    world: World,
) -> None:
    joint = _joint(world).pk
    held = Lot.objects.filter(account_id=joint).select_related("security").first()
    assert held is not None
    in_book = f"{joint},{held.security.symbol},{held.quantity},{held.cost_basis},{held.acquired_on}"
    before = _lots_of(world)
    data = (
        LOTS
        + f"{joint},VTI,1,100.00,2024-03-01\n"  # row 2, chunk 1
        + f"{joint},BND,2,150.00,2024-03-01\n"  # row 3, chunk 1
        + in_book  # row 4, chunk 2: the book has it
        + "\n"
        + f"{joint},VTI,1,100.00,2024-03-01\n"  # row 5, chunk 2: row 2 again
        + in_book  # row 6, chunk 3: row 4 again (said once: the same as row 4)
        + "\n"
    ).encode()
    report = run(world, data, kind="lots")
    assert rows(report) == [
        (4, None, "This lot is already in the book."),
        (5, None, "The same lot as row 2."),
        (6, None, "The same lot as row 4."),
    ]
    assert (report.rows_read, report.created) == (5, 0)
    assert _lots_of(world) == before


def test_lots_in_chunks_are_all_created_with_their_values(world: World) -> None:
    joint = _joint(world).pk
    before = _lots_of(world)
    good = "".join(f"{joint},BND,{n}.5,{n}0.25,2024-04-0{n}\n" for n in range(1, 6))
    report = run(world, (LOTS + good).encode(), kind="lots")
    assert (report.ok, report.created, report.rows_read) == (True, 5, 5)
    created = set(
        Lot.objects.filter(account_id=joint, security__symbol="BND", acquired_on__year=2024)
        .filter(acquired_on__month=4)
        .values_list("quantity", "cost_basis", "acquired_on")
    )
    assert created == {(D(f"{n}.5"), D(f"{n}0.25"), date(2024, 4, n)) for n in range(1, 6)}
    assert _lots_of(world) == before + 5
    again = run(world, (LOTS + good).encode(), kind="lots")
    assert [r for r, _, _ in rows(again)] == [2, 3, 4, 5, 6]  # each already in the book
    assert _lots_of(world) == before + 5


def test_lots_by_account_number_keep_the_menu_and_a_file_needs_an_account_column(
    numbered: World,
) -> None:
    ira = Account.objects.get(household=numbered.household, name="Ann IRA")
    bonds = numbered.securities["BND"].asset_class
    ira.allowed_asset_classes.set([bonds])  # a menu of bonds only
    header = "account_number,symbol,quantity,cost_basis,acquired_on\n"
    data = (
        header
        + "88067890,BND,2,150.00,2024-06-03\n"  # row 2: on the menu
        + "88067890,VTI,1,200.00,2024-06-03\n"  # row 3: not on the menu
        + "99000001,BND,1,75.00,2024-06-03\n"  # row 4, chunk 2: another firm's number
    ).encode()
    report = run(numbered, data, kind="lots")
    assert [(r, c) for r, c, _ in rows(report)] == [(3, "symbol"), (4, "account_number")]
    assert "not on this account's investment menu" in rows(report)[0][2]
    accepted = run(numbered, (header + "88067890,BND,2,150.00,2024-06-03\n").encode(), kind="lots")
    assert (accepted.written, accepted.created) == (True, 1)
    assert Lot.objects.filter(account=ira, acquired_on=date(2024, 6, 3)).count() == 1
    no_account = run(
        numbered, b"symbol,quantity,cost_basis,acquired_on\nBND,1,1.00,2024-06-03\n", kind="lots"
    )
    assert rows(no_account) == [(1, "account_number", "This column is missing.")]


# --- transactions ---------------------------------------------------------------------------

TRADES = "account_number,symbol,kind,trade_date,quantity,amount,description\n"


@pytest.fixture
def empty_account(world: World) -> Account:
    return AccountFactory(household=world.household, account_number="88055555", cash=D("0.00"))


def test_transactions_repeated_across_chunks_and_in_the_book_are_refused(
    world: World, empty_account: Account
) -> None:
    first = (
        TRADES
        + "88055555,,deposit,2026-01-02,,1000.00,Opening\n"  # row 2
        + "88055555,,fee,2026-01-31,,-5.00,\n"  # row 3
    ).encode()
    assert run(world, first, kind="transactions").written
    data = (
        TRADES
        + "88055555,,deposit,2026-02-02,,250.00,Top-up\n"  # row 2, chunk 1
        + "88055555,,deposit,2026-02-02,,250.00,Top-up again\n"  # row 3: another description
        + "88055555,,fee,2026-01-31,,-5.00,\n"  # row 4, chunk 2: in the book
        + "88055555,,deposit,2026-02-02,,250.00,Top-up\n"  # row 5, chunk 2: row 2 again
    ).encode()
    report = run(world, data, kind="transactions")
    assert rows(report) == [
        (4, None, "This transaction is already in the book."),
        (5, None, "The same transaction as row 2."),
    ]
    assert Transaction.objects.filter(account=empty_account).count() == 2


def test_equal_hashes_of_different_transactions_are_told_apart(
    world: World, empty_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transactions, "key_hash", lambda key: 0)  # every key collides
    distinct = (
        TRADES
        + "88055555,,deposit,2026-02-02,,250.00,\n"  # row 2
        + "88055555,,deposit,2026-02-03,,250.00,\n"  # row 3: another day
        + "88055555,,deposit,2026-02-02,,250.01,\n"  # row 4: another amount
    )
    repeated = (
        distinct
        + "88055555,,deposit,2026-02-03,,250.00,\n"  # row 5: row 3 again
        + "88055555,,deposit,2026-02-02,,250.00,\n"  # row 6: row 2 again
    )
    report = run(world, repeated.encode(), kind="transactions")
    assert rows(report) == [
        (5, None, "The same transaction as row 3."),
        (6, None, "The same transaction as row 2."),
    ]
    accepted = run(world, distinct.encode(), kind="transactions")
    assert (accepted.written, accepted.created) == (True, 3)
    again = run(world, distinct.encode(), kind="transactions")
    assert [r for r, _, _ in rows(again)] == [2, 3, 4]  # each already in the book


def _applied(world: World, data: bytes):  # type: ignore[no-untyped-def]
    return book_import(
        kind=ImportKind.TRANSACTIONS,
        user=world.user("operations"),
        upload=data,
        today=TODAY,
        apply=True,
    )


def test_applied_transactions_move_the_book_in_trade_date_order_across_chunks(
    world: World, empty_account: Account
) -> None:
    data = (
        TRADES
        + "88055555,VTI,sell,2026-03-02,4,480.00,\n"  # row 2, chunk 1: applied last
        + "88055555,,deposit,2026-01-02,,1000.00,\n"  # row 3, chunk 1: applied first
        + "88055555,VTI,buy,2026-02-02,10,-1000.00,\n"  # row 4, chunk 2
    ).encode()
    report = _applied(world, data)
    assert report.written, rows(report)
    empty_account.refresh_from_db()
    assert empty_account.cash == D("480.00")  # 0 + 1,000 - 1,000 + 480
    lot = Lot.objects.get(account=empty_account)
    assert (lot.quantity, lot.cost_basis, lot.acquired_on) == (D(6), D("600.00"), date(2026, 2, 2))
    sale = Transaction.objects.get(account=empty_account, kind="sell")
    assert (sale.cost_basis, sale.realized_gain) == (D("400.00"), D("80.00"))
    assert SaleLot.objects.filter(transaction=sale).count() == 1


def test_the_same_file_applied_again_changes_nothing(world: World, empty_account: Account) -> None:
    data = (
        TRADES
        + "88055555,,deposit,2026-01-02,,1000.00,\n"  # row 2
        + "88055555,VTI,buy,2026-02-02,10,-1000.00,\n"  # row 3
        + "88055555,VTI,sell,2026-03-02,4,480.00,\n"  # row 4: its gain is computed and kept
    ).encode()
    assert _applied(world, data).written
    sale = Transaction.objects.get(account=empty_account, kind="sell")
    assert sale.realized_gain == D("80.00")  # the book's sale now has a gain the file had not
    again = _applied(world, data)
    assert rows(again) == [
        (2, None, "This transaction is already in the book."),
        (3, None, "This transaction is already in the book."),
        (4, None, "This transaction is already in the book."),
    ]
    empty_account.refresh_from_db()
    assert empty_account.cash == D("480.00")
    assert Transaction.objects.filter(account=empty_account).count() == 3
    lot = Lot.objects.get(account=empty_account)
    assert lot.quantity == D(6)


def test_applying_moves_the_bar_half_for_the_reading_and_half_for_the_applying(
    world: World, empty_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transactions, "APPLY_PROGRESS_EVERY", 1)
    data = (
        TRADES
        + "88055555,,deposit,2026-01-02,,1000.00,\n"  # row 2, chunk 1
        + "88055555,VTI,buy,2026-02-02,1,-100.00,\n"  # row 3, chunk 1: the reader tells row 3
        + "88055555,VTI,buy,2026-02-03,1,-100.00,\n"  # row 4, chunk 2: the file's last row
    ).encode()
    told: list[int] = []
    token = progress_hook.set(told.append)
    try:
        report = _applied(world, data)
    finally:
        progress_hook.reset(token)
    assert report.written
    # Reading: row 3 of 4 is told as 1 (half of it); applying rows 1-3 of 3: 2 + 4 * n // 6.
    assert told == [1, 2, 3, 4]


def test_a_sale_the_book_cannot_take_is_its_rows_error_and_nothing_moves(
    world: World, empty_account: Account
) -> None:
    data = (
        TRADES
        + "88055555,,deposit,2026-01-02,,1000.00,\n"  # row 2
        + "88055555,VTI,buy,2026-02-02,1,-100.00,\n"  # row 3
        + "88055555,VTI,sell,2026-03-02,4,480.00,\n"  # row 4, chunk 2: 4 of 1 share
    ).encode()
    report = _applied(world, data)
    assert [(r, c) for r, c, _ in rows(report)] == [(4, None)]
    empty_account.refresh_from_db()
    assert empty_account.cash == D("0.00")
    assert not Lot.objects.filter(account=empty_account).exists()
    assert not Transaction.objects.filter(account=empty_account).exists()


# --- cash -----------------------------------------------------------------------------------

CASH = "account_number,date,cash\n"


def test_cash_in_chunks_sets_balances_and_refuses_an_account_twice(numbered: World) -> None:
    joint = _joint(numbered)
    data = (
        CASH
        + "88012345,2026-11-27,1500.00\n"  # row 2, chunk 1
        + "88067890,2026-11-27,20.00\n"  # row 3, chunk 1
        + "88012345,2026-11-28,1600.00\n"  # row 4, chunk 2: row 2's account again
    ).encode()
    report = run(numbered, data, kind="cash")
    assert rows(report) == [(4, None, "The same account as row 2.")]
    joint.refresh_from_db()
    before = joint.cash
    assert before != D("1500.00")
    accepted = run(numbered, data[: data.index(b"88012345,2026-11-28")], kind="cash")
    assert accepted.written
    joint.refresh_from_db()
    assert joint.cash == D("1500.00")
    first = accepted.changes[0]  # in the file's order: row 2 first
    assert (first["account"], first["cash"], first["new_cash"]) == (
        "Joint brokerage",
        str(before),
        "1500.00",
    )

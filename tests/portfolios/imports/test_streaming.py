"""Positions files streamed in chunks: checks across chunk boundaries, bounded reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

import portfolios.imports.positions as positions
import portfolios.imports.streams as streams
from portfolios.imports.files import progress_hook
from portfolios.imports.models import ImportRecord
from portfolios.imports.services import prices_import
from portfolios.models import Lot, PricePoint
from tests.conftest import World
from tests.portfolios.imports.test_positions import HEADER, TODAY, book, numbered, rows, run

__all__ = ["numbered"]  # the fixture, shared with the positions tests

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_rows_a_chunk(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_CHUNK_ROWS = 2


def _lots_of(world: World) -> int:
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

"""Reconciliation on compact keys (no database): duplicates, matching, order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from portfolios.imports.reconcile import Lots, cents, duplicates, reconcile, shares

DAY = date(2024, 3, 1)


def lots(*rows: tuple[int, int, int, date, str, str]) -> Lots:
    made = Lots()
    for ref, account, security, day, quantity, basis in rows:
        made.add(ref, account, security, day, D(quantity), D(basis), D(0))
    return made


def test_keys_are_exact_whole_numbers() -> None:
    made = lots((2, 7, 9, DAY, "10.123456", "2450.75"))
    assert (made.quantity[0], made.basis[0], made.day[0]) == (10_123_456, 245_075, DAY.toordinal())
    assert (shares(made.quantity[0]), cents(made.basis[0])) == (D("10.123456"), D("2450.75"))


def test_duplicates_name_the_first_row_wherever_they_are() -> None:
    file = lots(
        (2, 1, 1, DAY, "10", "100"),
        (3, 2, 1, DAY, "10", "100"),  # another account: not a duplicate
        (4, 1, 1, DAY, "10", "100.01"),  # another basis: not a duplicate
        (5, 1, 1, DAY, "10", "100"),
        (6, 1, 1, DAY, "10", "100"),
    )
    assert duplicates(file) == [(5, 2), (6, 2)]


def test_basis_per_share_first_then_in_order() -> None:
    # The book's day: lot 11 at 70 a share, lot 12 at 80 a share (ids in order).
    book = lots((11, 1, 1, DAY, "10", "700"), (12, 1, 1, DAY, "10", "800"))
    # The file: 800/10 = 80 matches lot 12 unchanged; 350/5 = 70 matches lot 11, changed.
    file = lots((2, 1, 1, DAY, "10", "800"), (3, 1, 1, DAY, "5", "350"))
    done = reconcile(file, book)
    assert (done.added, done.changed, done.closed, done.unchanged) == ([], [(0, 1)], [], 1)


def test_added_changed_closed_in_file_and_id_order() -> None:
    other = date(2020, 1, 15)
    book = lots(
        (30, 1, 1, other, "100", "15000"),  # the file's day: changed by row 4
        (31, 1, 2, DAY, "1", "10"),  # a day the file does not name: closed
        (32, 1, 1, DAY, "2", "20"),  # no basis per share matches, paired in order: changed
        (33, 1, 1, DAY, "3", "30"),  # left over on its day: closed
    )
    file = lots(
        (2, 1, 1, DAY, "4", "44"),  # 11 a share: pairs with lot 32
        (3, 1, 3, DAY, "1", "5"),  # a new security: added
        (4, 1, 1, other, "60", "9000"),
    )
    done = reconcile(file, book)
    assert done.added == [1]
    assert done.changed == [(2, 0), (0, 2)]  # by file row: row 2 (lot 32), row 4 (lot 30)
    assert [book.ref[b] for b in done.closed] == [31, 33]
    assert done.unchanged == 0


def test_an_empty_file_closes_nothing_it_does_not_name() -> None:
    done = reconcile(Lots(), Lots())
    assert (done.added, done.changed, done.closed, done.unchanged) == ([], [], [], 0)

"""Reconciling a positions file with the book, on compact keys: no ORM, no Django.

A lot, of the file or of the book, is six whole numbers in typed arrays (:class:`Lots`):
its row (or the book's lot id), account id, security id, acquisition day (ordinal),
quantity in millionths of a share and basis in cents. 100,000 lots take a few
megabytes, where records and model instances took hundreds.

Both sides are sorted by (account, security, day), so duplicates in the file sit
side by side and each day's lots meet the book's in one walk. The matching is the
one the positions notes document: a file lot takes the first free book lot of its
day with the same basis per share (compared exactly, as cross products of whole
numbers), then the rest pair up in order (the book's by id, the file's by row);
file lots left over are added, book lots left over are closed, as are the lots of
the file's accounts on days the file does not name.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

SHARE_PLACES = 6
MONEY_PLACES = 2


def _column() -> array[int]:
    return array("q")


@dataclass
class Lots:
    """Lots as parallel arrays; ``ref`` is the file's row or the book's lot id."""

    ref: array[int] = field(default_factory=_column)
    account: array[int] = field(default_factory=_column)
    security: array[int] = field(default_factory=_column)
    day: array[int] = field(default_factory=_column)
    quantity: array[int] = field(default_factory=_column)  # millionths of a share
    basis: array[int] = field(default_factory=_column)  # cents
    replacing: array[int] = field(default_factory=_column)  # millionths (book lots only)

    def __len__(self) -> int:
        return len(self.ref)

    def add(
        self,
        ref: int,
        account: int,
        security: int,
        day: date,
        quantity: Decimal,
        basis: Decimal,
        replacing: Decimal | None = None,
    ) -> None:
        self.ref.append(ref)
        self.account.append(account)
        self.security.append(security)
        self.day.append(day.toordinal())
        self.quantity.append(int(quantity.scaleb(SHARE_PLACES)))
        self.basis.append(int(basis.scaleb(MONEY_PLACES)))
        if replacing is not None:
            self.replacing.append(int(replacing.scaleb(SHARE_PLACES)))

    def group(self, i: int) -> tuple[int, int, int]:
        return self.account[i], self.security[i], self.day[i]

    def same_lot(self, i: int, j: int) -> bool:
        return self.group(i) == self.group(j) and (self.quantity[i], self.basis[i]) == (
            self.quantity[j],
            self.basis[j],
        )


def shares(micro: int) -> Decimal:
    return Decimal(micro).scaleb(-SHARE_PLACES)


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-MONEY_PLACES)


def sorted_by_day(lots: Lots, *, exact: bool = False) -> array[int]:
    """Indices by (account, security, day[, quantity, basis]), then index.

    Each key is packed into one non-negative integer of fixed-width fields, so the
    sort holds one small integer a lot instead of a tuple.
    """
    columns = [lots.account, lots.security, lots.day]
    if exact:
        columns += [lots.quantity, lots.basis]
    widths = [max(c, default=0).bit_length() for c in columns]
    index_width = max(len(lots), 1).bit_length()
    packed = []
    for i in range(len(lots)):
        key = 0
        for column, width in zip(columns, widths, strict=True):
            key = (key << width) | column[i]
        packed.append((key << index_width) | i)
    packed.sort()
    mask = (1 << index_width) - 1
    return array("q", (key & mask for key in packed))


def duplicates(lots: Lots) -> list[tuple[int, int]]:
    """(row, earlier row) of each file lot identical to an earlier one."""
    order = sorted_by_day(lots, exact=True)
    found = []
    first = -1
    for n, i in enumerate(order):
        if n == 0 or not lots.same_lot(i, order[n - 1]):
            first = i
        else:
            found.append((lots.ref[i], lots.ref[first]))
    return found


@dataclass
class Reconciled:
    """Indices into the file's lots (added), the book's (closed), both (changed)."""

    added: list[int] = field(default_factory=list)
    changed: list[tuple[int, int]] = field(default_factory=list)  # (book, file)
    closed: list[int] = field(default_factory=list)
    unchanged: int = 0


def reconcile(file: Lots, book: Lots) -> Reconciled:
    """What the file adds, changes and closes in the book (lists in file / lot id order)."""
    done = Reconciled()
    f_order, b_order = sorted_by_day(file), sorted_by_day(book)
    fi = bi = 0
    while fi < len(f_order) or bi < len(b_order):
        f_key = file.group(f_order[fi]) if fi < len(f_order) else None
        b_key = book.group(b_order[bi]) if bi < len(b_order) else None
        if f_key is None or (b_key is not None and b_key < f_key):
            done.closed.append(b_order[bi])  # a day of the book the file does not name
            bi += 1
            continue
        fj = fi
        while fj < len(f_order) and file.group(f_order[fj]) == f_key:
            fj += 1
        bj = bi
        while bj < len(b_order) and book.group(b_order[bj]) == f_key:
            bj += 1
        _match_day(file, book, list(f_order[fi:fj]), list(b_order[bi:bj]), done)
        fi, bi = fj, bj
    done.added.sort()
    done.changed.sort(key=lambda pair: pair[1])
    done.closed.sort(key=lambda b: book.ref[b])
    return done


def _match_day(
    file: Lots, book: Lots, new_lots: list[int], free: list[int], done: Reconciled
) -> None:
    """One (account, security, day): new_lots in row order, free in lot id order."""
    pending: list[int] = []
    pairs: list[tuple[int, int]] = []
    for new in new_lots:
        same = next(
            (
                b
                for b in free
                if book.basis[b] * file.quantity[new] == file.basis[new] * book.quantity[b]
            ),
            None,
        )
        if same is None:
            pending.append(new)
        else:
            free.remove(same)
            pairs.append((same, new))
    pairs.extend(zip(free, pending, strict=False))
    done.added.extend(pending[len(free) :])
    done.closed.extend(free[len(pending) :])
    for old, new in pairs:
        if (book.quantity[old], book.basis[old]) == (file.quantity[new], file.basis[new]):
            done.unchanged += 1
        else:
            done.changed.append((old, new))

"""Rounding an asset-location plan to cents without breaking its totals.

The solver works in floats; the plan is reported in cents. Rounding every cell
on its own can leave an account or an asset class a cent off its total, which an
advisor (and a reconciliation) would notice. The functions here round so that
the totals hold exactly: each cell goes to its floor or ceiling by largest
remainder first, and any cent still out of place is moved along an
alternating path of cells (a transportation problem with integral totals always
has an integral solution, so such a path exists whenever the totals can be met).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

# A float this close to a whole cent is that cent (solver noise, not a fraction).
_SNAP = 1e-6


def largest_remainder(amounts: Sequence[Decimal], total: int) -> list[int]:
    """Whole units (cents) for non-negative ``amounts`` that add up to exactly ``total``.

    Each amount is floored; the units still missing go one each to the amounts
    with the largest remainders (units in excess are taken from the smallest).
    Ties go to the earlier amount, so the answer is deterministic.
    """
    floors = [int(max(amount, Decimal(0)) // 1) for amount in amounts]
    remainders = [
        max(amount, Decimal(0)) - floor for amount, floor in zip(amounts, floors, strict=True)
    ]
    by_remainder = sorted(range(len(amounts)), key=lambda i: (-remainders[i], i))
    missing = total - sum(floors)
    while missing > 0 and by_remainder:
        for position in by_remainder[:missing]:
            floors[position] += 1
        missing = total - sum(floors)
    while missing < 0:
        position = next(i for i in reversed(by_remainder) if floors[i] > 0)
        floors[position] -= 1
        missing += 1
    return floors


def round_matrix_to_cents(
    cents: NDArray[np.float64],
    allowed: NDArray[np.bool_],
    row_totals: Sequence[int],
    column_totals: Sequence[int],
) -> NDArray[np.int64] | None:
    """Whole cents per cell whose rows and columns add up exactly to the totals.

    ``cents`` is the solver's placement (accounts by classes, in cents); cells
    that are not ``allowed`` stay at zero. Returns ``None`` when no whole-cent
    placement meets the totals (the household is infeasible by a few cents).
    """
    rows = np.asarray(row_totals, dtype=np.int64)
    columns = np.asarray(column_totals, dtype=np.int64)
    if rows.sum() != columns.sum():
        return None
    clean = np.where(allowed, np.maximum(cents, 0.0), 0.0)
    whole = np.floor(clean + _SNAP).astype(np.int64)
    fraction = np.maximum(clean - whole, 0.0)
    _trim_overshoot(whole, fraction, rows, columns)
    row_need = rows - whole.sum(axis=1)
    column_need = columns - whole.sum(axis=0)
    _add_largest_remainders(whole, fraction, row_need, column_need)
    while row_need.any():
        start = int(np.flatnonzero(row_need > 0)[0])
        if not _augment(whole, allowed, start, column_need):
            return None
        row_need[start] -= 1
    return whole


def round_rows_to_cents(
    cents: NDArray[np.float64], allowed: NDArray[np.bool_], row_totals: Sequence[int]
) -> NDArray[np.int64]:
    """Whole cents per cell with exact row totals only (largest remainder within each row)."""
    clean = np.where(allowed, np.maximum(cents, 0.0), 0.0)
    whole = np.zeros(clean.shape, dtype=np.int64)
    for row, total in enumerate(row_totals):
        offered = np.flatnonzero(allowed[row])
        amounts = [Decimal(float(amount)) for amount in clean[row, offered]]
        whole[row, offered] = largest_remainder(amounts, total)
    return whole


def _trim_overshoot(
    whole: NDArray[np.int64],
    fraction: NDArray[np.float64],
    rows: NDArray[np.int64],
    columns: NDArray[np.int64],
) -> None:
    """Take back cents where solver noise rounded a row or column past its total."""
    for axis, totals in ((1, rows), (0, columns)):
        view = whole if axis == 1 else whole.T
        smallest_fraction = fraction if axis == 1 else fraction.T
        for line in np.flatnonzero(view.sum(axis=1) > totals):
            while view[line].sum() > totals[line]:
                candidates = np.flatnonzero(view[line] > 0)
                cell = candidates[np.argmin(smallest_fraction[line, candidates])]
                view[line, cell] -= 1
                smallest_fraction[line, cell] += 1.0


def _add_largest_remainders(
    whole: NDArray[np.int64],
    fraction: NDArray[np.float64],
    row_need: NDArray[np.int64],
    column_need: NDArray[np.int64],
) -> None:
    """Round up the cells with the largest fractions while their row and column need it."""
    columns = whole.shape[1]
    for flat in np.argsort(-fraction, axis=None, kind="stable"):
        if fraction.flat[flat] <= _SNAP:
            break
        row, column = divmod(int(flat), columns)
        if row_need[row] > 0 and column_need[column] > 0:
            whole[row, column] += 1
            row_need[row] -= 1
            column_need[column] -= 1


def _augment(
    whole: NDArray[np.int64],
    allowed: NDArray[np.bool_],
    start: int,
    column_need: NDArray[np.int64],
) -> bool:
    """Move one cent from row ``start`` to a column that needs it, along an alternating path.

    The path adds a cent to an allowed cell, takes one back from another row of
    that column, adds it elsewhere in that row, and so on (breadth first, so the
    path is as short as possible); every row and column it passes through keeps
    its sum.
    """
    row_count, column_count = whole.shape
    reached_column_from = [-1] * column_count
    reached_row_from = [-1] * row_count
    seen_rows = [False] * row_count
    seen_rows[start] = True
    queue = deque([start])
    while queue:
        row = queue.popleft()
        for column in np.flatnonzero(allowed[row]):
            if reached_column_from[column] != -1:
                continue
            reached_column_from[column] = row
            if column_need[column] > 0:
                _apply_path(whole, start, int(column), reached_column_from, reached_row_from)
                column_need[column] -= 1
                return True
            for other in np.flatnonzero(whole[:, column] > 0):
                if not seen_rows[other]:
                    seen_rows[other] = True
                    reached_row_from[other] = int(column)
                    queue.append(int(other))
    return False


def _apply_path(
    whole: NDArray[np.int64],
    start: int,
    column: int,
    reached_column_from: list[int],
    reached_row_from: list[int],
) -> None:
    while True:
        row = reached_column_from[column]
        whole[row, column] += 1
        if row == start:
            return
        column = reached_row_from[row]
        whole[row, column] -= 1

"""Review dates from the IPS anchor: hand-counted every three months, clamped to month ends."""

from __future__ import annotations

from datetime import date

import pytest

from advisory.engine.review_schedule import ReviewPeriod, is_overdue, latest_review_periods

CASES = [
    # anchor, as_of, expected periods (kind, start, end, due)
    (
        date(2025, 1, 15),
        date(2026, 4, 20),
        [
            ReviewPeriod("annual", date(2025, 1, 15), date(2026, 1, 15), date(2026, 2, 14)),
            ReviewPeriod("quarterly", date(2026, 1, 15), date(2026, 4, 15), date(2026, 5, 15)),
        ],
    ),
    # Over the year end, with month-end clamping: 30 Nov -> 28 Feb -> 30 May -> 30 Aug -> 30 Nov.
    (
        date(2024, 11, 30),
        date(2026, 3, 1),
        [
            ReviewPeriod("annual", date(2024, 11, 30), date(2025, 11, 30), date(2025, 12, 30)),
            ReviewPeriod("quarterly", date(2025, 11, 30), date(2026, 2, 28), date(2026, 3, 30)),
        ],
    ),
    # The latest quarter date is the annual one: the quarterly review is the one before it.
    (
        date(2025, 1, 15),
        date(2026, 2, 1),
        [
            ReviewPeriod("annual", date(2025, 1, 15), date(2026, 1, 15), date(2026, 2, 14)),
            ReviewPeriod("quarterly", date(2025, 7, 15), date(2025, 10, 15), date(2025, 11, 14)),
        ],
    ),
    # Less than a year after the anchor: quarterly only; the first quarter crosses a year end.
    (
        date(2026, 10, 1),
        date(2027, 1, 1),
        [ReviewPeriod("quarterly", date(2026, 10, 1), date(2027, 1, 1), date(2027, 1, 31))],
    ),
    # The anchor itself is never a review date, nor anything before the first quarter.
    (date(2026, 10, 1), date(2026, 12, 31), []),
    (date(2026, 10, 1), date(2026, 10, 1), []),
]


@pytest.mark.parametrize(("anchor", "as_of", "expected"), CASES)
def test_latest_review_periods(anchor: date, as_of: date, expected: list[ReviewPeriod]) -> None:
    assert latest_review_periods(anchor, as_of) == expected


def test_overdue_the_day_after_the_due_date() -> None:
    assert not is_overdue(date(2026, 2, 14), date(2026, 2, 14))
    assert is_overdue(date(2026, 2, 14), date(2026, 2, 15))

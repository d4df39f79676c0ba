"""Calendar review schedule: month ends, leap years and when a review is due."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisory.engine.drift import (
    calendar_due_since,
    is_calendar_due,
    last_due_date,
    next_due_date,
)
from advisory.engine.types import PolicyTargets

NEXT_CASES = [
    # frequency, anchor, after, next review date strictly after `after`
    # monthly from 31 Jan: Feb clamps to 28, March goes back to 31 (from the anchor)
    ("monthly", date(2026, 1, 31), date(2026, 1, 31), date(2026, 2, 28)),
    ("monthly", date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)),
    ("monthly", date(2026, 1, 31), date(2026, 3, 1), date(2026, 3, 31)),
    ("monthly", date(2026, 1, 31), date(2026, 4, 1), date(2026, 4, 30)),
    ("monthly", date(2028, 1, 31), date(2028, 2, 1), date(2028, 2, 29)),  # leap year
    ("monthly", date(2025, 12, 31), date(2026, 1, 15), date(2026, 1, 31)),  # year boundary
    # quarterly from 30 Nov: 28 Feb, then 30 May (not 28 May)
    ("quarterly", date(2025, 11, 30), date(2025, 12, 1), date(2026, 2, 28)),
    ("quarterly", date(2025, 11, 30), date(2026, 2, 28), date(2026, 5, 30)),
    ("quarterly", date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)),  # equal date excluded
    # semiannual from 31 Aug: 28 Feb 2026, 31 Aug 2026, 28 Feb 2027, 31 Aug 2027, 29 Feb 2028
    ("semiannual", date(2025, 8, 31), date(2025, 9, 1), date(2026, 2, 28)),
    ("semiannual", date(2025, 8, 31), date(2026, 3, 1), date(2026, 8, 31)),
    ("semiannual", date(2025, 8, 31), date(2027, 9, 1), date(2028, 2, 29)),
    # annual from 29 Feb 2024: 28 Feb in common years, 29 Feb in 2028
    ("annual", date(2024, 2, 29), date(2024, 2, 29), date(2025, 2, 28)),
    ("annual", date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28)),
    ("annual", date(2024, 2, 29), date(2027, 3, 1), date(2028, 2, 29)),
    # before the anchor the anchor itself is next
    ("annual", date(2026, 10, 1), date(2026, 6, 30), date(2026, 10, 1)),
]


@pytest.mark.parametrize(("frequency", "anchor", "after", "expected"), NEXT_CASES)
def test_next_due_date(frequency: str, anchor: date, after: date, expected: date) -> None:
    assert next_due_date(frequency, anchor, after) == expected


LAST_CASES = [
    # frequency, anchor, on_or_before, latest review date on or before it
    ("monthly", date(2026, 1, 31), date(2026, 1, 30), None),  # before the anchor
    ("monthly", date(2026, 1, 31), date(2026, 1, 31), date(2026, 1, 31)),  # the anchor counts
    ("monthly", date(2026, 1, 31), date(2026, 3, 30), date(2026, 2, 28)),
    ("monthly", date(2026, 1, 31), date(2026, 3, 31), date(2026, 3, 31)),  # equal date included
    ("quarterly", date(2025, 11, 30), date(2026, 5, 29), date(2026, 2, 28)),
    ("quarterly", date(2025, 11, 30), date(2026, 5, 30), date(2026, 5, 30)),
    ("annual", date(2024, 2, 29), date(2025, 2, 27), date(2024, 2, 29)),
    ("annual", date(2024, 2, 29), date(2025, 3, 1), date(2025, 2, 28)),
    ("annual", date(2024, 2, 29), date(2028, 2, 29), date(2028, 2, 29)),
    ("semiannual", date(2025, 8, 31), date(2026, 8, 30), date(2026, 2, 28)),
]


@pytest.mark.parametrize(("frequency", "anchor", "on_or_before", "expected"), LAST_CASES)
def test_last_due_date(
    frequency: str, anchor: date, on_or_before: date, expected: date | None
) -> None:
    assert last_due_date(frequency, anchor, on_or_before) == expected


def test_unknown_frequency_is_an_error() -> None:
    with pytest.raises(ValueError, match="fortnightly"):
        next_due_date("fortnightly", date(2026, 1, 1), date(2026, 2, 1))


def _quarterly(last_rebalanced_on: date | None = None) -> PolicyTargets:
    return PolicyTargets(
        targets={"us_equity": Decimal(1)},
        method="calendar",
        frequency="quarterly",
        anchor_date=date(2026, 1, 1),
        last_rebalanced_on=last_rebalanced_on,
    )


DUE_CASES = [
    # last rebalanced, as of, the review date that makes it due (None: not due)
    (None, date(2026, 1, 1), None),  # the anchor starts the schedule; first review a period later
    (None, date(2026, 3, 31), None),
    (None, date(2026, 4, 1), date(2026, 4, 1)),
    (None, date(2026, 5, 15), date(2026, 4, 1)),  # stays due until a rebalance is recorded
    (date(2026, 4, 1), date(2026, 5, 15), None),  # rebalanced on the review date
    (date(2026, 4, 1), date(2026, 7, 1), date(2026, 7, 1)),
    (date(2026, 4, 10), date(2026, 6, 30), None),  # rebalanced late: next review closes it
    (date(2025, 12, 15), date(2026, 1, 1), date(2026, 1, 1)),  # rebalanced before the anchor
]


@pytest.mark.parametrize(("last_rebalanced", "as_of", "due_since"), DUE_CASES)
def test_calendar_due(last_rebalanced: date | None, as_of: date, due_since: date | None) -> None:
    policy = _quarterly(last_rebalanced)
    assert calendar_due_since(policy, as_of) == due_since
    assert is_calendar_due(policy, as_of) == (due_since is not None)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["monthly", "quarterly", "semiannual", "annual"]),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    st.integers(min_value=-400, max_value=5000),
)
def test_schedule_brackets_every_day(frequency: str, anchor: date, offset: int) -> None:
    after = anchor + timedelta(days=offset)
    upcoming = next_due_date(frequency, anchor, after)
    latest = last_due_date(frequency, anchor, after)
    assert after < upcoming
    # every review date keeps the anchor's day unless the month is shorter
    assert upcoming.day == min(anchor.day, calendar.monthrange(upcoming.year, upcoming.month)[1])
    if latest is None:
        assert after < anchor
        assert upcoming == anchor
    else:
        assert latest <= after
        # nothing on the schedule falls between the two
        assert next_due_date(frequency, anchor, latest) == upcoming

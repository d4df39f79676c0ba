"""When quarterly and annual reviews fall due, from the IPS's anchor date.

Pure: dates in, dates out. The rule (docs/DOMAIN-DECISIONS.md, "Reviews"):
review dates fall every three months from the anchor (clamped to the month's
end, as the rebalancing calendar is; the anchor itself is never a review
date). Every fourth date, a whole year from the anchor, is the annual
review; the other three are quarterly monitoring. A review looks back over
the period that ends on its date and is due ``DAYS_TO_COMPLETE`` days later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from advisory.engine.drift import last_due_date

QUARTERLY = "quarterly"
ANNUAL = "annual"
DAYS_TO_COMPLETE = 30


@dataclass(frozen=True)
class ReviewPeriod:
    """One review: what it looks back over and the day it must be done by."""

    kind: str  # quarterly | annual
    period_start: date
    period_end: date  # the review date: the review exists from this day
    due_on: date  # period_end + DAYS_TO_COMPLETE


def _period(kind: str, end: date, anchor: date) -> ReviewPeriod:
    frequency = "annual" if kind == ANNUAL else "quarterly"
    start = last_due_date(frequency, anchor, end - timedelta(days=1)) or anchor
    return ReviewPeriod(kind, start, end, end + timedelta(days=DAYS_TO_COMPLETE))


def latest_review_periods(anchor: date, as_of: date) -> list[ReviewPeriod]:
    """The latest annual and the latest quarterly review whose date is on or before ``as_of``.

    At most one of each kind (an annual date is never a quarterly one); none
    on or before the anchor.
    """
    periods = []
    annual_end = last_due_date("annual", anchor, as_of)
    if annual_end is not None and annual_end > anchor:
        periods.append(_period(ANNUAL, annual_end, anchor))
    quarter_end = last_due_date("quarterly", anchor, as_of)
    while quarter_end is not None and quarter_end > anchor:
        if last_due_date("annual", anchor, quarter_end) != quarter_end:
            periods.append(_period(QUARTERLY, quarter_end, anchor))
            break
        quarter_end = last_due_date("quarterly", anchor, quarter_end - timedelta(days=1))
    return periods


def is_overdue(due_on: date, as_of: date) -> bool:
    """Past its due date (the caller says whether the review is still open)."""
    return as_of > due_on

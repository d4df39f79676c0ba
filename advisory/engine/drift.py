"""Drift against the IPS targets, tolerance bands and rebalancing triggers.

Weights
    The household weight of class k is ``W_k = value in k / V``. ``V`` is the
    market value of every lot plus every account's *free cash*: its cash less
    its cash reserve. Free cash counts in the cash class (``CASH_CLASS``). A
    reserve larger than the account's cash leaves zero free cash, never a
    negative amount: the shortfall is a cash-management matter for that
    account, not a position to rebalance against (negative cash, an
    overdraft, is floored the same way).

Bands (the "5/25 rule")
    ``b_k = min(abs_band, rel_band * w_k)`` when both are set, else whichever
    is set, else 0. Class k is in band iff ``|W_k - w_k| <= b_k``. A class the
    household holds but the IPS does not target has ``w_k = 0``; with a
    relative band its half-width is ``rel_band * 0 = 0``, so holding any of it
    is out of band. With only an absolute band, such a class may be held up to
    ``abs_band``.

Triggers
    * threshold: rebalance iff any class is out of band;
    * calendar: rebalance when a review date is due, whatever the bands say;
    * hybrid: look only when due, and rebalance only if a class is out of band.

Calendar schedule
    Review dates are ``anchor + k periods`` for ``k = 0, 1, 2, ...`` (monthly,
    quarterly, semiannual, annual). Each date is computed from the anchor, not
    from the previous date, and clamped to the month's end: an anchor of
    31 January gives 28/29 February, then 31 March; an anchor of 29 February
    gives 28 February in common years. A review is *due* on ``as_of`` when a
    review date ``d`` with ``reference < d <= as_of`` exists, where the
    reference is ``last_rebalanced_on``, or the anchor when the household has
    never been rebalanced under this IPS (so the first review falls one period
    after the anchor). Only a recorded rebalance closes a review: a hybrid
    review that finds every class in band stays due, and a class that drifts
    out of band before the next rebalance is caught then.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from advisory.engine.money import CENT, ONE, ZERO
from advisory.engine.prose import long_date, points, sentence_case
from advisory.engine.types import (
    CASH_CLASS,
    AccountInfo,
    HouseholdSnapshot,
    PolicyTargets,
    TaxTreatment,
)

POINTS = Decimal(100)
ONE_DECIMAL = Decimal("0.1")

MONTHS_PER_PERIOD: Mapping[str, int] = {
    "monthly": 1,
    "quarterly": 3,
    "semiannual": 6,
    "annual": 12,
}
METHODS = frozenset({"threshold", "calendar", "hybrid"})

# How the default classes read in a sentence; a firm's own codes fall back to
# the code with spaces.
CLASS_LABELS: Mapping[str, str] = {
    "us_equity": "US equity",
    "intl_equity": "international equity",
    "us_bonds": "US bonds",
    "muni_bonds": "municipal bonds",
    "real_estate": "real estate",
    "commodities": "commodities",
    "cash": "cash",
    "crypto_large": "large-cap crypto",
    "crypto_balanced": "balanced crypto",
    "crypto_growth": "growth crypto",
}


@dataclass(frozen=True, slots=True)
class DriftRow:
    """One asset class: weights are fractions of the household value ``V``."""

    asset_class: str
    target: Decimal
    current: Decimal
    drift: Decimal  # current - target: positive means overweight
    band: Decimal  # half-width b_k
    lower: Decimal  # target - band, floored at 0
    upper: Decimal  # target + band, capped at 1
    in_band: bool


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Where a household stands against its IPS on ``as_of``, and why."""

    as_of: date
    method: str
    total_value: Decimal  # V in money, 2 places
    rows: tuple[DriftRow, ...]
    needs_rebalance: bool
    reason: str
    calendar_due: bool = False
    due_since: date | None = None  # the review date that made it due
    next_review_date: date | None = None  # first review date after as_of

    @property
    def out_of_band(self) -> tuple[DriftRow, ...]:
        return tuple(row for row in self.rows if not row.in_band)

    def row(self, asset_class: str) -> DriftRow:
        """The row of one class; ``KeyError`` when the class is not in the report."""
        for row in self.rows:
            if row.asset_class == asset_class:
                return row
        raise KeyError(asset_class)


def class_label(code: str) -> str:
    """The advisor's words for an asset class code (``us_equity`` -> ``US equity``)."""
    return CLASS_LABELS.get(code) or code.replace("_", " ")


def class_name(code: str) -> str:
    """An asset class code as a name heading a row (``intl_equity`` -> ``International equity``).

    The fallback wherever a firm has no name of its own for a code, and the name the
    factories and seeds give a class: ``class_label`` with a capital, so "US" stays "US".
    """
    return sentence_case(class_label(code))


def band_half_width(target: Decimal, abs_band: Decimal | None, rel_band: Decimal | None) -> Decimal:
    """Half-width of the tolerance band around ``target`` (all fractions, not percents).

    5/25 rule: ``min(abs_band, rel_band * target)`` when both are set, else
    whichever is set; with neither, 0 (any drift is out of band).
    A 10% target gives 2.5 points (7.5-12.5%); a 40% target gives 5 points.
    """
    if abs_band is not None and rel_band is not None:
        return min(abs_band, rel_band * target)
    if abs_band is not None:
        return abs_band
    if rel_band is not None:
        return rel_band * target
    return ZERO


# --- weights -------------------------------------------------------------------


def household_values_by_class(snapshot: HouseholdSnapshot) -> dict[str, Decimal]:
    """Money in each asset class: lots at market, free cash in ``CASH_CLASS``.

    Free cash is ``max(0, cash - cash_reserve)`` per account (see the module notes).
    """
    values: dict[str, Decimal] = {}
    securities = snapshot.securities
    for lot in snapshot.lots:
        security = securities[lot.security_id]
        code = security.asset_class
        values[code] = values.get(code, ZERO) + lot.quantity * security.price
    free_cash = sum(
        (max(ZERO, account.cash - account.cash_reserve) for account in snapshot.accounts), ZERO
    )
    if free_cash:
        values[CASH_CLASS] = values.get(CASH_CLASS, ZERO) + free_cash
    return values


def weights_from_values(values_by_class: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Each class's share of the total; all zeros when the total is zero.

    Shares are unrounded (28 significant digits), so they sum to 1 within 1e-25.
    """
    total = sum(values_by_class.values(), ZERO)
    if total <= 0:
        return dict.fromkeys(values_by_class, ZERO)
    return {code: value / total for code, value in values_by_class.items()}


def household_weights(snapshot: HouseholdSnapshot) -> dict[str, Decimal]:
    """Household weight ``W_k`` of every class held (free cash in the cash class)."""
    return weights_from_values(household_values_by_class(snapshot))


def ips_reserve_by_account(accounts: Sequence[AccountInfo], reserve: Decimal) -> dict[int, Decimal]:
    """Where the IPS cash reserve is kept: dollars of each account's free cash set aside.

    Taxable accounts first (cash earns least shelter there), then the others,
    each in the given order; only free cash (cash less the account's own
    reserve) is taken. When free cash falls short, all of it is set aside.
    Asset location and proposals set it aside this way; drift takes the same
    total out of the household's cash.
    """
    left = max(ZERO, reserve).quantize(CENT)
    set_aside: dict[int, Decimal] = {}
    for account in sorted(accounts, key=lambda a: a.tax_treatment is not TaxTreatment.TAXABLE):
        taken = min(left, max(ZERO, account.cash - account.cash_reserve))
        if taken > 0:
            set_aside[account.id] = taken
            left -= taken
    return set_aside


# --- calendar --------------------------------------------------------------------


def _period_months(frequency: str | None) -> int:
    try:
        return MONTHS_PER_PERIOD[frequency or ""]
    except KeyError:
        raise ValueError(
            f"unknown rebalancing frequency {frequency!r}; "
            f"expected one of {', '.join(MONTHS_PER_PERIOD)}"
        ) from None


def _shift_months(anchor: date, months: int) -> date:
    """The anchor moved by whole months, its day clamped to the month's end."""
    month_index = anchor.month - 1 + months
    year = anchor.year + month_index // 12
    month = month_index % 12 + 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _months_from(anchor: date, later: date) -> int:
    return (later.year - anchor.year) * 12 + later.month - anchor.month


def next_due_date(frequency: str, anchor_date: date, after: date) -> date:
    """The first review date strictly after ``after`` (the anchor itself if later).

    A review date equal to ``after`` does not count: it is ``last_due_date(after)``.
    """
    step = _period_months(frequency)
    if after < anchor_date:
        return anchor_date
    periods = _months_from(anchor_date, after) // step
    due = _shift_months(anchor_date, periods * step)
    while due <= after:
        periods += 1
        due = _shift_months(anchor_date, periods * step)
    return due


def last_due_date(frequency: str, anchor_date: date, on_or_before: date) -> date | None:
    """The latest review date on or before ``on_or_before``; None before the anchor."""
    step = _period_months(frequency)
    if on_or_before < anchor_date:
        return None
    periods = _months_from(anchor_date, on_or_before) // step
    due = _shift_months(anchor_date, periods * step)
    while due > on_or_before:
        periods -= 1
        due = _shift_months(anchor_date, periods * step)
    return due


def _schedule(policy: PolicyTargets) -> tuple[str, date]:
    if policy.frequency is None or policy.anchor_date is None:
        raise ValueError(f"the {policy.method} method needs a frequency and an anchor date")
    _period_months(policy.frequency)
    return policy.frequency, policy.anchor_date


def calendar_due_since(policy: PolicyTargets, as_of: date) -> date | None:
    """The review date that makes a review due on ``as_of``, or None when none is due.

    Due when a review date falls after ``last_rebalanced_on`` (or after the
    anchor, never rebalanced) and on or before ``as_of``.
    """
    frequency, anchor = _schedule(policy)
    latest = last_due_date(frequency, anchor, as_of)
    reference = policy.last_rebalanced_on or anchor
    if latest is None or latest <= reference:
        return None
    return latest


def is_calendar_due(policy: PolicyTargets, as_of: date) -> bool:
    """Whether a calendar review is due on ``as_of`` (see ``calendar_due_since``)."""
    return calendar_due_since(policy, as_of) is not None


# --- drift -----------------------------------------------------------------------


def _drift_rows(
    values_by_class: Mapping[str, Decimal], total: Decimal, policy: PolicyTargets
) -> tuple[DriftRow, ...]:
    targets = policy.targets
    held = sorted(code for code, value in values_by_class.items() if value and code not in targets)
    rows = []
    for code in (*targets, *held):
        target = targets.get(code, ZERO)
        current = values_by_class.get(code, ZERO) / total if total > 0 else ZERO
        band = band_half_width(target, policy.abs_band, policy.rel_band)
        drift = current - target
        rows.append(
            DriftRow(
                asset_class=code,
                target=target,
                current=current,
                drift=drift,
                band=band,
                lower=max(ZERO, target - band),
                upper=min(ONE, target + band),
                in_band=abs(drift) <= band,
            )
        )
    return tuple(rows)


def _points(fraction: Decimal) -> str:
    if not (fraction * POINTS).quantize(ONE_DECIMAL):
        return "less than 0.1 pp"
    return points(fraction, signed=False)


def classes_out_of_band(count: int) -> str:
    return f"{count} class{'es' if count != 1 else ''} out of band"


def _describe_out_of_band(rows: list[DriftRow]) -> str:
    """'US equity is 6.2 points above its band; ...', the furthest out first."""
    parts = []
    for row in sorted(rows, key=lambda r: abs(r.drift) - r.band, reverse=True):
        side = "above" if row.drift > 0 else "below"
        parts.append(
            f"{class_label(row.asset_class)} is {_points(abs(row.drift) - row.band)} "
            f"{side} its band"
        )
    return "; ".join(parts)


def _decide(
    method: str,
    out_of_band: list[DriftRow],
    due_since: date | None,
    next_review: date | None,
) -> tuple[bool, str]:
    if method == "threshold":
        if out_of_band:
            return True, sentence_case(_describe_out_of_band(out_of_band))
        return False, "within bands"
    due, following = long_date(due_since), long_date(next_review)
    if method == "calendar":
        if due_since:
            return True, f"calendar rebalance due {due}"
        return False, f"calendar rebalance not due; next review {following}"
    if due_since and out_of_band:
        detail = _describe_out_of_band(out_of_band)
        return True, f"hybrid: review due {due} and {detail}"
    if due_since:
        return False, f"hybrid: review due {due}; all classes within bands"
    if out_of_band:
        return False, (
            f"{classes_out_of_band(len(out_of_band))}; the hybrid rule acts at the review on "
            f"{following} ({_describe_out_of_band(out_of_band)})"
        )
    return False, f"hybrid: within bands; next review {following}"


def measure_drift_from_values(
    values_by_class: Mapping[str, Decimal], policy: PolicyTargets, as_of: date
) -> DriftReport:
    """Drift of a household given its money per asset class (the nightly scan's entry).

    ``values_by_class``: market value per class code, the cash class holding
    free cash (cash less reserve, floored at 0); every value must be >= 0.
    Rows cover the targeted classes (in the IPS's order) then any other class
    held (by code). A household worth nothing needs no rebalance ("no assets").
    """
    if policy.method not in METHODS:
        raise ValueError(f"unknown rebalancing method {policy.method!r}")
    for code, value in values_by_class.items():
        if value < 0:
            raise ValueError(f"negative value {value} for asset class {code!r}")
    total = sum(values_by_class.values(), ZERO)
    rows = _drift_rows(values_by_class, total, policy)
    due_since = next_review = None
    if policy.method != "threshold":
        frequency, anchor = _schedule(policy)
        due_since = calendar_due_since(policy, as_of)
        next_review = next_due_date(frequency, anchor, as_of)
    if total > 0:
        out_of_band = [row for row in rows if not row.in_band]
        needs_rebalance, reason = _decide(policy.method, out_of_band, due_since, next_review)
    else:
        needs_rebalance, reason = False, "no assets"
    return DriftReport(
        as_of=as_of,
        method=policy.method,
        total_value=total.quantize(CENT),
        rows=rows,
        needs_rebalance=needs_rebalance,
        reason=reason,
        calendar_due=due_since is not None,
        due_since=due_since,
        next_review_date=next_review,
    )


def measure_drift(snapshot: HouseholdSnapshot, policy: PolicyTargets) -> DriftReport:
    """Drift of a household against its active IPS on ``snapshot.as_of``.

    Weights are fractions of ``V`` (lots at market plus free cash); drift is
    current minus target (positive = overweight). See the module notes for
    bands and triggers.
    """
    return measure_drift_from_values(household_values_by_class(snapshot), policy, snapshot.as_of)

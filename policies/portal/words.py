"""The portal's sentences: where the household stands against its plan, in the client's words.

No band arithmetic, no codes, no alarm: nothing here asks the client to act (what
does is on the "Waiting for you" list), so every sentence is calm and names who
is doing what. Pure: facts in, a sentence out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class ProposalStage(StrEnum):
    NONE = "none"
    REVIEWING = "reviewing"  # being computed or a draft: the advisor has not decided
    APPROVED = "approved"  # approved, not yet carried out


@dataclass(frozen=True)
class PlanState:
    """What the sentence depends on. ``rebalanced_on``: the last executed proposal, if recent."""

    has_plan: bool
    has_assets: bool = True
    out_of_band: bool = False  # some class is outside its band
    review_due: bool = False  # a calendar review date has passed without a rebalance
    proposal: ProposalStage = ProposalStage.NONE
    rebalanced_on: date | None = None


NO_PLAN = "Your advisor has not written your investment plan yet."
NO_ASSETS = "Once your accounts hold investments, this page will compare them with your plan."
APPROVED = "Your advisor has approved changes to bring your mix back to plan."
REVIEWING = "Your advisor is reviewing a rebalance."
DRIFTED = (
    "Your mix has moved away from your plan; your advisor has been told "
    "and will suggest changes if they are needed."
)
REVIEW_DUE = "Your mix is close to your plan; your advisor will check it at your scheduled review."
CLOSE = "Your mix is close to your plan."


def _day(on: date) -> str:
    return f"{on:%B} {on.day}, {on.year}"


def plan_sentence(state: PlanState) -> str:
    """One sentence comparing the household's mix with its IPS targets.

    The advisor's work in hand comes before the weights: a client whose mix has
    drifted and whose advisor has approved changes hears about the changes.
    """
    if not state.has_plan:
        return NO_PLAN
    if not state.has_assets:
        return NO_ASSETS
    if state.proposal == ProposalStage.APPROVED:
        return APPROVED
    if state.proposal == ProposalStage.REVIEWING:
        return REVIEWING
    if state.out_of_band:
        return DRIFTED
    if state.rebalanced_on is not None:
        return (
            f"Your advisor rebalanced your accounts on {_day(state.rebalanced_on)}; "
            "your mix is in line with your plan."
        )
    if state.review_due:
        return REVIEW_DUE
    return CLOSE


# --- the plan page ----------------------------------------------------------------------------

EVERY = {
    "monthly": "every month",
    "quarterly": "every quarter",
    "semiannual": "every six months",
    "annual": "once a year",
}
RULE_THRESHOLD = (
    "Your advisor rebalances whenever part of your mix moves well away from its target."
)
RISK_WORDS = {
    "conservative": "Your plan takes a careful path: it puts steadiness ahead of growth.",
    "moderate": (
        "Your plan balances growth with steadiness: its value will rise and fall, "
        "though less than a mix of stocks alone."
    ),
    "aggressive": (
        "Your plan aims for growth: its value can fall sharply in a bad year, "
        "and it gives itself time to recover."
    ),
}
RISK_UNSCORED = "Your advisor set the level of risk in this plan with you."
ACKNOWLEDGE_PLEASE = "Please read your plan, then let your advisor know you have received it."


def rebalancing_rule(method: str, frequency: str | None) -> str:
    """The IPS's rebalancing method in one sentence, with no bands in it."""
    every = EVERY.get(frequency or "", "at each scheduled review")
    if method == "calendar":
        return f"Your advisor reviews your mix {every} and brings it back to your plan."
    if method == "hybrid":
        return (
            f"Your advisor checks your mix {every} and rebalances only if part of it "
            "has moved well away from its target."
        )
    return RULE_THRESHOLD


def risk_sentence(profile: str | None, horizon_years: int | None) -> str:
    """The governing risk profile in words, and the horizon the plan is built for."""
    sentence = RISK_WORDS.get(profile or "", RISK_UNSCORED)
    if horizon_years == 1:
        return f"{sentence} It is built for the next year."
    if horizon_years:
        return f"{sentence} It is built for the next {horizon_years} years."
    return sentence


def percent_words(weight: Decimal) -> str:
    """A target weight (a fraction) as a client reads it: 0.4 -> 40%, 0.1875 -> 18.8%."""
    tenths = (weight * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    whole, tenth = divmod(int(tenths), 10)
    return f"{whole}%" if tenth == 0 else f"{whole}.{tenth}%"


def acknowledgement_sentence(acknowledged_at: datetime | None) -> str:
    """Where the client stands with their plan (``acknowledged_at`` in their local time)."""
    if acknowledged_at is None:
        return ACKNOWLEDGE_PLEASE
    return (
        f"You acknowledged this plan on {_day(acknowledged_at.date())} at {acknowledged_at:%H:%M}."
    )

"""The portal's sentences: where the household stands against its plan, in the client's words.

No band arithmetic, no codes, no alarm: nothing here asks the client to act (what
does is on the "Waiting for you" list), so every sentence is calm and names who
is doing what. Pure: facts in, a sentence out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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

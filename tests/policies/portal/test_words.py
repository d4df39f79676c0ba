"""The portal's plan sentence for each state of drift and proposals (hand-written cases)."""

from __future__ import annotations

from datetime import date

import pytest

from policies.portal.words import PlanState, ProposalStage, plan_sentence

R = ProposalStage.REVIEWING
A = ProposalStage.APPROVED
N = ProposalStage.NONE
DAY = date(2026, 11, 3)

CASES = [
    # (has_plan, has_assets, out_of_band, review_due, proposal, rebalanced_on) -> sentence
    (
        (False, True, False, False, N, None),
        "Your advisor has not written your investment plan yet.",
    ),
    ((False, True, True, True, A, None), "Your advisor has not written your investment plan yet."),
    (
        (True, False, False, False, N, None),
        "Once your accounts hold investments, this page will compare them with your plan.",
    ),
    ((True, True, False, False, N, None), "Your mix is close to your plan."),
    (
        (True, True, False, True, N, None),
        "Your mix is close to your plan; your advisor will check it at your scheduled review.",
    ),
    (
        (True, True, True, False, N, None),
        "Your mix has moved away from your plan; your advisor has been told "
        "and will suggest changes if they are needed.",
    ),
    (
        (True, True, True, True, N, None),
        "Your mix has moved away from your plan; your advisor has been told "
        "and will suggest changes if they are needed.",
    ),
    ((True, True, True, False, R, None), "Your advisor is reviewing a rebalance."),
    ((True, True, False, True, R, None), "Your advisor is reviewing a rebalance."),
    ((True, True, False, False, R, None), "Your advisor is reviewing a rebalance."),
    (
        (True, True, True, False, A, None),
        "Your advisor has approved changes to bring your mix back to plan.",
    ),
    (
        (True, True, False, False, A, DAY),
        "Your advisor has approved changes to bring your mix back to plan.",
    ),
    (
        (True, True, False, False, N, DAY),
        "Your advisor rebalanced your accounts on November 3, 2026; "
        "your mix is in line with your plan.",
    ),
    (
        (True, True, False, True, N, date(2027, 1, 9)),
        "Your advisor rebalanced your accounts on January 9, 2027; "
        "your mix is in line with your plan.",
    ),
    # Drifted again after a rebalance: the drift is what the client needs to hear.
    (
        (True, True, True, False, N, DAY),
        "Your mix has moved away from your plan; your advisor has been told "
        "and will suggest changes if they are needed.",
    ),
]


@pytest.mark.parametrize(("facts", "sentence"), CASES)
def test_plan_sentence(facts: tuple, sentence: str) -> None:
    has_plan, has_assets, out_of_band, review_due, proposal, rebalanced_on = facts
    state = PlanState(has_plan, has_assets, out_of_band, review_due, proposal, rebalanced_on)
    assert plan_sentence(state) == sentence


@pytest.mark.parametrize(("facts", "sentence"), CASES)
def test_no_sentence_has_codes_or_band_arithmetic(facts: tuple, sentence: str) -> None:
    for jargon in ("band", "point", "%", "_", "drift", "threshold"):
        assert jargon not in sentence

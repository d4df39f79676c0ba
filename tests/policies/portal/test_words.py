"""The portal's sentences: the plan sentence for each state of drift and proposals, and the
plan page's rule, risk, percentages and acknowledgement (hand-written cases)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from policies.portal.words import (
    PlanState,
    ProposalStage,
    acknowledgement_sentence,
    percent_words,
    plan_sentence,
    rebalancing_rule,
    risk_sentence,
)

R = ProposalStage.REVIEWING
A = ProposalStage.APPROVED
N = ProposalStage.NONE
DAY = date(2026, 11, 3)
NEW_YORK = ZoneInfo("America/New_York")

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


# --- the plan page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "frequency", "sentence"),
    [
        (
            "threshold",
            None,
            "Your advisor rebalances whenever part of your mix moves well away from its target.",
        ),
        (
            "threshold",
            "quarterly",
            "Your advisor rebalances whenever part of your mix moves well away from its target.",
        ),
        (
            "calendar",
            "quarterly",
            "Your advisor reviews your mix every quarter and brings it back to your plan.",
        ),
        (
            "calendar",
            "annual",
            "Your advisor reviews your mix once a year and brings it back to your plan.",
        ),
        (
            "calendar",
            "",
            "Your advisor reviews your mix at each scheduled review and brings it back "
            "to your plan.",
        ),
        (
            "hybrid",
            "semiannual",
            "Your advisor checks your mix every six months and rebalances only if part of it "
            "has moved well away from its target.",
        ),
        (
            "hybrid",
            "monthly",
            "Your advisor checks your mix every month and rebalances only if part of it "
            "has moved well away from its target.",
        ),
    ],
)
def test_the_rebalancing_rule_in_one_sentence(
    method: str, frequency: str | None, sentence: str
) -> None:
    assert rebalancing_rule(method, frequency) == sentence
    assert "band" not in sentence


@pytest.mark.parametrize(
    ("profile", "horizon", "sentence"),
    [
        (
            "conservative",
            10,
            "Your plan takes a careful path: it puts steadiness ahead of growth. "
            "It is built for the next 10 years.",
        ),
        (
            "moderate",
            20,
            "Your plan balances growth with steadiness: its value will rise and fall, "
            "though less than a mix of stocks alone. It is built for the next 20 years.",
        ),
        (
            "aggressive",
            1,
            "Your plan aims for growth: its value can fall sharply in a bad year, and it "
            "gives itself time to recover. It is built for the next year.",
        ),
        (
            None,
            15,
            "Your advisor set the level of risk in this plan with you. It is built "
            "for the next 15 years.",
        ),
        (None, None, "Your advisor set the level of risk in this plan with you."),
        (
            "moderate",
            0,
            "Your plan balances growth with steadiness: its value will rise and "
            "fall, though less than a mix of stocks alone.",
        ),
    ],
)
def test_risk_in_words(profile: str | None, horizon: int | None, sentence: str) -> None:
    assert risk_sentence(profile, horizon) == sentence


@pytest.mark.parametrize(
    ("weight", "words"),
    [
        ("0.4", "40%"),
        ("0.40", "40%"),
        ("1", "100%"),
        ("0", "0%"),
        ("0.185", "18.5%"),
        ("0.1875", "18.8%"),  # half up at the tenth
        ("0.1874", "18.7%"),
        ("0.0995", "10%"),
        ("0.05", "5%"),
        ("0.0004", "0%"),
        ("0.3333", "33.3%"),
    ],
)
def test_a_target_as_a_percentage(weight: str, words: str) -> None:
    assert percent_words(Decimal(weight)) == words


@pytest.mark.parametrize(
    ("at", "sentence"),
    [
        (None, "Please read your plan, then let your advisor know you have received it."),
        (
            datetime(2026, 12, 3, 9, 5, tzinfo=NEW_YORK),
            "You acknowledged this plan on December 3, 2026 at 09:05.",
        ),
        (
            datetime(2027, 1, 31, 17, 40, tzinfo=NEW_YORK),
            "You acknowledged this plan on January 31, 2027 at 17:40.",
        ),
    ],
)
def test_where_the_client_stands_with_their_plan(at: datetime | None, sentence: str) -> None:
    assert acknowledgement_sentence(at) == sentence

"""Risk questionnaire and suggested allocation (advisory.engine.risk)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisory.engine.risk import (
    DEFAULT_CLASS_CODES,
    QUESTIONS,
    RiskScores,
    profile_for_score,
    score_questionnaire,
    suggest_allocation,
)

D = Decimal

CAPACITY_IDS = ["net_worth", "liquidity", "income_stability", "horizon", "obligations"]
TOLERANCE_IDS = ["decline_reaction", "largest_tolerable_loss", "return_or_safety"]


def _answers(capacity: list[int], tolerance: list[int]) -> dict[str, str]:
    """Answers choosing the n-th choice (worth n points) of each question, in order."""
    by_id = {question.id: question for question in QUESTIONS}
    picks = zip(CAPACITY_IDS + TOLERANCE_IDS, capacity + tolerance, strict=True)
    return {qid: by_id[qid].choices[points].id for qid, points in picks}


def test_questions_cover_capacity_and_tolerance() -> None:
    ids = [question.id for question in QUESTIONS]
    assert len(ids) == len(set(ids))
    assert [q.id for q in QUESTIONS if q.category == "capacity"] == CAPACITY_IDS
    assert [q.id for q in QUESTIONS if q.category == "tolerance"] == TOLERANCE_IDS
    for question in QUESTIONS:
        assert [choice.points for choice in question.choices] == [0, 1, 2, 3]


SCORE_CASES = [
    # capacity points (max 15), tolerance points (max 9), capacity, tolerance, governing
    ([3, 3, 3, 3, 3], [3, 3, 3], 100, 100, "aggressive"),
    ([0, 0, 0, 0, 0], [0, 0, 0], 0, 0, "conservative"),
    # 14/15 = 93.3 -> 93; 2/9 = 22.2 -> 22: able but unwilling, tolerance governs
    ([3, 3, 2, 3, 3], [0, 1, 1], 93, 22, "conservative"),
    # 6/15 = 40 exactly -> moderate; 7/9 = 77.8 -> 78: capacity governs
    ([1, 1, 1, 1, 2], [2, 2, 3], 40, 78, "moderate"),
    # 5/15 = 33.3 -> 33; 9/9 = 100: keen but cannot afford the losses
    ([1, 1, 1, 1, 1], [3, 3, 3], 33, 100, "conservative"),
    # 11/15 = 73.3 -> 73; 6/9 = 66.7 -> 67
    ([2, 2, 2, 2, 3], [2, 2, 2], 73, 67, "moderate"),
]


@pytest.mark.parametrize(("capacity", "tolerance", "cap", "tol", "governing"), SCORE_CASES)
def test_score_questionnaire(
    capacity: list[int], tolerance: list[int], cap: int, tol: int, governing: str
) -> None:
    scores = score_questionnaire(_answers(capacity, tolerance))
    assert (scores.capacity, scores.tolerance) == (cap, tol)
    assert scores.governing_profile == governing


@pytest.mark.parametrize(
    ("score", "profile"),
    [(0, "conservative"), (39, "conservative"), (40, "moderate"), (69, "moderate"),
     (70, "aggressive"), (100, "aggressive")],
)  # fmt: skip
def test_profile_boundaries(score: int, profile: str) -> None:
    assert profile_for_score(score) == profile


def test_unknown_question_answer_or_gap_names_the_question() -> None:
    answers = _answers([1] * 5, [1] * 3)
    with pytest.raises(ValueError, match="favourite_colour"):
        score_questionnaire({**answers, "favourite_colour": "blue"})
    with pytest.raises(ValueError, match="horizon"):
        score_questionnaire({**answers, "horizon": "forever"})
    del answers["liquidity"]
    with pytest.raises(ValueError, match="liquidity"):
        score_questionnaire(answers)


def test_scores_must_be_0_to_100() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        RiskScores(capacity=50, tolerance=101)


ALLOCATION_CASES = [
    # scores, age, expected weights in DEFAULT_CLASS_CODES order
    # moderate, age 45: crypto 6% - 0.75 (one decade over 30) = 5.25%; rest 94.75%
    #   36% x .9475 = .3411, 18% -> .17055 -> .1706, 24% -> .2274, 10% -> .09475 -> .0948,
    #   6% -> .05685 -> .0569, 3% -> .028425 -> .0284 (twice); these sum to .9476, so the
    #   largest class gives back .0001 -> US equity .3410
    #   sleeve: 65% x .0525 = .034125 -> .0341, 23% -> .012075 -> .0121, growth the rest .0063
    (
        RiskScores(capacity=55, tolerance=60), 45,
        ["0.3410", "0.1706", "0.2274", "0.0948", "0.0569", "0.0284", "0.0284",
         "0.0341", "0.0121", "0.0063"],
    ),
    # aggressive, age 25: crypto 10%, rest 90%: 50/25/10/4/7/3/1 x .9 exact;
    #   sleeve 65/23/12% of 10%: 6.5 / 2.3 / 1.2
    (
        RiskScores(capacity=90, tolerance=80), 25,
        ["0.4500", "0.2250", "0.0900", "0.0360", "0.0630", "0.0270", "0.0090",
         "0.0650", "0.0230", "0.0120"],
    ),
    # capacity 90 but tolerance 20: conservative governs. Age 70: 2% - 4 x 0.75 = -1% ->
    #   the 1% minimum; rest 99%: 20/10/38/15/5/2/10 x .99 exact; sleeve .65/.23/.12 of 1%
    (
        RiskScores(capacity=90, tolerance=20), 70,
        ["0.1980", "0.0990", "0.3762", "0.1485", "0.0495", "0.0198", "0.0990",
         "0.0065", "0.0023", "0.0012"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("scores", "age", "expected"), ALLOCATION_CASES)
def test_suggest_allocation(scores: RiskScores, age: int, expected: list[str]) -> None:
    suggestion = suggest_allocation(scores, age)
    assert list(suggestion.weights) == list(DEFAULT_CLASS_CODES)
    assert list(suggestion.weights.values()) == [D(w) for w in expected]


def test_rules_explain_the_derivation() -> None:
    suggestion = suggest_allocation(RiskScores(capacity=90, tolerance=20), 70)
    text = "\n".join(suggestion.rules)
    assert "risk tolerance 20/100 (conservative)" in text
    assert "the conservative mix applies" in text
    assert (
        "Age 70: 4 full decades over 30, less 0.75 point each: -1%, raised to the 1% minimum."
        in text
    )
    assert "65% large-cap crypto, 23% balanced crypto, 12% growth crypto" in text
    assert "not a rule the client is held to" in text


# Guideline ranges (docs/DOMAIN.md), in percent, before the age reduction.
GUIDELINE = {"conservative": (1, 3), "moderate": (5, 7), "aggressive": (10, 15)}
PROFILE_SCORES = {
    "conservative": RiskScores(capacity=20, tolerance=35),
    "moderate": RiskScores(capacity=50, tolerance=65),
    "aggressive": RiskScores(capacity=85, tolerance=95),
}


@pytest.mark.parametrize("profile", list(GUIDELINE))
def test_every_age_sums_to_one_and_crypto_follows_the_guideline(profile: str) -> None:
    low, high = (D(x) / 100 for x in GUIDELINE[profile])
    for age in range(20, 91):
        suggestion = suggest_allocation(PROFILE_SCORES[profile], age)
        weights = suggestion.weights
        assert suggestion.profile == profile
        assert sum(weights.values()) == 1
        assert all(w >= 0 and w == w.quantize(D("0.0001")) for w in weights.values())
        crypto = weights["crypto_large"] + weights["crypto_balanced"] + weights["crypto_growth"]
        assert crypto == suggestion.crypto
        # reduced by 0.5-1 point per full decade over 30, never below the 1% minimum
        decades = max(0, (age - 30) // 10)
        assert max(D("0.01"), low - D("0.01") * decades) <= crypto
        assert crypto <= max(D("0.01"), high - D("0.005") * decades)
        assert D("0.01") <= crypto <= D("0.15")
        # barbell inside the sleeve: 60-70% large-cap, 20-30% balanced, 10-20% growth
        assert D("0.60") <= weights["crypto_large"] / crypto <= D("0.70")
        assert D("0.20") <= weights["crypto_balanced"] / crypto <= D("0.30")
        assert D("0.10") <= weights["crypto_growth"] / crypto <= D("0.20")


def test_negative_age_is_an_error() -> None:
    with pytest.raises(ValueError, match="age"):
        suggest_allocation(RiskScores(capacity=50, tolerance=50), -1)

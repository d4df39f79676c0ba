"""Risk capacity and risk tolerance, scored apart, and the allocation they suggest.

Questionnaire
    ``QUESTIONS`` holds two short questionnaires as data: *capacity* (the
    household's ability to absorb losses: net worth, liquidity, income
    stability, horizon, obligations and dependants) and *tolerance* (comfort
    with declines). Every choice is worth 0-3 points. A category's score is
    its points as a share of the maximum, 0-100, rounded half up. Every
    question must be answered.

Profiles
    A score below 40 is conservative, 40-69 moderate, 70 and above
    aggressive. Capacity and tolerance are kept separately; the lower score
    governs the suggestion (a client who could bear losses but would sell in a
    fall gets the conservative mix, and so does one who is keen but cannot
    afford the losses).

Suggested allocation
    Each profile has a fixed mix of the non-crypto default classes
    (``PROFILE_MIXES``), scaled to what the crypto sleeve leaves.
    Crypto follows the source guideline (1-10% of investable assets in
    general; conservative 1-3%, moderate 5-7%, aggressive up to 10-15%; less
    0.5-1 point per decade of age):
    * starting point: conservative 2%, moderate 6%, aggressive 10%;
    * less 0.75 point for each full decade of age over 30 (ages 40-49 lose
      0.75, 50-59 lose 1.5, ..., 90-99 lose 4.5);
    * never below 1%, the guideline's general minimum (the advisor may
      remove the sleeve altogether);
    * split inside the sleeve as a barbell: 65% large-cap, 23% balanced,
      12% growth (inside the guideline's 60-70 / 20-30 / 10-20%, far enough
      from the edges that rounding a 1% sleeve to 4 places stays inside).
    Weights are Decimals rounded half up to 4 places and summing to exactly 1:
    the sleeve's growth part takes the sleeve's rounding, and the largest
    non-crypto class takes the rest. These are suggestions an advisor edits, never rules a
    client is held to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from advisory.engine.drift import class_label

Category = Literal["capacity", "tolerance"]
Profile = Literal["conservative", "moderate", "aggressive"]

WEIGHT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    points: int


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    category: Category
    choices: tuple[Choice, ...]

    def choice(self, choice_id: str) -> Choice:
        for choice in self.choices:
            if choice.id == choice_id:
                return choice
        raise ValueError(f"question {self.id!r} has no answer {choice_id!r}")

    @property
    def max_points(self) -> int:
        return max(choice.points for choice in self.choices)


def _q(id_: str, category: Category, text: str, *choices: tuple[str, str]) -> Question:
    """A question whose choices are worth 0, 1, 2, ... points in the order given."""
    return Question(
        id=id_,
        text=text,
        category=category,
        choices=tuple(Choice(cid, ctext, points) for points, (cid, ctext) in enumerate(choices)),
    )


QUESTIONS: tuple[Question, ...] = (
    _q(
        "net_worth",
        "capacity",
        "How much of the household's net worth is in the portfolios we manage?",
        ("over_75", "More than three quarters"),
        ("50_to_75", "Between half and three quarters"),
        ("25_to_50", "Between a quarter and half"),
        ("under_25", "Less than a quarter"),
    ),
    _q(
        "liquidity",
        "capacity",
        "Outside these portfolios, how many months of household spending could "
        "cash and other liquid savings cover?",
        ("under_3", "Less than 3 months"),
        ("3_to_6", "3 to 6 months"),
        ("6_to_12", "6 to 12 months"),
        ("over_12", "More than 12 months"),
    ),
    _q(
        "income_stability",
        "capacity",
        "How secure is the household's income over the next five years?",
        ("uncertain", "Uncertain: irregular, commission-based or at risk"),
        ("somewhat_stable", "Somewhat stable"),
        ("stable", "Stable: salary or pension"),
        ("very_stable", "Very stable, and more than covers our spending"),
    ),
    _q(
        "horizon",
        "capacity",
        "When will you start drawing a significant part of this money?",
        ("under_3", "Within 3 years"),
        ("3_to_7", "In 3 to 7 years"),
        ("8_to_15", "In 8 to 15 years"),
        ("over_15", "In more than 15 years"),
    ),
    _q(
        "obligations",
        "capacity",
        "How heavy are the household's obligations: dependants, mortgage, tuition, care?",
        ("heavy", "Several dependants and large fixed obligations"),
        ("moderate", "Some dependants or obligations"),
        ("light", "Few obligations"),
        ("none", "No dependants and no significant obligations"),
    ),
    _q(
        "decline_reaction",
        "tolerance",
        "Your portfolio falls 20% in three months. What do you do?",
        ("sell_all", "Sell everything to stop further losses"),
        ("sell_some", "Sell some to reduce the risk"),
        ("hold", "Hold and wait for a recovery"),
        ("buy_more", "Buy more while prices are low"),
    ),
    _q(
        "largest_tolerable_loss",
        "tolerance",
        "What is the largest fall in one year you could watch without changing your plan?",
        ("under_10", "Less than 10%"),
        ("10_to_20", "10% to 20%"),
        ("20_to_30", "20% to 30%"),
        ("over_30", "More than 30%"),
    ),
    _q(
        "return_or_safety",
        "tolerance",
        "Which comes closest to what you want from this portfolio?",
        ("avoid_losses", "Avoid losses, even if it grows slowly"),
        ("mostly_safety", "Mostly stability, with some growth"),
        ("mostly_growth", "Mostly growth, accepting some large falls"),
        ("max_growth", "The most growth, whatever the swings"),
    ),
)
QUESTIONS_BY_ID: Mapping[str, Question] = {question.id: question for question in QUESTIONS}

MODERATE_FROM = 40
AGGRESSIVE_FROM = 70

DEFAULT_CLASS_CODES: tuple[str, ...] = (
    "us_equity",
    "intl_equity",
    "us_bonds",
    "muni_bonds",
    "real_estate",
    "commodities",
    "cash",
    "crypto_large",
    "crypto_balanced",
    "crypto_growth",
)

# Non-crypto mixes: each sums to 1 before the crypto sleeve is carved out.
PROFILE_MIXES: Mapping[Profile, Mapping[str, Decimal]] = {
    "conservative": {
        "us_equity": Decimal("0.20"),
        "intl_equity": Decimal("0.10"),
        "us_bonds": Decimal("0.38"),
        "muni_bonds": Decimal("0.15"),
        "real_estate": Decimal("0.05"),
        "commodities": Decimal("0.02"),
        "cash": Decimal("0.10"),
    },
    "moderate": {
        "us_equity": Decimal("0.36"),
        "intl_equity": Decimal("0.18"),
        "us_bonds": Decimal("0.24"),
        "muni_bonds": Decimal("0.10"),
        "real_estate": Decimal("0.06"),
        "commodities": Decimal("0.03"),
        "cash": Decimal("0.03"),
    },
    "aggressive": {
        "us_equity": Decimal("0.50"),
        "intl_equity": Decimal("0.25"),
        "us_bonds": Decimal("0.10"),
        "muni_bonds": Decimal("0.04"),
        "real_estate": Decimal("0.07"),
        "commodities": Decimal("0.03"),
        "cash": Decimal("0.01"),
    },
}

# (guideline low, guideline high, starting point), fractions of investable assets.
CRYPTO_GUIDELINE: Mapping[Profile, tuple[Decimal, Decimal, Decimal]] = {
    "conservative": (Decimal("0.01"), Decimal("0.03"), Decimal("0.02")),
    "moderate": (Decimal("0.05"), Decimal("0.07"), Decimal("0.06")),
    "aggressive": (Decimal("0.10"), Decimal("0.15"), Decimal("0.10")),
}
CRYPTO_REDUCTION_PER_DECADE = Decimal("0.0075")
CRYPTO_REDUCTION_FROM_AGE = 30
CRYPTO_FLOOR = Decimal("0.01")
CRYPTO_BARBELL: Mapping[str, Decimal] = {
    "crypto_large": Decimal("0.65"),
    "crypto_balanced": Decimal("0.23"),
    "crypto_growth": Decimal("0.12"),
}


def profile_for_score(score: int) -> Profile:
    """conservative below 40, moderate 40-69, aggressive from 70."""
    if score >= AGGRESSIVE_FROM:
        return "aggressive"
    if score >= MODERATE_FROM:
        return "moderate"
    return "conservative"


@dataclass(frozen=True)
class RiskScores:
    """Capacity and tolerance scores (0-100); the lower governs."""

    capacity: int
    tolerance: int
    capacity_profile: Profile = field(init=False)
    tolerance_profile: Profile = field(init=False)
    governing_profile: Profile = field(init=False)

    def __post_init__(self) -> None:
        for name, score in (("capacity", self.capacity), ("tolerance", self.tolerance)):
            if not 0 <= score <= 100:
                raise ValueError(f"{name} score must be 0-100, got {score}")
        object.__setattr__(self, "capacity_profile", profile_for_score(self.capacity))
        object.__setattr__(self, "tolerance_profile", profile_for_score(self.tolerance))
        governing = profile_for_score(min(self.capacity, self.tolerance))
        object.__setattr__(self, "governing_profile", governing)


@dataclass(frozen=True)
class SuggestedAllocation:
    profile: Profile
    age: int
    weights: Mapping[str, Decimal]  # default class code -> weight, 4 places, sums to 1
    crypto: Decimal  # the whole crypto sleeve
    rules: tuple[str, ...]  # how it was derived, in the advisor's words


def score_questionnaire(answers: Mapping[str, str]) -> RiskScores:
    """Score the answers (question id -> choice id) into capacity and tolerance, 0-100.

    Unknown questions, unknown answers and unanswered questions are a
    ``ValueError`` naming the question.
    """
    points: dict[Category, int] = {"capacity": 0, "tolerance": 0}
    maximum: dict[Category, int] = {"capacity": 0, "tolerance": 0}
    for question_id, choice_id in answers.items():
        question = QUESTIONS_BY_ID.get(question_id)
        if question is None:
            raise ValueError(f"unknown question {question_id!r}")
        points[question.category] += question.choice(choice_id).points
    missing = [question.id for question in QUESTIONS if question.id not in answers]
    if missing:
        raise ValueError(f"unanswered questions: {', '.join(missing)}")
    for question in QUESTIONS:
        maximum[question.category] += question.max_points
    capacity, tolerance = (
        int((Decimal(100 * points[c]) / maximum[c]).quantize(Decimal(1), ROUND_HALF_UP))
        for c in ("capacity", "tolerance")
    )
    return RiskScores(capacity=capacity, tolerance=tolerance)


def _round_weight(weight: Decimal) -> Decimal:
    return weight.quantize(WEIGHT_PLACES, rounding=ROUND_HALF_UP)


def _pct(fraction: Decimal) -> str:
    text = f"{(fraction * 100).quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return f"{text}%"


def suggested_crypto(profile: Profile, age: int) -> Decimal:
    """The crypto sleeve for a profile and age, as a fraction (see the module notes)."""
    start = CRYPTO_GUIDELINE[profile][2]
    decades = max(0, (age - CRYPTO_REDUCTION_FROM_AGE) // 10)
    return max(CRYPTO_FLOOR, start - CRYPTO_REDUCTION_PER_DECADE * decades)


def _crypto_rules(profile: Profile, age: int, crypto: Decimal) -> list[str]:
    low, high, start = CRYPTO_GUIDELINE[profile]
    decades = max(0, (age - CRYPTO_REDUCTION_FROM_AGE) // 10)
    rules = [
        f"Crypto: the {profile} guideline is {_pct(low)}-{_pct(high)} of investable "
        f"assets; starting point {_pct(start)}."
    ]
    if decades == 0:
        rules.append(f"Age {age}: no reduction before 40.")
    else:
        reduced = start - CRYPTO_REDUCTION_PER_DECADE * decades
        rules.append(
            f"Age {age}: {decades} full decade{'s' if decades > 1 else ''} over 30, "
            f"less {_pct(CRYPTO_REDUCTION_PER_DECADE)[:-1]} point each: {_pct(reduced)}"
            + (f", raised to the {_pct(CRYPTO_FLOOR)} minimum." if crypto > reduced else ".")
        )
    barbell = ", ".join(
        f"{_pct(share)} {class_label(code)}" for code, share in CRYPTO_BARBELL.items()
    )
    rules.append(f"Crypto sleeve of {_pct(crypto)} split as a barbell: {barbell}.")
    return rules


def suggest_allocation(scores: RiskScores, age: int) -> SuggestedAllocation:
    """Suggested weights over the default classes for the governing profile and the age.

    Weights are fractions with 4 places summing to exactly 1; ``rules``
    explains the derivation for the advisor and the client.
    """
    if age < 0:
        raise ValueError(f"age must not be negative, got {age}")
    profile = scores.governing_profile
    crypto = suggested_crypto(profile, age)
    mix = PROFILE_MIXES[profile]
    rest = 1 - crypto
    weights = {code: _round_weight(share * rest) for code, share in mix.items()}
    sleeve = {code: _round_weight(share * crypto) for code, share in CRYPTO_BARBELL.items()}
    sleeve["crypto_growth"] = crypto - sleeve["crypto_large"] - sleeve["crypto_balanced"]
    largest = max(weights, key=lambda code: weights[code])
    weights[largest] += 1 - crypto - sum(weights.values())
    weights.update(sleeve)
    mix_text = ", ".join(f"{_pct(share)} {class_label(code)}" for code, share in mix.items())
    rules = [
        f"Risk capacity {scores.capacity}/100 ({scores.capacity_profile}), risk tolerance "
        f"{scores.tolerance}/100 ({scores.tolerance_profile}): the lower governs, "
        f"so the {profile} mix applies.",
        *_crypto_rules(profile, age, crypto),
        f"Other classes follow the {profile} mix ({mix_text}), "
        f"scaled to the remaining {_pct(rest)}.",
        f"Weights are rounded to 4 decimal places; the difference goes to the largest class, "
        f"{class_label(largest)}.",
        "A suggestion for the advisor to edit, not a rule the client is held to.",
    ]
    return SuggestedAllocation(
        profile=profile,
        age=age,
        weights={code: weights[code] for code in DEFAULT_CLASS_CODES},
        crypto=crypto,
        rules=tuple(rules),
    )

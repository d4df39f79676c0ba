"""IPS versions: the rules, activation, immutability and acknowledgement (services)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from advisory.api_errors import ConflictError, DomainError
from policies.models import InvestmentPolicy, PolicyAcknowledgement, PolicyStatus, PolicyTarget
from policies.services import (
    ImmutablePolicyError,
    TargetDraft,
    percent_text,
    policy_acknowledge,
    policy_activate,
    policy_discard,
    policy_draft_errors,
    policy_record_rebalance,
    policy_update_draft,
)
from tests.conftest import World
from tests.policies.conftest import draft, make_policy

pytestmark = pytest.mark.django_db

D = Decimal
CLASSES = {"us_equity": "US equity", "intl_equity": "Intl", "us_bonds": "Bonds", "cash": "Cash"}


def targets(*pairs: tuple[str, str]) -> tuple[TargetDraft, ...]:
    return tuple(TargetDraft(code, D(weight)) for code, weight in pairs)


@pytest.mark.parametrize(
    ("fraction", "text"),
    [(D("0.995"), "99.5%"), (D("1"), "100%"), (D("1.000001"), "100.0001%"), (D("0"), "0%")],
)
def test_percent_text_keeps_every_digit(fraction: Decimal, text: str) -> None:
    assert percent_text(fraction) == text


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # 0.40 + 0.20 + 0.35 + 0.045 = 0.995
        (
            {
                "targets": targets(
                    ("us_equity", "0.40"),
                    ("intl_equity", "0.20"),
                    ("us_bonds", "0.35"),
                    ("cash", "0.045"),
                )
            },
            {"targets": ["Weights must sum to 100%; they sum to 99.5%."]},
        ),
        (
            {"targets": targets(("us_equity", "0.5"), ("xyz", "0.5"))},
            {"targets": [{}, {"asset_class": ["Unknown asset class 'xyz'."]}]},
        ),
        (
            {"targets": targets(("us_equity", "0.5"), ("us_equity", "0.5"))},
            {"targets": [{}, {"asset_class": ["US equity has more than one target."]}]},
        ),
        (
            {"targets": targets(("us_equity", "1.5"), ("cash", "-0.5"))},
            {
                "targets": [
                    {"weight": ["Must be between 0 and 1 (0% to 100%)."]},
                    {"weight": ["Must be between 0 and 1 (0% to 100%)."]},
                ]
            },
        ),
        ({"targets": ()}, {"targets": ["Give at least one asset class a target."]}),
        (
            {"abs_band": D("-0.01")},
            {"abs_band": ["Must be between 0 and 1 (a fraction, e.g. 0.05)."]},
        ),
        (
            {"abs_band": None, "rel_band": None},
            {"abs_band": ["Set an absolute band, a relative band or both."]},
        ),
        ({"rationale": "   "}, {"rationale": ["Document what changed and why."]}),
        (
            {"method": "calendar"},
            {
                "frequency": ["The calendar method needs a review frequency."],
                "anchor_date": ["The calendar method needs an anchor date."],
            },
        ),
        (
            {"method": "hybrid", "frequency": "weekly", "anchor_date": date(2026, 1, 1)},
            {"frequency": ["Unknown frequency 'weekly'."]},
        ),
        ({"horizon_years": 0}, {"horizon_years": ["Must be between 1 and 100 years."]}),
        ({"cash_reserve": D("-1")}, {"cash_reserve": ["Must not be negative."]}),
        (
            {"questionnaire_answers": {"horizon": "over_15"}},
            {
                "questionnaire_answers": [
                    "Unanswered questions: net_worth, liquidity, income_stability, obligations, "
                    "decline_reaction, largest_tolerable_loss, return_or_safety."
                ]
            },
        ),
    ],
)
def test_draft_rules(changes: dict[str, object], expected: dict[str, object]) -> None:
    assert policy_draft_errors(draft(**changes), CLASSES) == expected


def test_a_valid_draft_has_no_errors() -> None:
    assert policy_draft_errors(draft(), CLASSES) == {}


def test_create_activates_and_numbers_versions(world: World) -> None:
    first = make_policy(world)
    second = make_policy(world, rationale="Raised bonds after the review.")
    first.refresh_from_db()
    assert (first.version, first.status) == (1, PolicyStatus.SUPERSEDED)
    assert (second.version, second.status) == (2, PolicyStatus.ACTIVE)
    assert first.superseded_at is not None
    assert second.effective_date is not None
    assert second.targets.count() == 4


def test_invalid_draft_saves_nothing(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        make_policy(world, targets=targets(("us_equity", "0.9")))
    assert refused.value.field_errors == {"targets": ["Weights must sum to 100%; they sum to 90%."]}
    assert not InvestmentPolicy.objects.exists()
    assert not PolicyTarget.objects.exists()


def test_questionnaire_answers_are_scored_and_kept(world: World) -> None:
    answers = {
        "net_worth": "under_25",
        "liquidity": "over_12",
        "income_stability": "very_stable",
        "horizon": "over_15",
        "obligations": "none",  # capacity 15/15 -> 100
        "decline_reaction": "sell_some",
        "largest_tolerable_loss": "10_to_20",
        "return_or_safety": "mostly_safety",  # tolerance 3/9 -> 33
    }
    policy = make_policy(world, questionnaire_answers=answers)
    assert (policy.risk_capacity_score, policy.risk_tolerance_score) == (100, 33)
    assert policy.governing_risk_score == 33
    assert policy.questionnaire_answers == answers


def test_draft_then_activate_supersedes_the_active_version(world: World) -> None:
    active = make_policy(world)
    waiting = make_policy(world, activate=False, rationale="Proposed for the next review.")
    assert waiting.status == PolicyStatus.DRAFT
    assert waiting.effective_date is None
    policy_activate(
        policy=waiting, user=world.user("owner"), today=date(2026, 12, 1), queue_work=False
    )
    active.refresh_from_db()
    waiting.refresh_from_db()
    assert active.status == PolicyStatus.SUPERSEDED
    assert waiting.status == PolicyStatus.ACTIVE
    assert waiting.effective_date == date(2026, 12, 1)


def test_only_a_draft_can_be_activated(world: World) -> None:
    active = make_policy(world)
    with pytest.raises(ConflictError):
        policy_activate(policy=active, user=world.user("owner"), queue_work=False)


def test_an_active_version_is_never_edited(world: World) -> None:
    active = make_policy(world)
    with pytest.raises(ImmutablePolicyError):
        policy_update_draft(policy=active, draft=draft(rationale="Sneaky change."))
    active.refresh_from_db()
    assert active.rationale == "Initial policy after the discovery meeting."
    with pytest.raises(ImmutablePolicyError):
        policy_discard(policy=active)
    assert InvestmentPolicy.objects.filter(pk=active.pk).exists()


def test_a_draft_can_be_edited_and_discarded(world: World) -> None:
    waiting = make_policy(world, activate=False)
    changed = targets(("us_equity", "0.6"), ("us_bonds", "0.4"))
    policy_update_draft(policy=waiting, draft=draft(targets=changed, rationale="Simpler."))
    waiting.refresh_from_db()
    weights = {t.asset_class.code: t.weight for t in waiting.targets.all()}
    assert weights == {"us_equity": D("0.6"), "us_bonds": D("0.4")}
    assert waiting.rationale == "Simpler."
    policy_discard(policy=waiting)
    assert not InvestmentPolicy.objects.exists()


def test_acknowledging_records_time_and_user_once(world: World) -> None:
    active = make_policy(world)
    client = world.user("client")
    first, created = policy_acknowledge(policy=active, user=client)
    again, created_again = policy_acknowledge(policy=active, user=client)
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert first.acknowledged_at == again.acknowledged_at
    assert PolicyAcknowledgement.objects.filter(policy=active, user=client).count() == 1


def test_only_the_active_version_can_be_acknowledged(world: World) -> None:
    waiting = make_policy(world, activate=False)
    with pytest.raises(ConflictError):
        policy_acknowledge(policy=waiting, user=world.user("client"))
    assert not PolicyAcknowledgement.objects.exists()


def test_record_rebalance_sets_the_active_versions_date(world: World) -> None:
    active = make_policy(world)
    policy_record_rebalance(household_id=world.household.pk, on=date(2026, 11, 30))
    active.refresh_from_db()
    assert active.last_rebalanced_on == date(2026, 11, 30)


def test_crypto_sleeve_is_derived_from_the_crypto_targets(world: World) -> None:
    from tests.factories import AssetClassFactory

    for code in ("crypto_large", "crypto_balanced", "crypto_growth"):
        AssetClassFactory(firm=world.firm, code=code)
    policy = make_policy(
        world,
        targets=targets(
            ("us_equity", "0.50"),
            ("us_bonds", "0.45"),
            ("crypto_large", "0.0325"),
            ("crypto_balanced", "0.0115"),
            ("crypto_growth", "0.006"),
        ),
    )
    sleeve = policy.crypto_sleeve
    # 0.0325 + 0.0115 + 0.006 = 0.05; shares 0.65 / 0.23 / 0.12
    assert sleeve.weight == D("0.05")
    assert sleeve.split == {
        "crypto_large": D("0.65"),
        "crypto_balanced": D("0.23"),
        "crypto_growth": D("0.12"),
    }


def test_database_allows_one_active_version_per_household(world: World) -> None:
    make_policy(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvestmentPolicy.objects.create(
            household=world.household,
            version=9,
            status=PolicyStatus.ACTIVE,
            effective_date=date(2026, 1, 1),
            rationale="Bypassing the services.",
        )


def test_database_refuses_a_blank_rationale(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        InvestmentPolicy.objects.create(household=world.household, version=1, rationale="  ")


def test_database_refuses_a_negative_band(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        InvestmentPolicy.objects.create(
            household=world.household, version=1, rationale="x", abs_band=D("-0.01")
        )

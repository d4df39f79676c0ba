"""The review workflow through the API: transitions, notes, the IPS it makes, the client."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from policies.models import InvestmentPolicy, PolicyStatus
from policies.reviews.models import Review, ReviewEvent, ReviewStatus
from policies.reviews.services import review_change_targets, review_start
from policies.services import PolicyDraft, TargetDraft
from tests.conftest import World
from tests.policies.reviews.conftest import FULL_NOTES, make_review

pytestmark = pytest.mark.django_db


def _url(review: Review, action: str = "") -> str:
    return f"/api/v1/reviews/{review.pk}/{action + '/' if action else ''}"


def test_start_then_complete_then_the_client_acknowledges(
    world: World, review: Review, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    owner = api_as("owner")
    started = owner.post(_url(review, "start"))
    assert started.status_code == 200, started.json()
    assert started.json()["status"] == "in_progress"
    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(
            _url(review, "complete"),
            {"checklist": FULL_NOTES, "summary": "Lower equities to 35%."},
            format="json",
        )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "awaiting_client"
    # The client is asked by email, with a link to the portal and no figures.
    [email] = mail.outbox
    assert email.to == ["client@acme.test"]
    assert "http://127.0.0.1:8000/portal/" in email.body
    assert "$" not in email.body
    assert "%" not in email.body
    html_text = re.sub(r"<[^>]+>", " ", str(email.alternatives[0][0]))
    assert "$" not in html_text
    assert "%" not in html_text
    assert "/portal/" in str(email.alternatives[0][0])
    acknowledged = api_as("client").post(_url(review, "acknowledge"))
    assert acknowledged.status_code == 200, acknowledged.json()
    body = acknowledged.json()
    assert body["status"] == "completed"
    assert body["acknowledged_by"] == world.user("client").pk
    assert body["acknowledged_at"] is not None
    actions = list(ReviewEvent.objects.filter(review=review).values_list("action", "actor__email"))
    assert actions == [
        ("start", "owner@acme.test"),
        ("complete", "owner@acme.test"),
        ("acknowledge", "client@acme.test"),
    ]


def test_completing_requires_notes_on_every_item(review: Review, api_as: Any) -> None:
    owner = api_as("owner")
    owner.post(_url(review, "start"))
    notes = [row for row in FULL_NOTES if row["item"] not in ("risk_tolerance", "drift")]
    notes.append({"item": "goals", "notes": "   "})
    answer = owner.post(
        _url(review, "complete"), {"checklist": notes, "summary": ""}, format="json"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert set(body["checklist"]) == {"goals", "risk_tolerance", "drift"}
    assert body["checklist"]["drift"] == ["Write a note on this item before completing the review."]
    assert body["summary"] == ["Summarise the review for the record."]
    review.refresh_from_db()
    assert review.status == ReviewStatus.IN_PROGRESS


def test_an_unknown_checklist_item_is_a_field_error(review: Review, api_as: Any) -> None:
    owner = api_as("owner")
    owner.post(_url(review, "start"))
    notes = [*FULL_NOTES, {"item": "horoscope", "notes": "Mercury in retrograde."}]
    answer = owner.post(
        _url(review, "complete"), {"checklist": notes, "summary": "x"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["checklist"] == {"horoscope": ["Not an item of this review's checklist."]}


@pytest.mark.parametrize(
    ("status", "action", "body"),
    [
        ("scheduled", "complete", {"checklist": FULL_NOTES, "summary": "x"}),
        ("completed", "acknowledge", {}),
        ("in_progress", "start", {}),
        ("awaiting_client", "skip", {"reason": "Client moved"}),
        ("completed", "start", {}),
        ("skipped", "start", {}),
    ],
)
def test_a_transition_the_table_does_not_allow_is_409(
    world: World, policy: Any, api_as: Any, status: str, action: str, body: dict[str, Any]
) -> None:
    review = make_review(world, status=status)
    persona = "client" if action == "acknowledge" else "owner"
    answer = api_as(persona).post(_url(review, action), body, format="json")
    assert answer.status_code == 409, answer.json()
    assert answer.json()["code"] == "review_transition"
    review.refresh_from_db()
    assert review.status == status


def test_skipping_needs_a_reason(review: Review, api_as: Any) -> None:
    owner = api_as("owner")
    blank = owner.post(_url(review, "skip"), {"reason": " "}, format="json")
    assert blank.status_code == 400
    assert blank.json()["reason"] == ["A reason is required."]
    skipped = owner.post(_url(review, "skip"), {"reason": "Met in person in March."}, format="json")
    assert skipped.status_code == 200
    assert skipped.json()["status"] == "skipped"
    assert skipped.json()["skip_reason"] == "Met in person in March."


def test_without_a_client_login_completing_completes(
    world: World, policy: Any, api_as: Any
) -> None:
    world.household.client_links.all().delete()
    review = make_review(world)
    owner = api_as("owner")
    owner.post(_url(review, "start"))
    done = owner.post(
        _url(review, "complete"), {"checklist": FULL_NOTES, "summary": "ok"}, format="json"
    )
    assert done.json()["status"] == "completed"
    assert mail.outbox == []


def test_a_change_of_targets_makes_a_new_ips_version_linked_to_the_review(
    world: World, policy: InvestmentPolicy, review: Review, api_as: Any
) -> None:
    review_start(review=review, user=world.user("owner"))
    new_targets = {"us_equity": "0.35", "intl_equity": "0.20", "us_bonds": "0.40", "cash": "0.05"}
    draft = PolicyDraft(
        targets=tuple(TargetDraft(code, Decimal(w)) for code, w in new_targets.items()),
        rationale="Annual review: one income since March, equities 40% to 35%.",
        method="calendar",
        frequency="quarterly",
        anchor_date=policy.anchor_date,
    )
    review_change_targets(review=review, user=world.user("owner"), draft=draft)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.SUPERSEDED
    new = InvestmentPolicy.objects.get(household=world.household, status=PolicyStatus.ACTIVE)
    assert new.version == 2
    assert new.rationale == "Annual review: one income since March, equities 40% to 35%."
    assert {t.asset_class.code: t.weight for t in new.targets.all()}["us_equity"] == Decimal("0.35")
    body = api_as("owner").get(_url(review)).json()
    assert body["policy"] == new.pk


def test_the_questionnaire_goes_with_the_new_version(
    world: World, policy: InvestmentPolicy, review: Review
) -> None:
    from advisory.engine.risk import QUESTIONS
    from policies.reviews.services import review_record_questionnaire

    review_start(review=review, user=world.user("owner"))
    answers = {q.id: q.choices[0].id for q in QUESTIONS}
    recorded = review_record_questionnaire(review=review, user=world.user("owner"), answers=answers)
    # The first choice of every question is the most cautious: both scores are 0.
    assert (recorded.risk_capacity_score, recorded.risk_tolerance_score) == (0, 0)
    draft = PolicyDraft(
        targets=tuple(TargetDraft(t.asset_class.code, t.weight) for t in policy.targets.all()),
        rationale="Targets kept; questionnaire re-answered.",
    )
    changed = review_change_targets(review=review, user=world.user("owner"), draft=draft)
    assert changed.policy is not None
    assert changed.policy.questionnaire_answers == answers
    assert changed.policy.risk_capacity_score == 0


def test_changing_targets_needs_the_review_in_progress(
    world: World, policy: InvestmentPolicy, review: Review
) -> None:
    from advisory.api_errors import ConflictError

    draft = PolicyDraft(targets=(TargetDraft("us_equity", Decimal(1)),), rationale="All in.")
    with pytest.raises(ConflictError):
        review_change_targets(review=review, user=world.user("owner"), draft=draft)
    assert InvestmentPolicy.objects.filter(household=world.household).count() == 1


def test_the_list_filters_and_paginates(world: World, policy: Any, api_as: Any) -> None:
    from tests.policies.reviews.conftest import QUARTER_Q3

    annual = make_review(world)
    quarterly = make_review(world, kind="quarterly", period=QUARTER_Q3, status="completed")
    owner = api_as("owner")
    body = owner.get("/api/v1/reviews/").json()
    assert body["count"] == 2
    assert {"next", "previous", "results"} <= set(body)
    assert [r["id"] for r in owner.get("/api/v1/reviews/?kind=quarterly").json()["results"]] == [
        quarterly.pk
    ]
    assert [r["id"] for r in owner.get("/api/v1/reviews/?status=scheduled").json()["results"]] == [
        annual.pk
    ]
    due = owner.get("/api/v1/reviews/?due_before=2026-01-01").json()["results"]
    assert [r["id"] for r in due] == [quarterly.pk]  # due 14 November 2025
    bad = owner.get("/api/v1/reviews/?due_before=soon&status=done")
    assert bad.status_code == 400
    assert set(bad.json()) == {"due_before", "status"}
    row = owner.get(f"/api/v1/reviews/{annual.pk}/").json()
    assert [c["item"] for c in row["checklist"]] == [
        "goals",
        "risk_capacity",
        "risk_tolerance",
        "tax_accounts",
        "targets_selection",
        "drift",
    ]
    assert row["checklist"][0]["label"] == "Goals and time horizons"


def test_a_client_sees_only_reviews_the_advisor_completed(
    world: World, policy: Any, api_as: Any
) -> None:
    from tests.policies.reviews.conftest import QUARTER_Q3

    make_review(world)  # scheduled: not the client's to see yet
    awaiting = make_review(world, kind="quarterly", period=QUARTER_Q3, status="awaiting_client")
    make_review(world, household=world.other_household, status="completed")
    body = api_as("client").get("/api/v1/reviews/").json()
    assert [r["id"] for r in body["results"]] == [awaiting.pk]

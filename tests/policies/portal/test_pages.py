"""The portal's pages: plain words, what waits, documents, email choices; and who sees them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from policies.models import PolicyAcknowledgement
from policies.portal.words import APPROVED, DRIFTED, NO_PLAN, REVIEWING
from policies.portal.words import CLOSE as CLOSE_SENTENCE
from policies.proposals.models import ProposalStatus
from policies.reviews.models import ReviewStatus
from portfolios.models import NotificationPreference
from tests.conftest import World
from tests.factories import ProposalFactory
from tests.policies.portal.conftest import CLOSE, FAR, plan
from tests.policies.reviews.conftest import make_review

pytestmark = pytest.mark.django_db

PORTAL_PAGES = ["/portal/", "/portal/waiting/", "/portal/documents/", "/portal/notifications/"]


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_overview_speaks_plainly(world: World, client_as: Any) -> None:
    plan(world, FAR)
    html = html_of(client_as("client").get("/portal/"))
    assert DRIFTED in html
    # Who the advisor is, with a way to write to them.
    assert f'href="mailto:{world.user("owner").email}"' in html
    # No band arithmetic, no internal class codes, no red: nothing here asks them to act.
    text = re.sub(r"<[^>]+>", " ", html)
    for jargon in ("band", "us_equity", "intl_equity", "us_bonds", "Drift", "Rebalance:"):
        assert jargon not in text
    for red in ("message-error", "flag-alert", "gain-negative", "loss"):
        assert red not in html
    # The charts are described for screen readers with their figures.
    assert 'aria-describedby="donut-your-household-by-kind-of-investment-desc"' in html
    assert "$64,600.00 in all:" in html


@pytest.mark.parametrize(
    ("targets", "proposal", "sentence"),
    [
        (None, None, NO_PLAN),
        (CLOSE, None, CLOSE_SENTENCE),
        (FAR, None, DRIFTED),
        (FAR, ProposalStatus.DRAFT, REVIEWING),
        (FAR, ProposalStatus.PENDING, REVIEWING),
        (FAR, ProposalStatus.APPROVED, APPROVED),
        (CLOSE, ProposalStatus.REJECTED, CLOSE_SENTENCE),
        (FAR, ProposalStatus.FAILED, DRIFTED),
    ],
)
def test_the_plan_sentence_follows_drift_and_proposals(
    world: World, client_as: Any, targets: Any, proposal: str | None, sentence: str
) -> None:
    if targets is not None:
        policy = plan(world, targets)
        if proposal is not None:
            fields: dict[str, Any] = {"household": world.household, "policy": policy}
            fields["status"] = proposal
            if proposal == ProposalStatus.APPROVED:
                fields.update(approved_at=timezone.now(), approved_by=world.user("owner"))
            if proposal == ProposalStatus.REJECTED:
                fields.update(rejected_at=timezone.now(), rejected_by=world.user("owner"))
            ProposalFactory(**fields)
    assert sentence in html_of(client_as("client").get("/portal/"))


def test_a_recent_rebalance_is_news(world: World, client_as: Any) -> None:
    policy = plan(world, CLOSE)
    at = timezone.now() - timedelta(days=3)
    ProposalFactory(
        household=world.household,
        policy=policy,
        status=ProposalStatus.EXECUTED,
        approved_at=at,
        approved_by=world.user("owner"),
        executed_at=at,
        executed_by=world.user("owner"),
    )
    day = timezone.localdate(at)
    html = html_of(client_as("client").get("/portal/"))
    assert f"Your advisor rebalanced your accounts on {day:%B} {day.day}, {day.year}" in html


def test_staff_have_no_portal(world: World, client_as: Any) -> None:
    for url in PORTAL_PAGES:
        response = client_as("owner").get(url)
        assert response.status_code == 302
        assert response["Location"] == "/"


def test_anonymous_visitors_sign_in_first(world: World, client: Any) -> None:
    for url in PORTAL_PAGES:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_ips_waits_until_acknowledged_then_is_a_document(world: World, client_as: Any) -> None:
    policy = plan(world, CLOSE)
    client = client_as("client")
    html = html_of(client.get("/portal/waiting/"))
    assert f"Investment Policy Statement, version {policy.version}" in html
    assert f'action="/portal/acknowledge/ips/{policy.pk}/"' in html
    assert "No documents yet" in html_of(client.get("/portal/documents/"))

    before = timezone.now()
    response = client.post(f"/portal/acknowledge/ips/{policy.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/waiting/"

    acknowledgement = PolicyAcknowledgement.objects.get(policy=policy, user=world.user("client"))
    assert before <= acknowledgement.acknowledged_at <= timezone.now()
    assert "Nothing is waiting" in html_of(client.get("/portal/waiting/"))
    documents = html_of(client.get("/portal/documents/"))
    assert f'href="/policies/{policy.pk}/document.pdf"' in documents
    assert f"Investment Policy Statement, version {policy.version}" in documents


def test_a_review_waits_and_is_acknowledged_from_the_list(world: World, client_as: Any) -> None:
    plan(world, CLOSE)
    review = make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    client = client_as("client")
    html = html_of(client.get("/portal/waiting/"))
    assert f'action="/portal/acknowledge/review/{review.pk}/"' in html
    response = client.post(f"/portal/acknowledge/review/{review.pk}/")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED
    assert review.acknowledged_by == world.user("client")
    assert f'action="/portal/acknowledge/review/{review.pk}/"' not in html_of(
        client.get("/portal/waiting/")
    )


def test_documents_are_the_clients_own_with_their_dates(world: World, client_as: Any) -> None:
    policy = plan(world, CLOSE)
    PolicyAcknowledgement.objects.create(
        policy=policy, user=world.user("client"), acknowledged_at=timezone.now()
    )
    review = make_review(world, status=ReviewStatus.COMPLETED)
    approved = ProposalFactory(
        household=world.household,
        policy=policy,
        status=ProposalStatus.APPROVED,
        approved_at=timezone.now(),
        approved_by=world.user("owner"),
    )
    draft = ProposalFactory(household=world.household, policy=policy)
    other = ProposalFactory(
        household=world.other_household,
        status=ProposalStatus.APPROVED,
        approved_at=timezone.now(),
        approved_by=world.user("other_advisor"),
    )
    html = html_of(client_as("client").get("/portal/documents/"))
    assert f'href="/policies/{policy.pk}/document.pdf"' in html
    assert f'href="/reviews/{review.pk}/report.pdf"' in html
    assert f'href="/proposals/{approved.pk}/document.pdf"' in html
    assert f"/proposals/{draft.pk}/" not in html  # drafts are the advisor's
    assert f"/proposals/{other.pk}/" not in html
    assert "Annual review, January 2025 to January 2026" in html
    assert "Changes approved by your advisor" in html


def test_email_choices_are_saved(world: World, client_as: Any) -> None:
    client = client_as("client")
    assert 'name="email_new_documents"' in html_of(client.get("/portal/notifications/"))
    response = client.post("/portal/notifications/", {"email_awaiting": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=world.user("client"))
    assert (preference.email_new_documents, preference.email_awaiting) == (False, True)


def test_an_rmd_to_take_this_year_with_what_remains(world: World, client_as: Any) -> None:
    from datetime import date, datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    import time_machine

    from portfolios.models import AccountType
    from tests.factories import AccountFactory, PersonFactory

    plan(world, CLOSE)
    # Born 1950: RMDs from 72, so 2022; aged 76 in 2026, Uniform Lifetime divisor 23.7.
    bob = PersonFactory(household=world.household, first_name="Bob", date_of_birth=date(1950, 6, 1))
    AccountFactory(
        household=world.household,
        owner=bob,
        name="Bob IRA",
        account_type=AccountType.TRADITIONAL_IRA,
        cash=Decimal("100000"),
        prior_year_end_value=Decimal("100000"),
        prior_year_end_date=date(2025, 12, 31),
    )
    noon = datetime(2026, 6, 15, 12, tzinfo=ZoneInfo("America/New_York"))
    with time_machine.travel(noon, tick=False):
        html = html_of(client_as("client").get("/portal/"))
    # 100,000 / 23.7 = 4,219.409 -> $4,219.41, nothing withdrawn yet this year.
    assert (
        "Bob must take a required minimum distribution this year (by December 31, 2026) "
        "from Bob IRA: <strong>$4,219.41</strong> is still to take."
    ) in html
    assert "Ann must take" not in html  # born 1962: not before 2037

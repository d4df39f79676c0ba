"""The portal's emails: sent on commit to the clients who chose them, with no figures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from advisory.models import Role
from portfolios.models import NotificationPreference
from portfolios.notifications import Notice, notify_clients, send_portal_notice
from tests.conftest import World
from tests.factories import ClientLinkFactory, member
from tests.policies.portal.conftest import CLOSE, plan

pytestmark = pytest.mark.django_db


def no_figures(text: str) -> bool:
    """No digit outside a link (the site's port may have some), no currency, no percent."""
    without_links = re.sub(r"https?://\S+", "", text)
    return not re.search(r"[0-9$%]", without_links)


def test_a_new_ips_asks_the_client_by_email_once_it_commits(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        plan(world, CLOSE, queue_work=True)
        assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    (email,) = [m for m in mail.outbox if m.to == [world.user("client").email]]
    assert email.subject == "Waiting for you: a new version of your Investment Policy Statement"
    assert "/portal/waiting/" in email.body
    html = email.alternatives[0][0]
    assert 'href="http://127.0.0.1:8000/portal/waiting/"' in html or "/portal/waiting/" in html
    assert no_figures(email.body)
    assert no_figures(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("choice", "notice", "sent"),
    [
        ({}, Notice.NEW_DOCUMENT, 1),
        ({}, Notice.AWAITING, 1),
        ({"email_new_documents": False}, Notice.NEW_DOCUMENT, 0),
        ({"email_new_documents": False}, Notice.AWAITING, 1),
        ({"email_awaiting": False}, Notice.AWAITING, 0),
        ({"email_awaiting": False}, Notice.NEW_DOCUMENT, 1),
    ],
)
def test_the_clients_choice_is_kept(
    world: World, choice: dict[str, bool], notice: Notice, sent: int
) -> None:
    if choice:
        NotificationPreference.objects.create(user=world.user("client"), **choice)
    assert (
        send_portal_notice(
            household_id=world.household.pk, notice=notice.value, subject="proposal_approved"
        )
        == sent
    )
    assert len(mail.outbox) == sent
    if sent:
        assert (
            "/portal/documents/" in mail.outbox[0].body or "/portal/waiting/" in mail.outbox[0].body
        )


def test_only_the_households_clients_are_written_to(world: World) -> None:
    second = member(world.firm, Role.CLIENT, email="partner@acme.test")
    ClientLinkFactory(user=second, household=world.household)
    sent = send_portal_notice(
        household_id=world.household.pk, notice="new_document", subject="proposal_executed"
    )
    assert sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["client@acme.test", "partner@acme.test"]
    for message in mail.outbox:
        assert (
            message.subject == "New in your portal: a record of the changes made in your accounts"
        )
        assert no_figures(message.body)


def test_an_unknown_subject_sends_nothing(world: World) -> None:
    assert (
        send_portal_notice(
            household_id=world.household.pk, notice="awaiting", subject="balance is $1m"
        )
        == 0
    )


def test_nothing_is_sent_when_the_transaction_rolls_back(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        try:
            from django.db import transaction

            with transaction.atomic():
                notify_clients(
                    household_id=world.household.pk, notice=Notice.AWAITING, subject="ips"
                )
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    assert mail.outbox == []


def test_the_review_request_honours_the_awaiting_choice(world: World) -> None:
    from policies.reviews.emails import send_client_request
    from policies.reviews.models import ReviewStatus
    from tests.policies.reviews.conftest import make_review, scheduled_policy

    scheduled_policy(world)
    review = make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    NotificationPreference.objects.create(user=world.user("client"), email_awaiting=False)
    assert send_client_request(review_id=review.pk) == 0
    NotificationPreference.objects.filter(user=world.user("client")).update(email_awaiting=True)
    assert send_client_request(review_id=review.pk) == 1
    assert "/portal/waiting/" in mail.outbox[0].body

"""Every document the portal lists, for every persona: the client of another household gets 404.

The portal links to the documents' own URLs (the IPS PDF, the review report, the
proposal PDF); each must refuse an outsider exactly as the household pages do.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from policies.models import PolicyAcknowledgement
from policies.portal.selectors import portal_documents
from policies.proposals.models import ProposalStatus
from policies.reviews.models import ReviewStatus
from tests.conftest import World
from tests.factories import ProposalFactory
from tests.policies.portal.conftest import CLOSE, plan
from tests.policies.reviews.conftest import make_review

pytestmark = pytest.mark.django_db

# Persona -> what every document URL of the Smith household answers. A PDF not rendered
# yet answers 202 (a page that waits for it) to those who may see it.
SEES = {200, 202}
EXPECTED = {
    "client": SEES,
    "owner": SEES,
    "teammate": SEES,
    "other_client": {404},
    "other_advisor": {404},
    "foreign_advisor": {404},
    "anonymous": {302},
}


@pytest.fixture
def document_urls(world: World) -> list[str]:
    policy = plan(world, CLOSE)
    PolicyAcknowledgement.objects.create(
        policy=policy, user=world.user("client"), acknowledged_at=timezone.now()
    )
    make_review(world, status=ReviewStatus.COMPLETED)
    now = timezone.now()
    ProposalFactory(
        household=world.household,
        policy=policy,
        status=ProposalStatus.APPROVED,
        approved_at=now,
        approved_by=world.user("owner"),
    )
    ProposalFactory(
        household=world.household,
        policy=policy,
        status=ProposalStatus.EXECUTED,
        approved_at=now,
        approved_by=world.user("owner"),
        executed_at=now,
        executed_by=world.user("owner"),
    )
    client = world.user("client")
    assert client is not None
    urls = [row.url for row in portal_documents(user=client, household=world.household)]
    kinds = sorted(row.kind for row in portal_documents(user=client, household=world.household))
    assert kinds == ["ips", "proposal", "proposal", "review"]
    return urls


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_every_document_url(
    world: World, client_as: Any, document_urls: list[str], persona: str
) -> None:
    client = client_as(persona)
    for url in document_urls:
        status = client.get(url).status_code
        assert status in EXPECTED[persona], (persona, url, status)


def test_another_households_client_lists_none_of_them(
    world: World, document_urls: list[str]
) -> None:
    other = world.user("other_client")
    assert other is not None
    assert portal_documents(user=other, household=world.other_household) == []


@pytest.mark.parametrize(
    "url",
    [
        "/portal/acknowledge/ips/{policy}/",
        "/portal/acknowledge/review/{review}/",
    ],
)
def test_another_client_cannot_acknowledge(world: World, client_as: Any, url: str) -> None:
    policy = plan(world, CLOSE)
    review = make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    response = client_as("other_client").post(url.format(policy=policy.pk, review=review.pk))
    assert response.status_code == 404
    assert not PolicyAcknowledgement.objects.filter(policy=policy).exists()
    review.refresh_from_db()
    assert review.status == ReviewStatus.AWAITING_CLIENT


def test_an_advisor_cannot_acknowledge_for_the_client(world: World, client_as: Any) -> None:
    policy = plan(world, CLOSE)
    response = client_as("owner").post(f"/portal/acknowledge/ips/{policy.pk}/")
    assert response.status_code == 403
    assert not PolicyAcknowledgement.objects.filter(policy=policy).exists()

"""The client's email leaves through a real Celery worker, queued when the completion commits."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import mail

from tests.conftest import World
from tests.policies.reviews.conftest import FULL_NOTES, make_review, scheduled_policy

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


def test_completing_a_review_emails_the_client_through_the_worker(
    world: World, api_as: Any, celery_worker_on_broker: Any
) -> None:
    scheduled_policy(world)
    review = make_review(world, status="in_progress")
    answer = api_as("owner").post(
        f"/api/v1/reviews/{review.pk}/complete/",
        {"checklist": FULL_NOTES, "summary": "Targets kept."},
        format="json",
    )
    assert answer.status_code == 200
    deadline = time.monotonic() + WAIT_SECONDS
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.2)
    [email] = mail.outbox
    assert email.to == ["client@acme.test"]
    assert email.subject == "Your annual review is ready to read"

"""The review emails: plain text and HTML, from templates under ``templates/emails/``.

The client's email never carries a financial figure: it names the review and
links to the portal, where the client signs in to read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from advisory.models import User
from policies.reviews.models import CLIENT_VISIBLE_STATUSES, OPEN_STATUSES, Review, ReviewStatus
from portfolios.notifications import Notice, recipients


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(template: str, context: dict[str, Any], to: Sequence[str]) -> None:
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()


def send_advisor_notice(*, user_id: int, notice: str, review_ids: Sequence[int]) -> int:
    """One email to the advisor listing the reviews still open among ``review_ids``."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    reviews = list(
        Review.objects.filter(pk__in=review_ids, status__in=OPEN_STATUSES)
        .select_related("household")
        .order_by("due_on", "household__name")
    )
    if not reviews:
        return 0
    rows = [{"review": r, "url": site_url(reverse("review_detail", args=[r.pk]))} for r in reviews]
    context = {
        "user": user,
        "notice": notice,
        "rows": rows,
        "today": timezone.localdate(),
        "dashboard_url": site_url(reverse("review_dashboard")),
    }
    _send("review_notice", context, [user.email])
    return len(reviews)


def send_client_request(*, review_id: int) -> int:
    """Ask each client of the household to read and acknowledge the review (no figures)."""
    review = (
        Review.objects.select_related("household__firm", "household__primary_advisor")
        .filter(pk=review_id, status=ReviewStatus.AWAITING_CLIENT)
        .first()
    )
    if review is None or review.status not in CLIENT_VISIBLE_STATUSES:
        return 0
    # Only the clients who chose emails about what awaits them (portfolios.notifications).
    clients = recipients(household_id=review.household_id, notice=Notice.AWAITING)
    sent = 0
    for client in clients:
        context = {
            "user": client,
            "review": review,
            "firm": review.household.firm,
            "advisor": review.household.primary_advisor,
            "portal_url": site_url(reverse("portal_waiting")),
        }
        _send("review_client", context, [client.email])
        sent += 1
    return sent

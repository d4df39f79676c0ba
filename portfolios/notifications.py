"""The portal's emails to clients: a new document, or something awaiting them.

A client chooses at **Portal → Email notifications** which of the two they want
(``NotificationPreference``; no row means both). The emails say what kind of
thing arrived and link to the portal page where it is; they never carry a
financial figure: the client signs in to read it. Services call
``notify_clients`` inside their transaction; the email goes out from a Celery
task once that transaction commits.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from advisory.models import User
from portfolios.models import ClientLink, Household


class Notice(StrEnum):
    NEW_DOCUMENT = "new_document"
    AWAITING = "awaiting"


# What arrived, in the client's words. A fixed table, so no figure can slip into an email.
SUBJECTS: dict[str, str] = {
    "ips": "a new version of your Investment Policy Statement",
    "proposal_approved": "changes your advisor approved for your accounts",
    "proposal_executed": "a record of the changes made in your accounts",
    "review": "your review report",
}
# The portal page each notice links to (URL names of policies.portal).
PAGES = {Notice.NEW_DOCUMENT: "portal_documents", Notice.AWAITING: "portal_waiting"}
PREFERENCE_FIELDS = {Notice.NEW_DOCUMENT: "email_new_documents", Notice.AWAITING: "email_awaiting"}


def recipients(*, household_id: int, notice: Notice) -> list[User]:
    """The household's active client logins who want this notice (one query)."""
    field = PREFERENCE_FIELDS[notice]
    links = (
        ClientLink.objects.filter(household_id=household_id, user__is_active=True)
        .select_related("user", "user__notification_preference")
        .order_by("user__email")
    )
    chosen = []
    for link in links:
        preference = getattr(link.user, "notification_preference", None)
        if preference is None or getattr(preference, field):
            chosen.append(link.user)
    return chosen


def site_url(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


def send_portal_notice(*, household_id: int, notice: str, subject: str) -> int:
    """Email each client who wants it; how many were sent. Unknown kinds send nothing."""
    kind = Notice(notice)
    what = SUBJECTS.get(subject)
    household = (
        Household.objects.select_related("firm", "primary_advisor").filter(pk=household_id).first()
    )
    if what is None or household is None:
        return 0
    sent = 0
    for user in recipients(household_id=household_id, notice=kind):
        context = {
            "user": user,
            "notice": kind.value,
            "what": what,
            "firm": household.firm,
            "advisor": household.primary_advisor,
            "page_url": site_url(reverse(PAGES[kind])),
            "preferences_url": site_url(reverse("portal_notifications")),
        }
        message = EmailMultiAlternatives(
            subject=" ".join(render_to_string("emails/portal_notice_subject.txt", context).split()),
            body=render_to_string("emails/portal_notice.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("emails/portal_notice.html", context), "text/html"
        )
        message.send()
        sent += 1
    return sent


def notify_clients(*, household_id: int, notice: Notice, subject: str) -> None:
    """Queue the email for when the caller's transaction commits (nothing if it rolls back)."""
    from portfolios import tasks

    transaction.on_commit(
        lambda: tasks.send_portal_notice.delay(household_id, notice.value, subject)
    )

"""Background work of the book of record: the portal's emails to clients. Ids in."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="portfolios.send_portal_notice", acks_late=True)
def send_portal_notice(household_id: int, notice: str, subject: str) -> int:
    """Email the household's clients who chose this notice; how many were sent."""
    from portfolios.notifications import send_portal_notice as send

    return send(household_id=household_id, notice=notice, subject=subject)

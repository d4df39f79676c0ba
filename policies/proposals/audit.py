"""The proposals' append-only audit trail: who did what, when, from which status to which."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from policies.proposals.models import AuditEvent, ImplementationPlan, Proposal

if TYPE_CHECKING:
    from advisory.models import User


def person_or_none(user: User | None) -> User | None:
    """The signed-in person behind an action; None for the system or an anonymous caller."""
    return user if getattr(user, "is_authenticated", False) else None


def audit_record(
    *,
    household_id: int,
    action: str,
    actor: User | None,
    proposal: Proposal | None = None,
    plan: ImplementationPlan | None = None,
    from_status: str = "",
    to_status: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event (who, when, what). ``actor`` None is the system."""
    return AuditEvent.objects.create(
        household_id=household_id,
        proposal=proposal,
        implementation_plan=plan,
        actor=person_or_none(actor),
        action=action,
        at=timezone.now(),
        from_status=from_status,
        to_status=to_status,
        detail=dict(detail or {}),
    )

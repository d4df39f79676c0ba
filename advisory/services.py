"""Firm administration: inviting users, deactivating them, assigning households.

An invited user gets an unusable password and an email with a one-time link
(``invitation_tokens``, a ``PasswordResetTokenGenerator`` with its own salt, so
a password-reset token is not an invitation and the other way round). The link
stops working once a password is set, because the token hashes the password.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from advisory.api_errors import DomainError
from advisory.models import Firm, Membership, Role, User
from portfolios.models import ClientLink, Household


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "advisory.services.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


@dataclass(frozen=True)
class Invitation:
    email: str
    first_name: str
    last_name: str
    role: str
    household: Household | None = None


def invitation_url(*, user: User, site_url: str) -> str:
    """The absolute one-time link where ``user`` sets a password."""
    path = reverse(
        "invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_tokens.make_token(user),
        },
    )
    return site_url.rstrip("/") + path


def _send_invitation(*, user: User, firm: Firm, invited_by: User, site_url: str) -> None:
    context = {
        "user": user,
        "firm": firm,
        "invited_by": invited_by,
        "accept_url": invitation_url(user=user, site_url=site_url),
        "role": user.membership.get_role_display(),
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    message.send()


@transaction.atomic
def user_invite(*, firm: Firm, invitation: Invitation, invited_by: User, site_url: str) -> User:
    """Create the user (no usable password) in ``firm`` and email a set-password link.

    A client is linked to ``invitation.household``, which must belong to the firm.
    The email leaves once the transaction commits.
    """
    email = invitation.email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("A user with this email address already exists.")
    if invitation.role not in Role.values:
        raise DomainError("Unknown role.")
    household = invitation.household if invitation.role == Role.CLIENT else None
    if invitation.role == Role.CLIENT and (household is None or household.firm_id != firm.pk):
        raise DomainError("Choose the client's household.")
    user = User.objects.create_user(
        email=email,
        first_name=invitation.first_name.strip(),
        last_name=invitation.last_name.strip(),
    )  # no password given: an unusable one until the invitation is accepted
    Membership.objects.create(user=user, firm=firm, role=invitation.role)
    if household is not None:
        ClientLink.objects.create(user=user, household=household)
    transaction.on_commit(
        lambda: _send_invitation(user=user, firm=firm, invited_by=invited_by, site_url=site_url)
    )
    return user


def invitation_resend(*, user: User, invited_by: User, site_url: str) -> None:
    """Email a fresh link to a user who has not set a password yet."""
    if user.has_usable_password():
        raise DomainError("This user has already set a password.")
    _send_invitation(user=user, firm=user.membership.firm, invited_by=invited_by, site_url=site_url)


@transaction.atomic
def user_set_active(*, user: User, active: bool, by: User) -> None:
    """Deactivate (or reactivate) a user of the admin's firm; nobody deactivates themselves.

    A deactivated user cannot sign in and their API tokens stop working.
    """
    if user.pk == by.pk and not active:
        raise DomainError("You cannot deactivate yourself.")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])


@transaction.atomic
def household_assign(
    *, household: Household, primary_advisor: User | None, team_members: Iterable[User]
) -> None:
    """Set the household's primary advisor and team; all must be staff of its firm."""
    team = list(team_members)
    people = [u for u in [primary_advisor, *team] if u is not None]
    staff_ids = set(
        Membership.objects.filter(
            user__in=people,
            firm_id=household.firm_id,
            role__in=[Role.ADMIN, Role.ADVISOR, Role.OPERATIONS],
        ).values_list("user_id", flat=True)
    )
    if any(u.pk not in staff_ids for u in people):
        raise DomainError("Only staff of the household's firm can be assigned.")
    if household.primary_advisor_id != (primary_advisor.pk if primary_advisor else None):
        household.primary_advisor = primary_advisor
        household.save(update_fields=["primary_advisor", "updated_at"])
    household.team_members.set(team)


@transaction.atomic
def firm_settings_update(*, firm: Firm, changes: Mapping[str, Any]) -> Firm:
    """Change the firm's settings (four eyes, who releases orders, proposal defaults).

    ``changes`` is what the caller sent (each key optional); unnamed settings stay.
    """
    locked = Firm.objects.select_for_update().get(pk=firm.pk)
    for name in ("four_eyes", "advisors_release_orders"):
        if name in changes:
            setattr(locked, name, changes[name])
    defaults: Mapping[str, Any] = changes.get("proposal_defaults") or {}
    for name in ("min_trade", "allow_short_term", "whole_shares"):
        if name in defaults:
            setattr(locked, f"default_{name}", defaults[name])
    locked.save()
    return locked

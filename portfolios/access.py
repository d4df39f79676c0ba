"""The one place that answers "may this user see or change this household?".

Every view, API, selector and task goes through here. An outsider (another
firm, or a household the user is not on) gets 404 and never learns the row
exists; a reader who tries to write gets 403.

Roles (``advisory.models.Role``):
- firm admin: every household of the firm; everything.
- advisor: the households they are primary advisor or team member of; everything
  on those (book of record, IPS versions, location plans, proposals).
- operations: every household of the firm; the book of record only.
- client: their own household, read-only (plus acknowledgements).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from advisory.models import Membership, Role
from portfolios.models import Household

if TYPE_CHECKING:
    from advisory.models import User


class Capability(StrEnum):
    VIEW = "view"
    EDIT_BOOK = "edit_book"  # household fields, people, accounts, lots, transactions
    EDIT_POLICY = "edit_policy"  # IPS versions, location plans, proposals
    ACKNOWLEDGE = "acknowledge"  # a client acknowledging their IPS or review


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMIN: frozenset({Capability.VIEW, Capability.EDIT_BOOK, Capability.EDIT_POLICY}),
    Role.ADVISOR: frozenset({Capability.VIEW, Capability.EDIT_BOOK, Capability.EDIT_POLICY}),
    Role.OPERATIONS: frozenset({Capability.VIEW, Capability.EDIT_BOOK}),
    Role.CLIENT: frozenset({Capability.VIEW, Capability.ACKNOWLEDGE}),
}


def membership_of(user: User) -> Membership | None:
    """The user's firm membership, or None for anonymous users and outsiders."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def role_of(user: User) -> str | None:
    membership = membership_of(user)
    return membership.role if membership else None


def _visible_households(user: User) -> QuerySet[Household]:
    membership = membership_of(user)
    if membership is None:
        return Household.objects.none()
    in_firm = Household.objects.filter(firm_id=membership.firm_id)
    if membership.role in (Role.ADMIN, Role.OPERATIONS):
        return in_firm
    if membership.role == Role.ADVISOR:
        assigned = Q(primary_advisor=user) | Q(team_members=user)
        return in_firm.filter(pk__in=Household.objects.filter(assigned).values("pk"))
    return in_firm.filter(client_links__user=user)


def _capability(write: bool | Capability) -> Capability:
    if isinstance(write, Capability):
        return write
    return Capability.EDIT_BOOK if write else Capability.VIEW


def has_capability(user: User, capability: Capability) -> bool:
    role = role_of(user)
    return role is not None and capability in ROLE_CAPABILITIES[role]


def households_for(user: User, *, write: bool | Capability = False) -> QuerySet[Household]:
    """Households the user may see (``write=False``) or act on with a capability.

    ``write=True`` means editing the book of record; pass a ``Capability`` for
    anything else.
    """
    if not has_capability(user, _capability(write)):
        return Household.objects.none()
    return _visible_households(user)


def household_for(user: User, pk: int | str, *, write: bool | Capability = False) -> Household:
    """One household, or 404 if the user may not see it, or 403 if they may not act."""
    try:
        household = _visible_households(user).get(pk=pk)
    except (Household.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404("No such household.") from missing
    if not has_capability(user, _capability(write)):
        raise PermissionDenied("You may not change this household.")
    return household


def firm_id_of(user: User) -> int | None:
    membership = membership_of(user)
    return membership.firm_id if membership else None


def can_manage_firm(user: User) -> bool:
    """Firm admins manage users, assignments and the firm's asset classes."""
    return role_of(user) == Role.ADMIN


def can_edit_securities(user: User) -> bool:
    """Admins and operations keep securities and prices."""
    return role_of(user) in (Role.ADMIN, Role.OPERATIONS)


def can_release_orders(user: User) -> bool:
    """The order desk: operations and admins; advisors too when their firm allows it."""
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.role in (Role.OPERATIONS, Role.ADMIN):
        return True
    return membership.role == Role.ADVISOR and membership.firm.advisors_release_orders


def may_see_account_numbers(user: User | None) -> bool:
    """Full account numbers: to the roles that release orders (docs/API.md); masked to others."""
    return user is not None and can_release_orders(user)


def mask_account_number(number: str) -> str:
    """``88012345`` -> ``****2345`` (ASCII, as custodians' tools expect); empty stays empty."""
    return f"****{number[-4:]}" if number else ""

"""Who may own an account, and when a person may be deleted (DOMAIN.md, "Accounts").

A tax-advantaged account (IRA, 401(k), HSA: every kind but taxable) belongs to exactly
one person of its household; only a taxable account may be joint (no single owner).
The account form, the API serializer and the demo all ask ``account_owner_error``; the
database holds the first half as a CHECK constraint (migration 0013).
"""

from __future__ import annotations

from collections.abc import Sequence

from advisory.api_errors import ConflictError, DomainError
from portfolios.models import Account, AccountType, Household, Person

OTHER_HOUSEHOLD = "The owner must be a person of the account's household."


def account_owner_error(
    *, account_type: str, owner: Person | None, household: Household | None
) -> str | None:
    """Why this owner may not hold this kind of account in this household, or None."""
    if owner is not None and household is not None and owner.household_id != household.pk:
        return OTHER_HOUSEHOLD
    if owner is None and account_type != AccountType.TAXABLE:
        label = AccountType(account_type).label if account_type in AccountType.values else "This"
        return (
            f"A {label} account has exactly one owner: choose a person of the household "
            "(only a taxable account may be joint)."
        )
    return None


class OwnsAccounts(ConflictError):
    """A person who owns accounts cannot be deleted (409); reassign the accounts first."""

    code = "owns_accounts"


def owned_accounts(person: Person) -> list[Account]:
    return list(Account.objects.filter(owner=person).order_by("name", "id"))


def owns_accounts_message(person: Person, accounts: Sequence[Account]) -> str:
    names = ", ".join(account.name for account in accounts)
    return (
        f"{person} owns {len(accounts)} account{'s' if len(accounts) != 1 else ''} ({names}): "
        "reassign them to another person of the household before removing them."
    )


def refuse_if_owner(person: Person) -> None:
    """Raise OwnsAccounts naming the accounts when the person owns any."""
    if accounts := owned_accounts(person):
        raise OwnsAccounts(owns_accounts_message(person, accounts))


def accounts_reassign(*, person: Person, reassign_to: Person) -> None:
    """Give every account ``person`` owns to ``reassign_to``, another person of the household."""
    if reassign_to.household_id != person.household_id or reassign_to.pk == person.pk:
        raise DomainError(
            "Reassign the accounts to another person of the same household.",
            field_errors={"reassign_to": [OTHER_HOUSEHOLD]},
        )
    Account.objects.filter(owner=person).update(owner=reassign_to)

"""Archive, restore and guarded edits of the financial records (see ``portfolios.records``).

Nothing here deletes a row: archiving sets ``archived_at``/``archived_by`` and the
default managers stop answering it; restoring clears them. An edit is written by one
conditional UPDATE (``WHERE version = <the version the editor read>``), so of two
simultaneous edits of one row exactly one wins and the other is refused (409) with
who changed the row and when, and nothing of it saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from advisory.api_errors import ConflictError
from advisory.history import FIRM_PATHS, event_model
from portfolios.locks import lock_household
from portfolios.models import Account, Household, Lot, Person, Transaction
from portfolios.ownership import accounts_reassign, refuse_if_owner
from portfolios.records import Archivable

if TYPE_CHECKING:
    from advisory.models import User

# The records that are archived, never deleted, by the names pages and the API use.
ARCHIVABLE: dict[str, type[Archivable]] = {
    "households": Household,
    "people": Person,
    "accounts": Account,
    "lots": Lot,
    "transactions": Transaction,
}
# Columns an edit never writes: the row's identity, its archive state and its version.
_NOT_EDITED = frozenset({"id", "version", "archived_at", "archived_by", "created_at"})


class StaleEdit(ConflictError):
    """The row changed since the editor read it (409, ``code: conflict``)."""


class ArchiveRefused(ConflictError):
    """Archiving or restoring would leave the book inconsistent (409)."""


def household_id_of(record: Archivable) -> int:
    if isinstance(record, Household):
        return record.pk
    if isinstance(record, Person | Account):
        return record.household_id
    account_id = record.account_id  # type: ignore[attr-defined]  # a lot or a transaction
    return Account.all_objects.values_list("household_id", flat=True).get(pk=account_id)


@transaction.atomic
def record_archive(*, record: Archivable, user: User) -> None:
    """Archive a live record (the caller checked access). A person owning accounts stays."""
    lock_household(household_id_of(record))
    if isinstance(record, Person):
        refuse_if_owner(record)  # 409 ``owns_accounts`` naming the accounts
    type(record).all_objects.filter(pk=record.pk, archived_at__isnull=True).update(
        archived_at=timezone.now(), archived_by=user, version=F("version") + 1
    )


@transaction.atomic
def record_restore(*, record: Archivable) -> None:
    """Bring an archived record back. Its household (or account) must be live first."""
    blocker = _archived_parent(record)
    if blocker is not None:
        raise ArchiveRefused(f"It belongs to {blocker}, which is archived: restore that first.")
    type(record).all_objects.filter(pk=record.pk).update(
        archived_at=None, archived_by=None, version=F("version") + 1
    )


def _archived_parent(record: Archivable) -> str | None:
    parents: list[tuple[str, type[Archivable], int | None]] = []
    if isinstance(record, Person | Account):
        parents.append(("the household", Household, record.household_id))
    if isinstance(record, Account) and record.owner_id is not None:
        parents.append(("its owner", Person, record.owner_id))
    if isinstance(record, Lot | Transaction):
        parents.append(("the account", Account, record.account_id))
        parents.append(("the household", Household, household_id_of(record)))
    for name, model, pk in parents:
        parent = model.all_objects.filter(pk=pk, archived_at__isnull=False).first()
        if parent is not None:
            return f"{name} “{parent}”"
    return None


def archived_rows(model: type[Archivable], *, firm_id: int | None) -> models.QuerySet[Any]:
    """The firm's rows of ``model`` archived themselves (not those hidden by a parent)."""
    if firm_id is None:
        return model.all_objects.none()
    firm_path = FIRM_PATHS[model._meta.label]
    return (
        model.all_objects.filter(archived_at__isnull=False, **{f"{firm_path}_id": firm_id})
        .select_related("archived_by")
        .order_by("-archived_at", "-id")
    )


def save_if_current(record: Archivable, *, version: int) -> None:
    """Write ``record``'s edited columns if the row is live and still at ``version``.

    One conditional UPDATE: of two simultaneous edits that read the same version only
    the first to write matches; the other raises ``StaleEdit`` and writes nothing.
    Many-to-many fields are the caller's (after this returns).
    """
    model = type(record)
    values = {
        field.attname: field.pre_save(record, add=False)
        for field in model._meta.concrete_fields
        if field.name not in _NOT_EDITED and not field.primary_key
    }
    # all_objects, not objects: the live filter joins the parents, which turns the
    # UPDATE into "WHERE id IN (subquery)", and PostgreSQL does not re-check a subquery
    # after waiting for the other writer's lock: both would win. A plain WHERE on the
    # row is re-checked against the row the other writer left, so the loser matches none.
    updated = model.all_objects.filter(
        pk=record.pk, version=version, archived_at__isnull=True
    ).update(version=F("version") + 1, **values)
    if not updated:
        raise StaleEdit(stale_message(model, record.pk))
    record.version = version + 1


def stale_message(model: type[Archivable], pk: int) -> str:
    """“This record was changed by X at T; reload”: who and when from the audit history."""
    row = model.all_objects.filter(pk=pk).values("archived_at").first()
    if row is None or row["archived_at"] is not None:
        return "This record was archived since you opened it; nothing was saved."
    event = (
        event_model(model._meta.label)
        ._default_manager.filter(pgh_obj_id=pk)
        .select_related("pgh_context")
        .order_by("-pgh_id")
        .first()
    )
    if event is None:  # no audit history (SQLite): say what we know
        return "This record was changed by someone else since you opened it; reload it."
    return f"This record was changed by {_who(event)} at {_when(event)}; reload it."


def _who(event: Any) -> str:
    from advisory.models import User

    metadata = event.pgh_context.metadata if event.pgh_context else {}
    user_id = metadata.get("user")
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    return user.display_name if user is not None else "another process"


def _when(event: Any) -> str:
    return timezone.localtime(event.pgh_created_at).strftime("%Y-%m-%d %H:%M:%S %Z")


@transaction.atomic
def person_archive(*, person: Person, user: User, reassign_to: Person | None = None) -> None:
    """Archive a person; their accounts first go to ``reassign_to`` when one is given.

    Refused (409 ``owns_accounts``, nothing changed) while the person still owns an account.
    """
    if reassign_to is not None:
        accounts_reassign(person=person, reassign_to=reassign_to)
    record_archive(record=person, user=user)

"""Reads for proposals and implementation plans, scoped through ``portfolios.access``.

Every read has its related rows loaded (trades with their account, security
and lots; the audit trail with its actors), so a page or an API answer costs
the same number of queries whatever the number of trades.

``book_fingerprint`` is what makes a proposal stale: a SHA-256 of the
household's book in four queries (see its docstring).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from advisory.engine.money import CENT
from advisory.models import Role
from policies.proposals.models import (
    AuditEvent,
    ImplementationPlan,
    ImplementationTranche,
    Proposal,
    ProposalLotRelief,
    ProposalStatus,
    ProposalTrade,
)
from portfolios.access import Capability, household_for, households_for, role_of
from portfolios.models import Account, Household, Lot, Transaction
from portfolios.snapshots import WASH_SALE_LOOKBACK_DAYS

if TYPE_CHECKING:
    from advisory.models import User

SHARE = Decimal("0.000001")


# --- the book's fingerprint -------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    return "" if value is None else str(Decimal(value).quantize(CENT))


def _shares(value: Decimal) -> str:
    return str(Decimal(value).quantize(SHARE))


def book_fingerprint(*, household: Household | int, as_of: date) -> str:
    """SHA-256 (hex) of what a proposal of ``as_of`` was computed from, prices aside.

    The household's realised gains this year and carried-forward losses; each
    account's cash and cash reserve; each lot (id, account, security,
    quantity, total cost basis, acquisition date); and the household's
    transactions dated from ``as_of - 30`` days on (a purchase or a loss sale
    there changes what the wash-sale rule allows). Prices are left out: a
    proposal is executed at its own prices. Four queries, read fresh from the
    database (not from ``household``'s attributes).
    """
    household_id = household if isinstance(household, int) else household.pk
    lines: list[str] = []
    tax = (
        Household.objects.filter(pk=household_id)
        .values_list("realized_st_ytd", "realized_lt_ytd", "carryforward_st", "carryforward_lt")
        .get()
    )
    lines.append("household " + " ".join(_money(v) for v in tax))
    for account_id, cash, reserve in (
        Account.objects.filter(household_id=household_id)
        .order_by("pk")
        .values_list("pk", "cash", "cash_reserve")
    ):
        lines.append(f"account {account_id} {_money(cash)} {_money(reserve)}")
    for lot_id, account_id, security_id, shares, basis, acquired_on in (
        Lot.objects.filter(account__household_id=household_id)
        .order_by("pk")
        .values_list("pk", "account_id", "security_id", "quantity", "cost_basis", "acquired_on")
    ):
        lines.append(
            f"lot {lot_id} {account_id} {security_id} {_shares(shares)} {_money(basis)} "
            f"{acquired_on.isoformat()}"
        )
    since = as_of - timedelta(days=WASH_SALE_LOOKBACK_DAYS)  # what the snapshot reads
    for row in (
        Transaction.objects.filter(account__household_id=household_id, trade_date__gte=since)
        .order_by("pk")
        .values_list("pk", "account_id", "security_id", "kind", "trade_date", "quantity", "amount")
    ):
        txn_id, account_id, security_id, kind, trade_date, shares, amount = row
        lines.append(
            f"txn {txn_id} {account_id} {security_id} {kind} {trade_date.isoformat()} "
            f"{_shares(shares)} {_money(amount)}"
        )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# --- proposals ---------------------------------------------------------------------------------


def with_details(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Proposals with everything their page or JSON shows loaded (5 queries in all)."""
    lots = ProposalLotRelief.objects.order_by("acquired_on", "lot_number")
    trades = (
        ProposalTrade.objects.select_related("account", "security")
        .prefetch_related(Prefetch("lots", queryset=lots))
        .order_by("position")
    )
    audit = AuditEvent.objects.select_related("actor").order_by("at", "id")
    return proposals.select_related(
        "household", "created_by", "approved_by", "rejected_by", "executed_by", "policy"
    ).prefetch_related(
        Prefetch("trades", queryset=trades),
        Prefetch("audit_events", queryset=audit),
    )


# A client reads only what the advisor has stood behind: approved and executed proposals.
CLIENT_VISIBLE = (ProposalStatus.APPROVED, ProposalStatus.EXECUTED)


def visible_proposals(user: User) -> QuerySet[Proposal]:
    """Proposals of the households the user may see; for a client, approved or executed only.

    Pages and API read proposals through this, so they answer alike (404 otherwise).
    """
    proposals = Proposal.objects.filter(household__in=households_for(user))
    if role_of(user) == Role.CLIENT:
        proposals = proposals.filter(status__in=CLIENT_VISIBLE)
    return proposals


def household_proposal_rows(*, user: User, household: Household) -> QuerySet[Proposal]:
    """The household's proposals the user may see, newest first, with their trade counts."""
    return (
        visible_proposals(user)
        .filter(household=household)
        .select_related("created_by")
        .annotate(trade_count=Count("trades"))
        .order_by("-created_at", "-id")
    )


def proposal_list(
    *,
    user: User,
    household: int | str | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> QuerySet[Proposal]:
    """Proposals of the households the user may see, newest first, details loaded.

    ``household``, ``status`` and ``kind`` filter (an unknown value matches nothing).
    """
    proposals = visible_proposals(user)
    if household not in (None, ""):
        try:
            proposals = proposals.filter(household_id=int(household))
        except ValueError:
            return Proposal.objects.none()
    if status:
        proposals = proposals.filter(status=status)
    if kind:
        proposals = proposals.filter(kind=kind)
    return with_details(proposals).order_by("-created_at", "-id")


def proposals_awaiting_approval(*, user: User) -> QuerySet[Proposal]:
    """The approval queue: drafts of the households the user sees, oldest first.

    Advisors and admins approve them; operations staff see them read-only, to
    prepare orders; clients see no drafts. Details (trades, audit) are not
    loaded: a queue shows the figures only.
    """
    return (
        visible_proposals(user)
        .filter(status=ProposalStatus.DRAFT)
        .select_related("household", "created_by", "policy")
        .annotate(trade_count=Count("trades"))
        .order_by("created_at", "id")
    )


def proposal_get(*, user: User, pk: int | str, write: bool | Capability = False) -> Proposal:
    """One proposal with its details; 404 if the user may not see it, 403 if they may not act.

    Acting on a proposal (approve, reject, execute) needs ``Capability.EDIT_POLICY``.
    """
    try:
        proposal = with_details(visible_proposals(user)).get(pk=pk)
    except (Proposal.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404("No such proposal.") from missing
    if write:
        household_for(user, proposal.household_id, write=write)
    return proposal


def proposal_orders_get(*, user: User, pk: int | str) -> Proposal:
    """A proposal for its order file: the firm's staff only (a client gets 403)."""
    proposal = proposal_get(user=user, pk=pk)
    if role_of(user) == Role.CLIENT:
        raise PermissionDenied("The order file is for the firm's staff.")
    return proposal


def proposal_for_update(*, pk: int) -> Proposal:
    """The proposal row locked for the rest of the transaction (no access check: services)."""
    return Proposal.objects.select_for_update().get(pk=pk)


# --- implementation plans ----------------------------------------------------------------------


def _plans_with_tranches(plans: QuerySet[ImplementationPlan]) -> QuerySet[ImplementationPlan]:
    tranches = ImplementationTranche.objects.select_related("proposal").order_by("number")
    return plans.select_related("household", "policy", "created_by").prefetch_related(
        Prefetch("tranches", queryset=tranches)
    )


def visible_plans(user: User) -> QuerySet[ImplementationPlan]:
    """Implementation plans of the households the user may see; none for a client.

    A plan is the advisor's working schedule, not something the client signs off.
    """
    if role_of(user) == Role.CLIENT:
        return ImplementationPlan.objects.none()
    return ImplementationPlan.objects.filter(household__in=households_for(user))


def implementation_plan_list(*, user: User, household: Household) -> QuerySet[ImplementationPlan]:
    """The household's plans the user may see, newest first, tranches loaded (2 queries)."""
    plans = visible_plans(user).filter(household=household)
    return _plans_with_tranches(plans).order_by("-created_at", "-id")


def implementation_plan_get(
    *, user: User, pk: int | str, write: bool | Capability = False
) -> ImplementationPlan:
    """One plan the user may see (404 otherwise), checked for ``write`` (403)."""
    try:
        plan = _plans_with_tranches(visible_plans(user)).get(pk=pk)
    except (ImplementationPlan.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404("No such implementation plan.") from missing
    if write:
        household_for(user, plan.household_id, write=write)
    return plan


def due_tranches(*, as_of: date) -> QuerySet[ImplementationTranche]:
    """Tranches of active plans due on or before ``as_of`` that have no proposal yet."""
    return (
        ImplementationTranche.objects.filter(
            due_on__lte=as_of, proposal__isnull=True, plan__status="active"
        )
        .select_related("plan")
        .order_by("due_on", "plan_id", "number")
    )

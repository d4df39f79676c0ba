"""Reads for proposals and implementation plans, scoped through ``portfolios.access``.

Every read has its related rows loaded (trades with their account, security
and lots; the audit trail with its actors), so a page or an API answer costs
the same number of queries whatever the number of trades.

``book_fingerprint`` is what makes a proposal stale: a SHA-256 of the
household's book in four queries (see its docstring).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from advisory.engine.money import CENT
from advisory.models import Role
from policies.models import InvestmentPolicy, PolicyStatus
from policies.proposals.models import (
    AuditEvent,
    ImplementationPlan,
    ImplementationTranche,
    Proposal,
    ProposalKind,
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
    return book_fingerprints([(household_id, as_of)])[household_id, as_of]


def book_fingerprints(
    wanted: Collection[tuple[int, date]],
) -> dict[tuple[int, date], str]:
    """``book_fingerprint`` of many (household id, as_of) pairs in four queries."""
    if not wanted:
        return {}
    ids = {household_id for household_id, _ in wanted}
    lines: dict[int, list[str]] = {h: [] for h in ids}
    for household_id, *tax in Household.objects.filter(pk__in=ids).values_list(
        "pk", "realized_st_ytd", "realized_lt_ytd", "carryforward_st", "carryforward_lt"
    ):
        lines[household_id].append("household " + " ".join(_money(v) for v in tax))
    for household_id, account_id, cash, reserve in (
        Account.objects.filter(household_id__in=ids)
        .order_by("pk")
        .values_list("household_id", "pk", "cash", "cash_reserve")
    ):
        lines[household_id].append(f"account {account_id} {_money(cash)} {_money(reserve)}")
    for household_id, lot_id, account_id, security_id, shares, basis, acquired_on in (
        Lot.objects.filter(account__household_id__in=ids)
        .order_by("pk")
        .values_list(
            "account__household_id",
            "pk",
            "account_id",
            "security_id",
            "quantity",
            "cost_basis",
            "acquired_on",
        )
    ):
        lines[household_id].append(
            f"lot {lot_id} {account_id} {security_id} {_shares(shares)} {_money(basis)} "
            f"{acquired_on.isoformat()}"
        )
    earliest = min(as_of for _, as_of in wanted) - timedelta(days=WASH_SALE_LOOKBACK_DAYS)
    transactions = list(
        Transaction.objects.filter(account__household_id__in=ids, trade_date__gte=earliest)
        .order_by("pk")
        .values_list(
            "account__household_id",
            "pk",
            "account_id",
            "security_id",
            "kind",
            "trade_date",
            "quantity",
            "amount",
        )
    )
    found = {}
    for household_id, as_of in wanted:
        since = as_of - timedelta(days=WASH_SALE_LOOKBACK_DAYS)  # what the snapshot reads
        recent = [
            f"txn {txn_id} {account_id} {security_id} {kind} {trade_date.isoformat()} "
            f"{_shares(shares)} {_money(amount)}"
            for owner, txn_id, account_id, security_id, kind, trade_date, shares, amount in (
                transactions
            )
            if owner == household_id and trade_date >= since
        ]
        text = "\n".join([*lines[household_id], *recent])
        found[household_id, as_of] = hashlib.sha256(text.encode()).hexdigest()
    return found


def stale_proposal_ids(proposals: Iterable[Proposal]) -> set[int]:
    """Drafts and approved proposals whose book or IPS changed since computing (5 queries).

    The same test approving and executing apply (``services.require_fresh``), in bulk
    for lists: the queue, the household's proposals, the API.
    """
    open_ones = [
        p for p in proposals if p.status in (ProposalStatus.DRAFT, ProposalStatus.APPROVED)
    ]
    if not open_ones:
        return set()
    prints = book_fingerprints({(p.household_id, p.as_of) for p in open_ones})
    active = set(
        InvestmentPolicy.objects.filter(
            pk__in={p.policy_id for p in open_ones}, status=PolicyStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    return {
        p.pk
        for p in open_ones
        if prints[p.household_id, p.as_of] != p.book_fingerprint
        or (p.kind != ProposalKind.HARVEST and p.policy_id not in active)
    }


def mark_stale[P: Iterable[Proposal]](proposals: P) -> P:
    """Set ``is_stale`` on each proposal (``stale_proposal_ids``, 5 queries for them all)."""
    stale = stale_proposal_ids(proposals)
    for proposal in proposals:
        proposal.is_stale = proposal.pk in stale
    return proposals


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

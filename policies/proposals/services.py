"""Proposals: request one, compute it, approve or reject it (execution: ``execution``).

Flow: ``proposal_create`` checks the request against the household (400 with
field messages, nothing created), needs an active IPS (400
``no_active_policy``), then either computes at once (``draft``) or, when it may
take more than a second (whole shares or a minimum trade whatever the household's
size, or more lots than ``settings.PROPOSAL_ASYNC_LOT_THRESHOLD``), stores a
``pending`` proposal and queues ``policies.compute_proposal`` on
commit; the worker calls ``proposal_compute`` (``draft`` or ``failed``).

Engine inputs (decisions):
    * the snapshot is ``portfolios.snapshots.household_snapshot`` on ``as_of``
      with the request's overrides of this year's realised gains and the
      carry-forwards;
    * the IPS cash reserve is set aside from free cash, taxable accounts first,
      as the drift page and asset location do: it is added to those accounts'
      cash reserves, so the proposal never spends it and drift leaves it out;
    * ``location="plan"`` follows the household's current saved location plan:
      without one, 400 ``no_location_plan``; an account holding money that the
      plan has no place for (opened after the plan was saved) is refused with
      400 ``location_plan_incomplete`` naming it, rather than silently
      treated as household-level: the advisor saves a new plan or asks for
      ``location="household"``.

Staleness: the proposal keeps ``book_fingerprint`` (taken BEFORE the snapshot
is read, so a change racing the computation makes the proposal stale rather
than wrong). Approving and executing need the same fingerprint now, and for
rebalances and tranches the same IPS version still active (409 otherwise).
Every state change writes an ``AuditEvent``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from advisory.api_errors import ConflictError, DomainError
from advisory.engine.drift import DriftReport, measure_drift
from advisory.engine.money import CENT
from advisory.engine.rebalance import plan_rebalance
from advisory.engine.rebalance.harvest import harvest_losses
from advisory.engine.rebalance.result import drift_after_trades
from advisory.engine.rebalance.types import (
    Location,
    RebalancePlan,
    Side,
)
from advisory.engine.types import HouseholdSnapshot, PolicyTargets
from advisory.engine.wash_sales import WashSaleBlock
from advisory.lib.copy_insert import copy_insert
from advisory.models import Firm
from policies.drift import drift_rows_json
from policies.models import InvestmentPolicy, PolicyStatus
from policies.proposals import tasks as proposal_tasks
from policies.proposals.audit import audit_record, person_or_none
from policies.proposals.fetch import ProposalInputs, engine_snapshot, model_buy_lists
from policies.proposals.fetch import plan_targets as fetch_plan_targets
from policies.proposals.models import (
    PROPOSAL_TRANSITIONS,
    AuditAction,
    AuditEvent,
    Proposal,
    ProposalAction,
    ProposalKind,
    ProposalLotRelief,
    ProposalStatus,
    ProposalTrade,
    proposal_may,
)
from policies.proposals.request import (
    ProposalRequest,
    proposal_request_errors,
    standing_restrictions,
    with_buy_lists,
    with_standing_restrictions,
)
from policies.proposals.selectors import book_fingerprint, proposal_for_update
from policies.selectors import active_policy_required, policy_targets_of
from portfolios.models import Household, Lot
from portfolios.notifications import Notice, notify_clients
from portfolios.snapshots import household_snapshot

if TYPE_CHECKING:
    from advisory.models import User

logger = logging.getLogger(__name__)


class ProposalStateError(ConflictError):
    """The proposal's status does not allow the action (409)."""

    code = "proposal_state"


class FourEyesError(ConflictError):
    """The firm wants a second person: the requester may not approve their own proposal (409)."""

    code = "four_eyes"


class StaleProposalError(ConflictError):
    """The household's book or IPS changed since the proposal was computed (409)."""

    code = "stale_proposal"


def mark_failed(proposal: Proposal, error: Exception) -> None:
    """Store a computation's failure on the proposal (``failed``, with the reason)."""
    message = error.message if isinstance(error, DomainError) else str(error)
    proposal.status = ProposalStatus.FAILED
    proposal.error = message or type(error).__name__
    proposal.save(update_fields=["status", "error"])


def run_engine(
    *,
    household: Household,
    snapshot: HouseholdSnapshot,
    request: ProposalRequest,
    targets: PolicyTargets,
    inputs: ProposalInputs | None = None,
) -> RebalancePlan:
    """The engine's answer to the request (a harvest or a rebalance).

    The household's standing restrictions and held-away accounts are added to the
    request's own here, the one door every proposal, harvest, tranche and run goes
    through, and the plan's notes list them; so is the buy list of the model its IPS
    follows (the first security of a class's list not restricted, then the next).
    ``inputs``: both read ahead (a rebalance run's chunk).
    """
    standing = standing_restrictions(household) if inputs is None else inputs.standing
    buy_lists = model_buy_lists(household) if inputs is None else inputs.buy_lists
    request = with_standing_restrictions(request, standing)
    request = with_buy_lists(request, buy_lists)
    plan = _engine_answer(household=household, snapshot=snapshot, request=request, targets=targets)
    return replace(plan, notes=(*standing.notes, *plan.notes)) if standing.notes else plan


def _engine_answer(
    *,
    household: Household,
    snapshot: HouseholdSnapshot,
    request: ProposalRequest,
    targets: PolicyTargets,
) -> RebalancePlan:
    if request.kind == ProposalKind.HARVEST:
        return harvest_losses(snapshot, targets, request.harvest_options())
    plan_targets = None
    if request.location is Location.PLAN:
        plan_targets = fetch_plan_targets(household, snapshot, request.cash_flows)
    try:
        return plan_rebalance(
            snapshot, targets, request.cash_flows, request.rebalance_options(plan_targets)
        )
    except ValueError as wrong:
        # The checks above should make this impossible; say so rather than answer 500.
        raise DomainError(f"The household cannot be rebalanced: {wrong}.") from wrong


# --- storing a computed plan ------------------------------------------------------------------


def drift_json(report: DriftReport) -> dict[str, Any]:
    """A drift report as stored on a proposal (fractions and money as strings)."""
    return {
        "total_value": str(report.total_value),
        "needs_rebalance": report.needs_rebalance,
        "reason": report.reason,
        "rows": drift_rows_json(report),
    }


def wash_sale_block_json(block: WashSaleBlock) -> dict[str, Any]:
    return {
        "substitute_group": block.substitute_group,
        "rule": str(block.rule),
        "reason": block.reason,
        "lot_ids": list(block.lot_ids),
        "security_ids": list(block.security_ids),
        "until": block.until.isoformat() if block.until else None,
    }


def store_plan(
    proposal: Proposal,
    plan: RebalancePlan,
    snapshot: HouseholdSnapshot,
    *,
    fingerprint: str,
    drift_policy: PolicyTargets | None = None,
) -> None:
    """Write the plan's figures and trades onto ``proposal`` (status untouched, not saved).

    ``drift_policy``: measure drift against these targets instead of the
    plan's own (a tranche moves to intermediate targets but shows drift
    against the IPS).
    """
    before, after = plan.drift_before, plan.drift_after
    if drift_policy is not None:
        before = measure_drift(snapshot, drift_policy)
        after = drift_after_trades(snapshot, drift_policy, plan.trades, plan.cash_after)
    proposal.book_fingerprint = fingerprint
    proposal.computed_at = timezone.now()
    proposal.feasible = plan.feasible
    proposal.optimal = plan.optimal
    proposal.shortfall = plan.shortfall
    proposal.short_term_gain = plan.short_term_gain
    proposal.long_term_gain = plan.long_term_gain
    proposal.estimated_tax = plan.estimated_tax.quantize(CENT)
    proposal.tax_value = plan.tax_value.quantize(CENT)
    proposal.losses_harvested = plan.losses_realized
    proposal.turnover = plan.turnover
    proposal.drift_before = drift_json(before)
    proposal.drift_after = drift_json(after)
    proposal.wash_sale_blocks = [wash_sale_block_json(b) for b in plan.wash_sale_blocks]
    proposal.binding = list(plan.binding)
    proposal.notes = list(plan.notes)
    proposal.cash_after = {str(a): str(v) for a, v in sorted(plan.cash_after.items())}
    _store_trades(proposal, plan, snapshot)


def _store_trades(proposal: Proposal, plan: RebalancePlan, snapshot: HouseholdSnapshot) -> None:
    """The plan's trades and the lots each sale relieves (``COPY`` on PostgreSQL)."""
    acquired = {lot.id: lot.acquired_on for lot in snapshot.lots}
    trades = [
        {
            "proposal_id": proposal.pk,
            "position": n,
            "account_id": t.account_id,
            "security_id": t.security_id,
            "side": str(t.side),
            "quantity": t.quantity,
            "price": t.price,
            "amount": t.amount,
            "taxable": t.taxable,
        }
        for n, t in enumerate(plan.trades)
    ]
    ids = copy_insert(ProposalTrade, trades, with_ids=True)
    reliefs = [
        {
            "trade_id": trade_id,
            "lot_id": relief.lot_id,
            "lot_number": relief.lot_id,
            "quantity": relief.quantity,
            "gain": relief.gain,
            "term": str(relief.term),
            "acquired_on": acquired[relief.lot_id],
        }
        for trade_id, trade in zip(ids, plan.trades, strict=True)
        if trade.side is Side.SELL
        for relief in trade.lots
    ]
    copy_insert(ProposalLotRelief, reliefs)


# --- create and compute -----------------------------------------------------------------------


def _compute_into(
    proposal: Proposal, request: ProposalRequest, inputs: ProposalInputs | None = None
) -> RebalancePlan:
    household, policy = proposal.household, proposal.policy
    fingerprint, snapshot = engine_snapshot(
        household=household, request=request, policy=policy, as_of=proposal.as_of, inputs=inputs
    )
    plan = run_engine(
        household=household,
        snapshot=snapshot,
        request=request,
        targets=policy_targets_of(policy),
        inputs=inputs,
    )
    store_plan(proposal, plan, snapshot, fingerprint=fingerprint)
    return plan


def _for_a_worker(household: Household, request: ProposalRequest) -> bool:
    """Whether the proposal may take more than a second: then a worker computes it.

    Whole shares or a minimum trade make the solve a mixed-integer program whose
    time is not bounded small whatever the household's size (a whole-share
    proposal of 126 lots took 108 s); otherwise the time grows with the lots.
    """
    if request.integer_solve:
        return True
    lots = Lot.objects.filter(account__household=household).count()
    return lots > settings.PROPOSAL_ASYNC_LOT_THRESHOLD


@transaction.atomic
def proposal_create(
    *,
    household: Household,
    user: User | None,
    request: ProposalRequest,
    compute_now: bool = False,
    inputs: ProposalInputs | None = None,
) -> Proposal:
    """A proposal for the household: computed now (``draft``), or ``pending`` for a worker.

    ``compute_now``: compute in this process whatever the household's size (a
    rebalance run's worker, already in the background).
    Raises ``DomainError`` (400) with field messages for ids that are not the
    household's or the firm's, ``NoActivePolicyError`` (400) without an active
    IPS, ``NoLocationPlanError``/``IncompleteLocationPlanError`` (400) for
    ``location="plan"`` without a plan that covers every account. Nothing is
    stored when it raises.
    ``inputs``: the household's rows read ahead for ``request.as_of``
    (``fetch.proposal_inputs_many``, a rebalance run's chunk), used instead of
    reading them again.
    """
    as_of = request.as_of or timezone.localdate()
    if inputs is not None and inputs.as_of != as_of:
        inputs = None
    facts = None if inputs is None else inputs.facts
    errors = proposal_request_errors(household=household, request=request, facts=facts)
    if errors:
        raise DomainError("The proposal request is not valid.", field_errors=errors)
    policy = active_policy_required(household) if inputs is None else inputs.policy_required()
    request = replace(request, as_of=as_of)
    proposal = Proposal.objects.create(
        household=household,
        kind=request.kind,
        status=ProposalStatus.PENDING,
        as_of=as_of,
        created_by=person_or_none(user),
        options=request.to_json(),
        policy=policy,
    )
    if not compute_now and _for_a_worker(household, request):
        if request.kind == ProposalKind.REBALANCE and request.location is Location.PLAN:
            # Refuse a plan that cannot be followed now, not after the 202.
            snapshot = household_snapshot(household=household, as_of=as_of)
            fetch_plan_targets(household, snapshot, request.cash_flows)
        audit_record(
            household_id=household.pk,
            proposal=proposal,
            action=AuditAction.CREATED,
            actor=user,
            to_status=ProposalStatus.PENDING,
            detail={"options": proposal.options},
        )

        proposal_id = proposal.pk
        transaction.on_commit(lambda: proposal_tasks.compute_proposal.delay(proposal_id))
        return proposal
    plan = _compute_into(proposal, request, inputs)
    proposal.status = _computed_status(plan)
    proposal.save()
    audit_record(
        household_id=household.pk,
        proposal=proposal,
        action=AuditAction.CREATED,
        actor=user,
        to_status=proposal.status,
        detail={"options": proposal.options, "trades": len(plan.trades)},
    )
    supersede_older_drafts(proposal)
    return proposal


def _computed_status(plan: RebalancePlan) -> str:
    """A computed proposal is a draft to review, or "nothing to do" when it has no trade."""
    return ProposalStatus.DRAFT if plan.trades else ProposalStatus.NO_TRADES


def supersede_older_drafts(proposal: Proposal) -> int:
    """Mark the household's older drafts superseded by ``proposal`` (kept, audited); how many.

    Every re-run of a proposal used to add one more draft to the approval queue.
    """
    older = list(
        Proposal.objects.filter(
            household_id=proposal.household_id, status=ProposalStatus.DRAFT, pk__lt=proposal.pk
        ).only("pk", "household_id")
    )
    if not older:
        return 0
    Proposal.objects.filter(pk__in=[p.pk for p in older]).update(status=ProposalStatus.SUPERSEDED)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            household_id=proposal.household_id,
            proposal=p,
            action=AuditAction.SUPERSEDED,
            at=timezone.now(),
            from_status=ProposalStatus.DRAFT,
            to_status=ProposalStatus.SUPERSEDED,
            detail={"by": proposal.pk},
        )
        for p in older
    )
    return len(older)


def proposal_compute(*, proposal_id: int) -> str:
    """Compute a pending proposal (the worker's job); the status it ends in.

    Idempotent: a proposal that is no longer pending is left alone. A failure
    is stored (``failed`` with the reason), never raised, so the task is not
    retried into the same error.
    """
    with transaction.atomic():
        locked = Proposal.objects.select_for_update(of=("self",)).select_related(
            "household", "policy"
        )
        current = locked.get(pk=proposal_id)
        if current.status != ProposalStatus.PENDING:
            return current.status
        request = ProposalRequest.from_json(current.options)
        try:
            with transaction.atomic():
                plan = _compute_into(current, request)
                current.status = _computed_status(plan)
                current.save()
                supersede_older_drafts(current)
        except Exception as error:
            logger.exception("Proposal %s failed to compute", proposal_id)
            mark_failed(current, error)
        audit_record(
            household_id=current.household_id,
            proposal=current,
            action=AuditAction.COMPUTED
            if current.status in (ProposalStatus.DRAFT, ProposalStatus.NO_TRADES)
            else AuditAction.FAILED,
            actor=None,
            from_status=ProposalStatus.PENDING,
            to_status=current.status,
            detail={"error": current.error} if current.error else {},
        )
        return current.status


# --- approve and reject -----------------------------------------------------------------------


def require_status(proposal: Proposal, action: ProposalAction) -> None:
    """409 unless the transition table lets ``action`` start from the proposal's status."""
    if not proposal_may(action, proposal.status):
        words = " or ".join(PROPOSAL_TRANSITIONS[action])
        article = "an" if words[:1] in "aeiou" else "a"
        raise ProposalStateError(
            f"Only {article} {words} proposal can be {action.label}; this one is {proposal.status}."
        )


def require_fresh(proposal: Proposal) -> None:
    """409 when the household's book (or, for a rebalance, its IPS) changed since computing."""
    if proposal.kind != ProposalKind.HARVEST:
        still_active = InvestmentPolicy.objects.filter(
            pk=proposal.policy_id, status=PolicyStatus.ACTIVE
        ).exists()
        if not still_active:
            raise StaleProposalError(
                "The household's IPS changed since this proposal was computed: "
                "request a new proposal."
            )
    now = book_fingerprint(household=proposal.household_id, as_of=proposal.as_of)
    if now != proposal.book_fingerprint:
        raise StaleProposalError(
            "The household changed since this proposal was computed (cash, lots, "
            "transactions or realised gains): request a new proposal."
        )


def require_second_person(proposal: Proposal, user: User | Any) -> None:
    """409 when the firm has four eyes on and ``user`` requested the proposal."""
    requester = proposal.created_by_id
    if requester is None or requester != getattr(user, "pk", None):
        return
    if Firm.objects.filter(pk=proposal.household.firm_id, four_eyes=True).exists():
        raise FourEyesError(
            "Your firm requires four eyes: someone other than the person who requested "
            "this proposal must approve it."
        )


@transaction.atomic
def proposal_approve(*, proposal: Proposal, user: User) -> Proposal:
    """Approve a draft (409 if it is not one, or if it is stale). Two at once: one wins."""
    current = proposal_for_update(pk=proposal.pk)
    require_status(current, ProposalAction.APPROVE)
    require_second_person(current, user)
    require_fresh(current)
    current.status = ProposalStatus.APPROVED
    current.approved_by = user
    current.approved_at = timezone.now()
    current.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        household_id=current.household_id,
        proposal=current,
        action=AuditAction.APPROVED,
        actor=user,
        from_status=ProposalStatus.DRAFT,
        to_status=ProposalStatus.APPROVED,
    )
    notify_clients(
        household_id=current.household_id, notice=Notice.NEW_DOCUMENT, subject="proposal_approved"
    )
    return current


@transaction.atomic
def proposal_reject(*, proposal: Proposal, user: User, reason: str = "") -> Proposal:
    """Reject a draft or an approved proposal (409 otherwise); ``reason`` is kept."""
    current = proposal_for_update(pk=proposal.pk)
    require_status(current, ProposalAction.REJECT)
    before = current.status
    current.status = ProposalStatus.REJECTED
    current.rejected_by = user
    current.rejected_at = timezone.now()
    current.rejection_reason = reason.strip()[:500]
    current.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
    audit_record(
        household_id=current.household_id,
        proposal=current,
        action=AuditAction.REJECTED,
        actor=user,
        from_status=before,
        to_status=ProposalStatus.REJECTED,
        detail={"reason": current.rejection_reason} if current.rejection_reason else {},
    )
    return current

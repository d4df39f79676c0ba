"""Implementation plans: a move to the IPS over 3 to 6 monthly tranches (dollar-cost averaging).

``implementation_plan_create`` computes the whole rebalance to the active IPS
on ``as_of`` and splits it into equal monthly tranches with
``advisory.engine.rebalance.tranches.plan_tranches``: those trades are the schedule's
*estimate*, stored with each tranche. A new plan cancels the household's
active one.

When a tranche falls due, ``create_due_tranche_proposals`` (run daily by the
beat task ``policies.create_due_tranches``) turns it into its own proposal (kind
``tranche``), computed afresh on the book of that day rather than replaying the
estimate: prices move, earlier
tranches may or may not have been executed, and the wash-sale window and this
year's gains change what is cheapest. Tranche n of N, with ``r = N - n + 1``
tranches left (this one included), rebalances to targets that move ``1/r``
of the remaining way from today's weights to the IPS targets (mode
``target``); the last tranche rebalances to the IPS itself in the plan's
mode. Its drift is shown against the IPS. Each tranche becomes a proposal
once (the tranche row is locked and its one-to-one link is unique); a
computation that fails leaves a ``failed`` proposal for the advisor to see.
A plan whose IPS is no longer active is cancelled instead of proposing.
Implementation plans use household-level location and no cash flows.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from advisory.api_errors import DomainError
from advisory.engine.drift import household_weights
from advisory.engine.money import ZERO
from advisory.engine.rebalance import RebalancePlan
from advisory.engine.rebalance.tranches import MAX_MONTHS, MIN_MONTHS, plan_tranches
from advisory.engine.rebalance.types import Location, RebalanceMode, Trade
from advisory.engine.types import HouseholdSnapshot, PolicyTargets
from policies.models import InvestmentPolicy, PolicyStatus
from policies.proposals import tasks as proposal_tasks
from policies.proposals.audit import audit_record, person_or_none
from policies.proposals.fetch import engine_snapshot
from policies.proposals.models import (
    AuditAction,
    ImplementationPlan,
    ImplementationPlanStatus,
    ImplementationTranche,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from policies.proposals.request import ProposalRequest, proposal_request_errors
from policies.proposals.selectors import due_tranches
from policies.proposals.services import mark_failed, run_engine, store_plan
from policies.selectors import active_policy_required, policy_targets_of
from portfolios.locks import lock_household
from portfolios.models import Household

if TYPE_CHECKING:
    from advisory.models import User

logger = logging.getLogger(__name__)


class NothingToImplementError(DomainError):
    code = "nothing_to_implement"


def trade_json(trade: Trade) -> dict[str, Any]:
    return {
        "account": trade.account_id,
        "security": trade.security_id,
        "symbol": trade.symbol,
        "side": str(trade.side),
        "quantity": str(trade.quantity),
        "amount": str(trade.amount),
    }


def _plan_errors(request: ProposalRequest, months: int, start: date, as_of: date) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        errors["months"] = [f"An implementation plan runs {MIN_MONTHS} to {MAX_MONTHS} months."]
    if start < as_of:
        errors["start"] = ["The first tranche cannot fall due before the plan's date."]
    if request.kind != ProposalKind.REBALANCE:
        errors["kind"] = ["An implementation plan rebalances to the IPS."]
    if request.location is not Location.HOUSEHOLD:
        errors["location"] = ["Implementation plans use household-level location."]
    if request.cash_flows:
        errors["cash_flows"] = ["Cash flows go with an ordinary proposal, not a plan."]
    return errors


def _cancel_active(household: Household, user: User | None, why: str) -> None:
    for plan in ImplementationPlan.objects.filter(
        household=household, status=ImplementationPlanStatus.ACTIVE
    ):
        plan.status = ImplementationPlanStatus.CANCELLED
        plan.save(update_fields=["status"])
        audit_record(
            household_id=household.pk,
            plan=plan,
            action=AuditAction.PLAN_CANCELLED,
            actor=user,
            from_status=ImplementationPlanStatus.ACTIVE,
            to_status=ImplementationPlanStatus.CANCELLED,
            detail={"reason": why},
        )


@transaction.atomic
def _store_plan(
    household: Household,
    policy: InvestmentPolicy,
    full: RebalancePlan,
    request: ProposalRequest,
    *,
    user: User | None,
    months: int,
    start: date,
    as_of: date,
) -> ImplementationPlan:
    """The plan row and its monthly tranches, split from the whole move ``full``."""
    plan = ImplementationPlan.objects.create(
        household=household,
        policy=policy,
        months=months,
        start=start,
        as_of=as_of,
        created_by=person_or_none(user),
        options=request.to_json(),
        feasible=full.feasible,
        short_term_gain=full.short_term_gain,
        long_term_gain=full.long_term_gain,
        estimated_tax=full.estimated_tax,
        turnover=full.turnover,
        notes=list(full.notes) + list(full.binding),
    )
    ImplementationTranche.objects.bulk_create(
        ImplementationTranche(
            plan=plan,
            number=tranche.number,
            due_on=tranche.due_on,
            trades=[trade_json(t) for t in tranche.trades],
        )
        for tranche in plan_tranches(full, months, start)
    )
    return plan


@transaction.atomic  # the household lock (select_for_update) needs a transaction
def implementation_plan_create(
    *,
    household: Household,
    user: User | None,
    months: int,
    start: date,
    request: ProposalRequest | None = None,
) -> ImplementationPlan:
    """A plan to reach the active IPS in ``months`` monthly tranches, the first due on ``start``.

    ``request`` carries the tranches' options (mode, restrictions, tax
    overrides; ``as_of`` of the estimate, default today). Raises
    ``DomainError`` (400) with field messages, ``NoActivePolicyError`` (400),
    ``NothingToImplementError`` (400) when the household is already there.
    The household's active plan, if any, is cancelled.
    """
    request = request or ProposalRequest(**household.firm.proposal_defaults)
    as_of = request.as_of or timezone.localdate()
    request = replace(request, as_of=as_of)
    errors = _plan_errors(request, months, start, as_of)
    errors.update(proposal_request_errors(household=household, request=request))
    if errors:
        raise DomainError("The implementation plan request is not valid.", field_errors=errors)
    policy = active_policy_required(household)
    lock_household(household.pk)
    _, snapshot = engine_snapshot(household=household, request=request, policy=policy, as_of=as_of)
    full = run_engine(
        household=household, snapshot=snapshot, request=request, targets=policy_targets_of(policy)
    )
    if not full.trades:
        raise NothingToImplementError(
            "There is nothing to implement: no trade moves the household nearer its IPS."
        )
    _cancel_active(household, user, "A new implementation plan replaced it.")
    plan = _store_plan(
        household, policy, full, request, user=user, months=months, start=start, as_of=as_of
    )
    audit_record(
        household_id=household.pk,
        plan=plan,
        action=AuditAction.PLAN_CREATED,
        actor=user,
        to_status=ImplementationPlanStatus.ACTIVE,
        detail={"months": months, "start": start.isoformat(), "options": plan.options},
    )
    today = timezone.localdate()
    if start <= today:
        day, household_id = today.isoformat(), household.pk
        transaction.on_commit(lambda: proposal_tasks.create_due_tranches.delay(day, household_id))
    return plan


# --- tranches falling due -----------------------------------------------------------------------


def tranche_targets(
    snapshot: HouseholdSnapshot, policy: PolicyTargets, remaining: int
) -> PolicyTargets:
    """Targets ``1/remaining`` of the way from today's weights to the IPS's (the IPS at 1)."""
    if remaining <= 1:
        return policy
    current = household_weights(snapshot)
    codes = dict.fromkeys([*policy.targets, *sorted(current)])
    targets = {
        code: current.get(code, ZERO)
        + (policy.targets.get(code, ZERO) - current.get(code, ZERO)) / remaining
        for code in codes
    }
    return replace(policy, targets=targets)


def _propose(tranche: ImplementationTranche, as_of: date) -> Proposal:
    plan = tranche.plan
    household, policy = plan.household, plan.policy
    remaining = plan.months - tranche.number + 1
    request = replace(ProposalRequest.from_json(plan.options), as_of=as_of)
    proposal = Proposal.objects.create(
        household=household,
        kind=ProposalKind.TRANCHE,
        status=ProposalStatus.PENDING,
        as_of=as_of,
        options=request.to_json(),
        policy=policy,
        implementation_plan=plan,
        tranche_number=tranche.number,
    )
    try:
        with transaction.atomic():
            fingerprint, snapshot = engine_snapshot(
                household=household, request=request, policy=policy, as_of=as_of
            )
            ips = policy_targets_of(policy)
            engine_request = (
                request if remaining == 1 else replace(request, mode=RebalanceMode.TARGET)
            )
            result = run_engine(
                household=household,
                snapshot=snapshot,
                request=engine_request,
                targets=tranche_targets(snapshot, ips, remaining),
            )
            store_plan(proposal, result, snapshot, fingerprint=fingerprint, drift_policy=ips)
            proposal.notes = [
                f"Tranche {tranche.number} of {plan.months}: "
                + (
                    "the last, to the IPS targets"
                    if remaining == 1
                    else f"moves 1/{remaining} of the remaining way to the IPS targets"
                ),
                *proposal.notes,
            ]
            proposal.status = ProposalStatus.DRAFT
            proposal.save()
    except Exception as error:
        logger.exception("Tranche %s of plan %s failed to compute", tranche.number, plan.pk)
        mark_failed(proposal, error)
    return proposal


@transaction.atomic
def _propose_tranche(tranche_id: int, as_of: date) -> str:
    tranche = (
        ImplementationTranche.objects.select_for_update(of=("self",))
        .select_related("plan__household", "plan__policy")
        .get(pk=tranche_id)
    )
    plan = tranche.plan
    if tranche.proposal_id is not None or plan.status != ImplementationPlanStatus.ACTIVE:
        return "skipped"
    if not InvestmentPolicy.objects.filter(pk=plan.policy_id, status=PolicyStatus.ACTIVE).exists():
        _cancel_active(plan.household, None, "The IPS it implements is no longer active.")
        return "cancelled"
    proposal = _propose(tranche, as_of)
    tranche.proposal = proposal
    tranche.save(update_fields=["proposal"])
    audit_record(
        household_id=plan.household_id,
        proposal=proposal,
        plan=plan,
        action=AuditAction.TRANCHE_PROPOSED,
        actor=None,
        to_status=proposal.status,
        detail={"tranche": tranche.number, "due_on": tranche.due_on.isoformat()},
    )
    if not plan.tranches.filter(proposal__isnull=True).exists():
        plan.status = ImplementationPlanStatus.COMPLETED
        plan.save(update_fields=["status"])
        audit_record(
            household_id=plan.household_id,
            plan=plan,
            action=AuditAction.PLAN_COMPLETED,
            actor=None,
            from_status=ImplementationPlanStatus.ACTIVE,
            to_status=ImplementationPlanStatus.COMPLETED,
        )
    return proposal.status


def create_due_tranche_proposals(
    *, as_of: date, household_ids: list[int] | None = None
) -> dict[str, int]:
    """Turn every tranche due on or before ``as_of`` into its proposal; counts by outcome.

    Each tranche in its own transaction, so one household's failure does not
    hold back the others; running it twice proposes nothing twice.
    """
    tranches = due_tranches(as_of=as_of)
    if household_ids is not None:
        tranches = tranches.filter(plan__household_id__in=household_ids)
    counts: dict[str, int] = {}
    for tranche_id in list(tranches.values_list("pk", flat=True)):
        try:
            outcome = _propose_tranche(tranche_id, as_of)
        except Exception:
            logger.exception("Tranche %s could not be proposed", tranche_id)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts

"""Rebalance runs: proposals for many households at once, fanned out over the workers.

``rebalance_run_start`` fixes the run's households (its items: one row per run and
household, unique) and, on commit, queues Celery groups of chunks
(``policies.process_run_chunk``, acks late). A worker takes each item of its chunk
under a row lock and skips any item already processed, so a chunk retried after
its worker died, or queued twice, never makes a second draft for a household. The
web process only writes the items and queues; it never computes.

Each household is proposed exactly as a single proposal would be
(``proposal_create`` with the run's options, standing restrictions included),
then judged:

* no active IPS, or the engine refuses (a withdrawal the accounts cannot pay):
  ``failed`` with the reason, nothing kept;
* ``needs_rebalance`` selection and the household in band: ``in_band``, nothing kept;
* an infeasible plan: ``failed`` with what bound, nothing kept (never a draft that
  cannot be carried out);
* no trades: ``no_trades`` (an answer, not a draft in the approval queue);
* else ``proposed``, with its draft.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from advisory.api_errors import ConflictError, DomainError
from advisory.engine.drift import measure_drift
from advisory.engine.money import CENT, ZERO
from advisory.models import Firm
from policies.models import InvestmentPolicy, ModelPortfolio, PolicyStatus
from policies.proposals import tasks as proposal_tasks
from policies.proposals.fetch import ProposalInputs, engine_snapshot, proposal_inputs_many
from policies.proposals.models import (
    Proposal,
    ProposalStatus,
    ProposalTrade,
    RebalanceRun,
    RebalanceRunItem,
    RunItemStatus,
    RunSelection,
    RunStatus,
)
from policies.proposals.request import ProposalRequest
from policies.proposals.services import proposal_approve, proposal_create
from policies.selectors import active_policy_get, policy_targets_of
from portfolios.access import Capability, can_manage_firm, firm_id_of, households_for
from portfolios.models import Household

if TYPE_CHECKING:
    from advisory.models import User

logger = logging.getLogger(__name__)

DONE_STATUSES = (RunItemStatus.PROPOSED, RunItemStatus.IN_BAND, RunItemStatus.NO_TRADES)


class RunSelectionError(DomainError):
    code = "run_selection"


def _selected(
    user: User | Any, selection: str, household_ids: Sequence[int], model_id: int | None = None
) -> QuerySet[Household]:
    households = households_for(user, write=Capability.EDIT_POLICY)
    if selection == RunSelection.HOUSEHOLDS:
        wanted = set(household_ids)
        found = set(households.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = sorted(wanted - found)
        if missing or not wanted:
            message = [f"{pk} is not a household you may propose for." for pk in missing]
            raise RunSelectionError(
                "The run's households are not valid.",
                field_errors={"households": message or ["Name at least one household."]},
            )
        households = households.filter(pk__in=wanted)
    elif selection == RunSelection.MODEL:
        households = households.filter(pk__in=_model_followers(user, model_id))
    return households.order_by("pk")


def _model_followers(user: User | Any, model_id: int | None) -> QuerySet[InvestmentPolicy, Any]:
    """The households whose active IPS follows the model (ids), or 400 on ``model``."""
    firm_id = firm_id_of(user) or 0
    if model_id is None or not ModelPortfolio.objects.filter(pk=model_id, firm_id=firm_id).exists():
        message = "Name a model of your firm." if model_id is None else "No such model."
        raise RunSelectionError("The run's model is not valid.", field_errors={"model": [message]})
    return InvestmentPolicy.objects.filter(model_id=model_id, status=PolicyStatus.ACTIVE).values(
        "household_id"
    )


@transaction.atomic
def rebalance_run_start(
    *,
    user: User | Any,
    firm: Firm,
    selection: str,
    request: ProposalRequest,
    household_ids: Sequence[int] = (),
    model_id: int | None = None,
) -> RebalanceRun:
    """Start a run: its items now, the work on the workers once this commits.

    ``model_id``: with ``selection="model"``, the households whose active IPS follows it.
    """
    as_of = request.as_of or timezone.localdate()
    request = ProposalRequest(**{**request.__dict__, "as_of": as_of})
    chosen = _selected(user, selection, household_ids, model_id)
    households = list(chosen.values_list("pk", flat=True))
    run = RebalanceRun.objects.create(
        firm=firm,
        selection=selection,
        options=request.to_json(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
        total=len(households),
    )
    RebalanceRunItem.objects.bulk_create(
        RebalanceRunItem(run=run, household_id=pk) for pk in households
    )
    if not households:
        _finish(run.pk)
        return run
    run_id = run.pk
    transaction.on_commit(lambda: queue_run(run_id))
    return run


def queue_run(run_id: int) -> None:
    """Queue the run's unprocessed items as one Celery group of chunks (safe to call again)."""
    from celery import group

    from advisory.celery import app as celery_app

    size = settings.REBALANCE_RUN_CHUNK_SIZE
    pending = list(
        RebalanceRunItem.objects.filter(run_id=run_id, status=RunItemStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunks = [pending[n : n + size] for n in range(0, len(pending), size)]
    # Sent through the project's app, not whichever Celery app is "current" in this thread.
    group(
        [proposal_tasks.process_run_chunk.s(run_id, chunk) for chunk in chunks], app=celery_app
    ).apply_async()


def process_run_chunk(*, run_id: int, item_ids: Sequence[int]) -> dict[str, int]:
    """Process each item of a chunk once (the worker's job); counts by outcome.

    The rows every proposal of the chunk reads (IPS, fingerprint, snapshot,
    restrictions, buy lists) are read once for the chunk's queued items, in a
    constant number of queries, then each item is processed under its row lock.
    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    run = RebalanceRun.objects.select_related("created_by").get(pk=run_id)
    request = ProposalRequest.from_json(run.options)
    queued = [
        item.household
        for item in RebalanceRunItem.objects.filter(
            pk__in=item_ids, status=RunItemStatus.QUEUED
        ).select_related("household")
    ]
    inputs = _read_ahead(run_id, queued, request)
    counts: dict[str, int] = {}
    for item_id in item_ids:
        outcome = _process_item(item_id, worker, run, request, inputs)
        counts[outcome] = counts.get(outcome, 0) + 1
    _finish(run_id)
    return counts


def _read_ahead(
    run_id: int, households: Sequence[Household], request: ProposalRequest
) -> dict[int, ProposalInputs]:
    """The chunk's inputs by household; {} (each household reads its own, as before) if
    reading them together fails for another reason than the database: one household's
    bad rows must fail that household, not the chunk."""
    if request.as_of is None:
        return {}
    try:
        return proposal_inputs_many(households, request.as_of)
    except OperationalError:
        raise  # the database: the chunk is retried
    except Exception:
        logger.exception("Run %s: reading a chunk's inputs together failed", run_id)
        return {}


def _process_item(
    item_id: int,
    worker: str,
    run: RebalanceRun,
    request: ProposalRequest,
    inputs: dict[int, ProposalInputs],
) -> str:
    with transaction.atomic():
        item = (
            RebalanceRunItem.objects.select_for_update(of=("self",))
            .select_related("household")
            .get(pk=item_id)
        )
        if item.status != RunItemStatus.QUEUED:
            return "skipped"  # processed already: a retried or doubled chunk
        item.run = run
        status, proposal, reason = _propose_for(item, request, inputs.get(item.household_id))
        item.status, item.proposal, item.reason = status, proposal, reason
        item.worker, item.processed_at = worker, timezone.now()
        item.save(update_fields=["status", "proposal", "reason", "worker", "processed_at"])
        return str(status)


class _NotKept(Exception):
    """Roll back the proposal the run made for a household it will not keep."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _propose_for(
    item: RebalanceRunItem, request: ProposalRequest, inputs: ProposalInputs | None
) -> tuple[str, Proposal | None, str]:
    run, household = item.run, item.household
    try:
        with transaction.atomic():
            if run.selection == RunSelection.NEEDS_REBALANCE and not _needs_rebalance(
                household, request, inputs
            ):
                raise _NotKept(RunItemStatus.IN_BAND, "In band.")
            proposal = proposal_create(
                household=household,
                user=run.created_by,
                request=request,
                compute_now=True,
                inputs=inputs,
            )
            if not proposal.feasible:
                why = "; ".join(proposal.binding) or "the targets cannot be met"
                raise _NotKept(RunItemStatus.FAILED, f"Infeasible: {why}.")
            if proposal.status == ProposalStatus.NO_TRADES:  # computed: a draft has trades
                raise _NotKept(RunItemStatus.NO_TRADES, "No trades needed.")
    except _NotKept as not_kept:
        return not_kept.status, None, not_kept.reason
    except DomainError as refused:
        return RunItemStatus.FAILED, None, refused.message
    except OperationalError:
        raise  # the database, not the household: the chunk is retried, the item stays queued
    except Exception as broken:  # one household's failure never stops the run
        logger.exception("Run %s: household %s failed", run.pk, household.pk)
        return RunItemStatus.FAILED, None, f"Could not be computed: {broken}"
    return RunItemStatus.PROPOSED, proposal, ""


def _needs_rebalance(
    household: Household, request: ProposalRequest, inputs: ProposalInputs | None
) -> bool:
    policy = active_policy_get(household=household) if inputs is None else inputs.policy
    if policy is None:
        return True  # let proposal_create say why it cannot
    assert request.as_of is not None  # noqa: S101 - the run fixed it
    _, snapshot = engine_snapshot(
        household=household, request=request, policy=policy, as_of=request.as_of, inputs=inputs
    )
    return measure_drift(snapshot, policy_targets_of(policy)).needs_rebalance


def _finish(run_id: int) -> None:
    with transaction.atomic():
        run = RebalanceRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return
        if RebalanceRunItem.objects.filter(run=run, status=RunItemStatus.QUEUED).exists():
            return
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])


def run_summary(run: RebalanceRun) -> dict[str, Any]:
    """The run as API.md's ``GET /api/v1/rebalance-runs/{id}/`` shows it (four queries)."""
    counts = dict(
        RebalanceRunItem.objects.filter(run=run)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    items = RebalanceRunItem.objects.filter(run=run)
    proposals = list(
        items.filter(proposal__isnull=False).order_by("pk").values_list("proposal_id", flat=True)
    )
    failures = [
        {"household": pk, "household_name": name, "reason": reason}
        for pk, name, reason in items.filter(status=RunItemStatus.FAILED)
        .order_by("pk")
        .values_list("household_id", "household__name", "reason")
    ]
    figures = Proposal.objects.filter(pk__in=proposals).aggregate(
        tax=Sum("estimated_tax"), turnover=Sum("turnover")
    )
    trades = ProposalTrade.objects.filter(proposal_id__in=proposals).count()
    end = run.finished_at or timezone.now()
    done = sum(counts.get(s, 0) for s in DONE_STATUSES)
    return {
        "id": run.pk,
        "status": run.status,
        "selection": run.selection,
        "options": run.options,
        "total": run.total,
        "done": done,
        "failed": counts.get(RunItemStatus.FAILED, 0),
        "processed": done + counts.get(RunItemStatus.FAILED, 0),
        "in_band": counts.get(RunItemStatus.IN_BAND, 0),
        "no_trades": counts.get(RunItemStatus.NO_TRADES, 0),
        "proposals": proposals,
        "failures": failures,
        "summary": {
            "households": run.total,
            "proposals": len(proposals),
            "trades": trades,
            "estimated_tax": str((figures["tax"] or ZERO).quantize(CENT)),
            "turnover": str((figures["turnover"] or ZERO).quantize(CENT)),
            "seconds": str(Decimal(str(round((end - run.created_at).total_seconds(), 1)))),
        },
    }


def run_draft_proposals(run: RebalanceRun) -> QuerySet[Proposal]:
    """The run's proposals still waiting for approval."""
    return Proposal.objects.filter(run_item__run=run, status=ProposalStatus.DRAFT)


def runs_for(user: User | Any) -> QuerySet[RebalanceRun]:
    """Runs of the user's firm the user started, or every one for firm admins."""
    firm_id = firm_id_of(user)
    if firm_id is None:
        return RebalanceRun.objects.none()
    runs = RebalanceRun.objects.filter(firm_id=firm_id)
    if not can_manage_firm(user):
        runs = runs.filter(Q(created_by=user))
    return runs


def run_approve(*, run: RebalanceRun, user: User | Any) -> dict[str, Any]:
    """Approve the run's drafts one by one; a stale (or otherwise refused) one is named, not fatal.

    Each approval is ``proposal_approve``: its own transaction, staleness and the
    firm's four-eyes rule checked as for a single proposal.
    """

    approved: list[int] = []
    refused: list[dict[str, Any]] = []
    households = set(
        households_for(user, write=Capability.EDIT_POLICY).values_list("pk", flat=True)
    )
    for proposal in run_draft_proposals(run).order_by("pk"):
        if proposal.household_id not in households:
            continue
        try:
            proposal_approve(proposal=proposal, user=user)
        except (ConflictError, DomainError) as refusal:
            refused.append({"proposal": proposal.pk, "reason": refusal.message})
        else:
            approved.append(proposal.pk)
    return {"approved": approved, "refused": refused}

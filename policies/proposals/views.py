"""Pages for rebalance and harvest proposals, implementation plans and the approval queue.

Access goes through ``portfolios.access`` (via ``selectors``) like every page:
    * a proposal or plan of a household the user cannot see is 404; anonymous
      visitors go to the login page;
    * advisors on the household and firm admins (``Capability.EDIT_POLICY``)
      request proposals and approve, reject and execute them; anyone else who
      tries gets 403;
    * operations staff see proposals, plans, the queue and the order file, and
      act on none of them;
    * clients see their household's *approved and executed* proposals,
      read-only, with the PDF made for the client meeting; a draft, pending,
      rejected or failed proposal, the order file, implementation plans and the
      approval queue are not for them (404 for a proposal or plan, 403 for the
      queue and the order file), so a client never reads a proposal the
      advisor has not stood behind.

Writes are POSTs with CSRF that redirect back to the proposal with a message; a
409 from the services (stale household, wrong status, not enough cash) becomes
that message, and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from advisory.api_errors import DomainError
from advisory.http import AuthenticatedHttpRequest
from advisory.models import Role
from policies.proposals.display import audit_lines, proposal_figures
from policies.proposals.execution import proposal_execute
from policies.proposals.forms import (
    HarvestProposalForm,
    ImplementationPlanForm,
    RebalanceProposalForm,
    add_domain_errors,
    initial_from_request,
)
from policies.proposals.models import (
    ImplementationTranche,
    Proposal,
    ProposalAction,
    ProposalKind,
    ProposalStatus,
    proposal_may,
)
from policies.proposals.orders import ORDERABLE, orders_csv
from policies.proposals.pdf import proposal_pdf
from policies.proposals.plans import implementation_plan_create
from policies.proposals.request import ProposalRequest
from policies.proposals.selectors import (
    household_proposal_rows,
    implementation_plan_get,
    implementation_plan_list,
    mark_stale,
    proposal_get,
    proposal_orders_get,
    proposals_awaiting_approval,
)
from policies.proposals.services import (
    StaleProposalError,
    proposal_approve,
    proposal_create,
    proposal_reject,
    require_fresh,
)
from policies.selectors import active_policy_get
from portfolios.access import Capability, has_capability, household_for, role_of
from portfolios.models import Household
from portfolios.selectors import firm_class_names

STALE_MESSAGE = "The household changed since this proposal was computed; compute a new one."
RECENT_ON_PANEL = 5


def _is_client(request: AuthenticatedHttpRequest) -> bool:
    return role_of(request.user) == Role.CLIENT


# --- requesting a proposal -----------------------------------------------------------------------


def _prefill(request: AuthenticatedHttpRequest, household: Household) -> dict[str, Any]:
    """``?from=<proposal id>``: the options of an earlier proposal of the household."""
    source = request.GET.get("from")
    if not source:
        return {}
    try:
        earlier = Proposal.objects.get(pk=int(source), household=household)
    except (Proposal.DoesNotExist, ValueError):
        return {}
    initial = initial_from_request(ProposalRequest.from_json(earlier.options))
    initial.pop("as_of", None)
    return initial


def _request_page(
    request: AuthenticatedHttpRequest,
    pk: int,
    form_class: type[RebalanceProposalForm] | type[HarvestProposalForm],
    template: str,
) -> HttpResponse:
    household = household_for(request.user, pk, write=Capability.EDIT_POLICY)
    today = timezone.localdate()
    form = form_class(
        request.POST if request.method == "POST" else None,
        household=household,
        today=today,
        initial=_prefill(request, household),
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_create(
                household=household, user=request.user, request=form.proposal_request()
            )
        except DomainError as refused:
            add_domain_errors(form, refused.message, refused.field_errors)
        else:
            if proposal.status == ProposalStatus.DRAFT:
                messages.success(request, "Proposal computed: review it, then approve or reject.")
            return redirect("proposal_detail", pk=proposal.pk)
    context = {
        "household": household,
        "form": form,
        "policy": active_policy_get(household=household),
    }
    return render(request, template, context, status=400 if form.errors else 200)


@login_required
def proposal_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """'Propose rebalance': the options form; POST computes the proposal and opens it."""
    return _request_page(request, pk, RebalanceProposalForm, "policies/proposals/new.html")


@login_required
def proposal_harvest_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """'Harvest losses': thresholds in dollars and percent; POST computes the harvest."""
    return _request_page(request, pk, HarvestProposalForm, "policies/proposals/harvest_new.html")


# --- a proposal ------------------------------------------------------------------------------


def _staleness(proposal: Proposal) -> str:
    """Why the proposal can no longer be approved or executed ('' when it still can)."""
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.APPROVED):
        return ""
    try:
        require_fresh(proposal)
    except StaleProposalError:
        return STALE_MESSAGE
    return ""


@login_required
@require_GET
def proposal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Summary, trades by account with their lots, drift before and after, notes, audit trail.

    ``?fragment=status`` is the "Computing…" poll: the same fragment while
    pending, else an ``HX-Refresh`` so the page reloads with the result.
    """
    proposal = proposal_get(user=request.user, pk=pk)
    if request.GET.get("fragment") == "status":
        if proposal.is_pending:
            return render(request, "policies/proposals/_pending.html", {"proposal": proposal})
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    can_act = has_capability(request.user, Capability.EDIT_POLICY)
    context = proposal_figures(proposal, firm_class_names(proposal.household.firm_id))
    stale = _staleness(proposal) if can_act else ""
    proposal.is_stale = bool(stale)
    context.update(
        can_act=can_act,
        stale=stale,
        can_approve=can_act and not stale and proposal_may(ProposalAction.APPROVE, proposal.status),
        can_reject=can_act and proposal_may(ProposalAction.REJECT, proposal.status),
        can_execute=can_act and not stale and proposal_may(ProposalAction.EXECUTE, proposal.status),
        can_download_orders=not _is_client(request) and proposal.status in ORDERABLE,
        can_propose_again=can_act and proposal.kind != ProposalKind.TRANCHE,
        show_restrictions=not _is_client(request),
    )
    return render(request, "policies/proposals/detail.html", context)


def _act(request: AuthenticatedHttpRequest, pk: int, verb: str) -> HttpResponse:
    proposal = proposal_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
    try:
        if verb == "approve":
            proposal_approve(proposal=proposal, user=request.user)
            messages.success(request, "Proposal approved: it can now be executed.")
        elif verb == "reject":
            reason = request.POST.get("reason", "")
            proposal_reject(proposal=proposal, user=request.user, reason=reason)
            messages.success(request, "Proposal rejected.")
        else:
            proposal_execute(proposal=proposal, user=request.user)
            messages.success(request, "Proposal executed: lots, cash and transactions are booked.")
    except StaleProposalError:
        messages.error(request, STALE_MESSAGE)
    except DomainError as refused:
        messages.error(request, refused.message)
    return redirect("proposal_detail", pk=proposal.pk)


@login_required
@require_POST
def proposal_approve_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Approve a draft (advisors on the household and admins)."""
    return _act(request, pk, "approve")


@login_required
@require_POST
def proposal_reject_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Reject a draft or an approved proposal, with an optional reason."""
    return _act(request, pk, "reject")


@login_required
@require_POST
def proposal_execute_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Execute an approved proposal: lots, cash and transactions change in the book."""
    return _act(request, pk, "execute")


@login_required
@require_POST
def proposal_rerun_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """'Re-run': a new proposal for today with the options of this one (a stale one, mostly)."""
    proposal = proposal_get(user=request.user, pk=pk, write=Capability.EDIT_POLICY)
    if proposal.kind == ProposalKind.TRANCHE:
        messages.error(request, "A tranche is re-planned from its implementation plan.")
        return redirect("proposal_detail", pk=proposal.pk)
    again = replace(ProposalRequest.from_json(proposal.options), as_of=None)
    try:
        fresh = proposal_create(household=proposal.household, user=request.user, request=again)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("proposal_detail", pk=proposal.pk)
    messages.success(request, f"Re-run of proposal {proposal.pk} with the same options.")
    return redirect("proposal_detail", pk=fresh.pk)


def _file_name(proposal: Proposal, extension: str) -> str:
    return f"proposal-{proposal.pk}-{slugify(proposal.household.name)}-{proposal.as_of}.{extension}"


@login_required
@require_GET
def proposal_orders(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The order file for the custodian (staff only; a computed, not rejected proposal)."""
    proposal = proposal_orders_get(user=request.user, pk=pk)
    if proposal.status not in ORDERABLE:
        status = proposal.get_status_display().lower()
        messages.error(request, f"A {status} proposal has no orders.")
        return redirect("proposal_detail", pk=proposal.pk)
    response = HttpResponse(orders_csv(proposal), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(proposal, "csv")}"'
    return response


@login_required
@require_GET
def proposal_document(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The proposal as a PDF for the client meeting (cached until what it shows changes)."""
    proposal = proposal_get(user=request.user, pk=pk)
    if proposal.status in (ProposalStatus.PENDING, ProposalStatus.FAILED):
        messages.error(request, "There is no document until the proposal is computed.")
        return redirect("proposal_detail", pk=proposal.pk)
    pdf = proposal_pdf(proposal, as_of=timezone.localdate())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_file_name(proposal, "pdf")}"'
    return response


# --- lists ---------------------------------------------------------------------------------------


@login_required
@require_GET
def household_proposals(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The household's proposals and implementation plans, newest first.

    ``?fragment=panel`` is the "Rebalancing" card of the household page.
    """
    household = household_for(request.user, pk)
    panel = request.GET.get("fragment") == "panel"
    proposals = list(household_proposal_rows(user=request.user, household=household))
    proposals = proposals[:RECENT_ON_PANEL] if panel else proposals
    if not _is_client(request):
        mark_stale(proposals)
    context: dict[str, Any] = {
        "household": household,
        "proposals": proposals,
        "can_propose": has_capability(request.user, Capability.EDIT_POLICY),
        "is_client": _is_client(request),
        "has_policy": active_policy_get(household=household) is not None,
    }
    plans = implementation_plan_list(user=request.user, household=household)  # none: clients
    context["plans"] = plans[:1] if panel else plans
    template = "_panel.html" if panel else "household_list.html"
    return render(request, f"policies/proposals/{template}", context)


@login_required
@require_GET
def proposal_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The firm-wide queue of proposals awaiting approval (clients: 403)."""
    if _is_client(request) or role_of(request.user) is None:
        raise PermissionDenied("The approval queue is for the firm's staff.")
    context = {
        "proposals": mark_stale(list(proposals_awaiting_approval(user=request.user))),
        "can_act": has_capability(request.user, Capability.EDIT_POLICY),
    }
    return render(request, "policies/proposals/queue.html", context)


# --- implementation plans ----------------------------------------------------------------------


@login_required
def implementation_plan_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """'Implementation plan': move to the IPS over 3-6 monthly tranches (DCA)."""
    household = household_for(request.user, pk, write=Capability.EDIT_POLICY)
    form = ImplementationPlanForm(
        request.POST if request.method == "POST" else None,
        household=household,
        today=timezone.localdate(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = implementation_plan_create(
                household=household,
                user=request.user,
                months=form.cleaned_data["months"],
                start=form.cleaned_data["start"],
                request=form.proposal_request(),
            )
        except DomainError as refused:
            add_domain_errors(form, refused.message, refused.field_errors)
        else:
            messages.success(request, f"Implementation plan over {plan.months} months created.")
            return redirect("implementation_plan_detail", pk=plan.pk)
    context = {
        "household": household,
        "form": form,
        "policy": active_policy_get(household=household),
    }
    status = 400 if form.errors else 200
    return render(request, "policies/proposals/plan_new.html", context, status=status)


@login_required
@require_GET
def implementation_plan_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The plan's estimate and its tranches: due dates, estimated trades, proposals made."""
    plan = implementation_plan_get(user=request.user, pk=pk)
    accounts = dict(plan.household.accounts.values_list("pk", "name"))
    tranches = [
        TrancheView(tranche, [_estimated_trade(row, accounts) for row in tranche.trades or []])
        for tranche in plan.tranches.all()
    ]
    context = {
        "plan": plan,
        "household": plan.household,
        "tranches": tranches,
        "proposed": sum(1 for t in tranches if t.tranche.proposal_id),
        "today": timezone.localdate(),
        "next_number": next(
            (t.tranche.number for t in tranches if not t.tranche.proposal_id), None
        ),
        "audit": audit_lines(list(plan.audit_events.select_related("actor").order_by("at", "id"))),
    }
    return render(request, "policies/proposals/plan_detail.html", context)


@dataclass(frozen=True)
class EstimatedTrade:
    account: str
    side: str
    symbol: str
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class TrancheView:
    tranche: ImplementationTranche
    trades: list[EstimatedTrade]

    @property
    def sold(self) -> Decimal:
        return sum((t.amount for t in self.trades if t.side == "sell"), Decimal(0))

    @property
    def bought(self) -> Decimal:
        return sum((t.amount for t in self.trades if t.side == "buy"), Decimal(0))


def _estimated_trade(row: dict[str, Any], accounts: dict[int, str]) -> EstimatedTrade:
    return EstimatedTrade(
        account=accounts.get(int(row["account"]), f"Account {row['account']}"),
        side=str(row["side"]),
        symbol=str(row["symbol"]),
        quantity=Decimal(str(row["quantity"])),
        amount=Decimal(str(row["amount"])),
    )

"""Pages of rebalance runs: start one (from the dashboard), watch its progress, approve it.

The progress panel is an htmx partial polled every second while the run is
running; the web process only reads the items the workers write.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from advisory.api_errors import DomainError
from advisory.engine.rebalance.types import RebalanceMode
from advisory.http import AuthenticatedHttpRequest
from policies.models import ModelPortfolio
from policies.proposals.models import RunSelection
from policies.proposals.request import ProposalRequest
from policies.proposals.runs import rebalance_run_start, run_approve, run_summary, runs_for
from portfolios.access import Capability, has_capability

SELECTIONS = [
    (RunSelection.NEEDS_REBALANCE.value, "Every household out of band or due"),
    (RunSelection.ALL.value, "Every household"),
    (RunSelection.MODEL.value, "Every household following the model below"),
]


class RunForm(forms.Form):
    selection = forms.ChoiceField(choices=SELECTIONS, initial=RunSelection.NEEDS_REBALANCE.value)
    mode = forms.ChoiceField(
        choices=[
            (RebalanceMode.TARGET.value, "To the targets"),
            (RebalanceMode.BAND.value, "Into the bands"),
        ],
        initial=RebalanceMode.TARGET.value,
    )
    min_trade = forms.DecimalField(
        label="Minimum trade ($)", min_value=0, max_digits=16, decimal_places=2
    )
    allow_short_term = forms.BooleanField(label="Allow short-term gains", required=False)
    whole_shares = forms.BooleanField(label="Whole shares only", required=False)
    model = forms.TypedChoiceField(
        label="Model", required=False, coerce=int, empty_value=None, choices=[("", "—")]
    )

    def __init__(self, *args: Any, firm_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        models = ModelPortfolio.objects.filter(firm_id=firm_id).order_by("name")
        self.fields["model"].choices = [("", "—"), *((m.pk, m.name) for m in models)]  # type: ignore[attr-defined]


def _may_run(request: AuthenticatedHttpRequest) -> None:
    if not has_capability(request.user, Capability.EDIT_POLICY):
        raise PermissionDenied("Only advisors and firm admins start rebalance runs.")


@login_required
def run_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The runs you started, and the form that starts one."""
    _may_run(request)
    firm = request.user.membership.firm
    form = RunForm(request.POST or None, initial=firm.proposal_defaults, firm_id=firm.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = rebalance_run_start(
                user=request.user,
                firm=firm,
                selection=data["selection"],
                request=ProposalRequest(
                    as_of=timezone.localdate(),
                    mode=RebalanceMode(data["mode"]),
                    min_trade=data["min_trade"],
                    allow_short_term=data["allow_short_term"],
                    whole_shares=data["whole_shares"],
                ),
                model_id=data.get("model"),
            )
        except DomainError as refused:
            named = {k: v for k, v in refused.field_errors.items() if k in form.fields}
            for field, problems in named.items():
                for problem in problems:
                    form.add_error(field, problem)
            if not named:
                form.add_error(None, refused.message)
        else:
            messages.success(request, f"Run started over {run.total} households.")
            return redirect("rebalance_run_detail", pk=run.pk)
    runs = [run_summary(run) for run in runs_for(request.user)[:20]]
    context: dict[str, Any] = {"form": form, "runs": runs}
    return render(
        request, "policies/proposals/runs.html", context, status=400 if form.errors else 200
    )


def _run_context(request: AuthenticatedHttpRequest, pk: int) -> dict[str, Any]:
    _may_run(request)
    run = get_object_or_404(runs_for(request.user), pk=pk)
    summary = run_summary(run)
    processed = summary["processed"]
    percent = 100 if not run.total else round(100 * processed / run.total)
    return {"run": run, "summary": summary, "percent": percent}


@login_required
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render(request, "policies/proposals/run_detail.html", _run_context(request, pk))


@login_required
def run_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone (htmx polls it while the run is running)."""
    return render(request, "policies/proposals/_run_progress.html", _run_context(request, pk))


@login_required
@require_POST
def run_approve_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _may_run(request)
    run = get_object_or_404(runs_for(request.user), pk=pk)
    outcome = run_approve(run=run, user=request.user)
    messages.success(request, f"Approved {len(outcome['approved'])} proposals.")
    for refusal in outcome["refused"]:
        messages.warning(request, f"Proposal {refusal['proposal']}: {refusal['reason']}")
    return redirect("rebalance_run_detail", pk=run.pk)

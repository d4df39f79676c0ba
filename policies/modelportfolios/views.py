"""Pages of the firm's models: the list, one model (its followers and the drafts its
changes made, to activate), and the editor. Staff read; advisors and admins edit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from advisory.api_errors import DomainError
from advisory.http import AuthenticatedHttpRequest
from policies.modelportfolios.forms import ModelForm, model_initial
from policies.modelportfolios.models import ModelPortfolio
from policies.modelportfolios.selectors import (
    buy_list_of,
    may_edit_models,
    model_drafts,
    model_followers,
    model_get,
    model_list,
)
from policies.modelportfolios.services import model_create, model_update
from portfolios.access import firm_id_of
from portfolios.selectors import firm_class_names


@login_required
def model_list_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    models = list(model_list(user=request.user))
    context = {"models": models, "may_edit": may_edit_models(request.user)}
    return render(request, "policies/modelportfolios/list.html", context)


@login_required
def model_detail_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    model = model_get(user=request.user, pk=pk)
    lists = buy_list_of(model)
    context: dict[str, Any] = {
        "model": model,
        "rows": [(t, lists.get(t.asset_class.code, [])) for t in model.targets.all()],
        "followers": list(model_followers(model=model, user=request.user)),
        "drafts": list(model_drafts(model=model, user=request.user)),
        "may_edit": may_edit_models(request.user),
    }
    return render(request, "policies/modelportfolios/detail.html", context)


def _form(request: AuthenticatedHttpRequest, model: ModelPortfolio | None) -> ModelForm:
    firm_id = firm_id_of(request.user) or 0
    return ModelForm(
        request.POST or None,
        initial=model_initial(model) if model else None,
        class_names=firm_class_names(firm_id),
        firm_id=firm_id,
        model=model,
    )


@login_required
def model_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    model_list(user=request.user)  # clients: 403
    if not may_edit_models(request.user):
        raise PermissionDenied("Only advisors and firm admins create models.")
    form = _form(request, None)
    if request.method == "POST" and form.is_valid():
        try:
            model = model_create(
                firm_id=form.firm_id, user=request.user, draft=form.cleaned_data["draft"]
            )
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Model {model.name} created.")
            return redirect("model_detail", pk=model.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "model": None}
    return render(request, "policies/modelportfolios/form.html", context, status=status)


@login_required
def model_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    model = model_get(user=request.user, pk=pk, write=True)
    form = _form(request, model)
    if request.method == "POST" and form.is_valid():
        try:
            change = model_update(
                model=model,
                user=request.user,
                draft=form.cleaned_data["draft"],
                note=form.cleaned_data.get("note") or "",
            )
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                f"Model {change.model.name} saved: {len(change.drafts)} draft IPS versions "
                "await activation.",
            )
            for household, reason in change.conflicts:
                messages.warning(request, f"{household.name}: no draft ({reason}).")
            return redirect("model_detail", pk=model.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "model": model}
    return render(request, "policies/modelportfolios/form.html", context, status=status)

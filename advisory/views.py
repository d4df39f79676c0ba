"""Firm administration (users, invitations) and personal settings (API tokens)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from advisory.api_errors import DomainError
from advisory.forms import ApiTokenForm, FirmSettingsForm, InviteForm
from advisory.http import AuthenticatedHttpRequest
from advisory.models import ApiToken, Membership, Role, User
from advisory.services import (
    firm_settings_update,
    invitation_resend,
    invitation_tokens,
    user_invite,
    user_set_active,
)
from advisory.tokens import api_token_create, api_token_revoke
from portfolios.access import can_manage_firm, firm_id_of
from portfolios.models import Household

ROLE_ORDER: dict[str, int] = {Role.ADMIN: 0, Role.ADVISOR: 1, Role.OPERATIONS: 2, Role.CLIENT: 3}


def _admin_firm_id(request: AuthenticatedHttpRequest) -> int:
    firm_id = firm_id_of(request.user)
    if firm_id is None or not can_manage_firm(request.user):
        raise PermissionDenied("Only firm admins manage users.")
    return firm_id


def _site_url(request: AuthenticatedHttpRequest) -> str:
    return request.build_absolute_uri("/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A path no route matches: the product's 404 page, or the API's JSON error under /api/."""
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, with the request id a user can quote to support."""
    from django.template import loader

    template = loader.get_template("500.html")
    body = template.render({"request_id": getattr(request, "request_id", "")})
    return HttpResponse(body, status=500)


@login_required
def firm_users(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The firm's users with their roles; admins invite new ones here."""
    firm_id = _admin_firm_id(request)
    form = InviteForm(request.POST or None, firm_id=firm_id)
    if request.method == "POST" and form.is_valid():
        if form.belongs_elsewhere:
            # The same answer as a sent invitation (see InviteForm.clean_email).
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("firm_users")
        try:
            user = user_invite(
                firm=request.user.membership.firm,
                invitation=form.invitation(),
                invited_by=request.user,
                site_url=_site_url(request),
            )
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Invitation sent to {user.email}.")
            return redirect("firm_users")
    members = sorted(
        Membership.objects.filter(firm_id=firm_id).select_related(
            "user", "user__client_link__household"
        ),
        key=lambda m: (ROLE_ORDER.get(m.role, 9), m.user.last_name, m.user.email),
    )
    primary_counts: dict[int, int] = dict(
        Household.objects.filter(firm_id=firm_id, primary_advisor__isnull=False)
        .values_list("primary_advisor")
        .annotate(n=Count("id"))
        .values_list("primary_advisor", "n")
    )
    for member in members:
        member.primary_count = primary_counts.get(member.user_id, 0)  # type: ignore[attr-defined]
    context: dict[str, Any] = {"form": form, "members": members}
    return render(request, "advisory/firm_users.html", context, status=400 if form.errors else 200)


def _firm_member(request: AuthenticatedHttpRequest, pk: int) -> User:
    firm_id = _admin_firm_id(request)
    return get_object_or_404(
        User.objects.select_related("membership"), pk=pk, membership__firm_id=firm_id
    )


@login_required
@require_POST
def firm_user_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Deactivate (``active=0``) or reactivate (``active=1``) a user of the firm."""
    user = _firm_member(request, pk)
    active = request.POST.get("active") == "1"
    try:
        user_set_active(user=user, active=active, by=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        verb = "reactivated" if active else "deactivated"
        messages.success(request, f"{user.display_name} {verb}.")
    return redirect("firm_users")


@login_required
@require_POST
def firm_user_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = _firm_member(request, pk)
    try:
        invitation_resend(user=user, invited_by=request.user, site_url=_site_url(request))
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"A new invitation was sent to {user.email}.")
    return redirect("firm_users")


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """An invited user chooses a password through the emailed link, then is signed in."""

    template_name = "account/invitation_accept.html"
    token_generator = invitation_tokens
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        # A deactivated user's old invitation must not sign them in.
        return user if user is not None and user.is_active else None

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Welcome! Your password is set.")
        return response


@login_required
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own API tokens; a new key is shown once, in the response that creates it."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _, new_key = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_in=form.lifetime(),
            )
            form = ApiTokenForm()
        else:
            status = 400
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
    }
    response = render(request, "advisory/api_tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may carry a key
    return response


@login_required
@require_POST
def api_token_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api_tokens")


HISTORY_ROWS = 200


def _history_entry(model: Any, label: str, event: Any) -> dict[str, Any]:
    """One audit event with the fields it changed (before -> after)."""
    columns = [f.attname for f in model._meta.concrete_fields if not f.name.startswith("pgh_")]
    after = {name: getattr(event, name) for name in columns}
    before = (
        model._default_manager.filter(pgh_obj_id=event.pgh_obj_id, pgh_id__lt=event.pgh_id)
        .order_by("-pgh_id")
        .values(*columns)
        .first()
        if event.pgh_label != "insert"
        else None
    )
    changed = sorted(
        key for key in set(after) | set(before or {}) if (before or {}).get(key) != after.get(key)
    )
    metadata = event.pgh_context.metadata if event.pgh_context else {}
    return {
        "when": event.pgh_created_at,
        "model": label,
        "object": event.pgh_obj_id,
        "action": event.pgh_label,
        "user": metadata.get("user"),
        "url": metadata.get("url", ""),
        "changes": [(key, (before or {}).get(key), after.get(key)) for key in changed],
    }


@login_required
def firm_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The firm's audit history (firm admins): who changed what, when, before and after.

    Read-only: the event tables are written by PostgreSQL triggers only. Filters:
    ``?model=portfolios.Lot``, ``?object=<id>``, ``?user=<id>``.
    """
    from django.db import connection

    from advisory.history import FIRM_PATHS, event_model

    firm_id = _admin_firm_id(request)
    chosen = request.GET.get("model", "")
    object_id = request.GET.get("object", "")
    user_id = request.GET.get("user", "")
    events: list[dict[str, Any]] = []
    for label, path in FIRM_PATHS.items():
        if chosen and chosen != label:
            continue
        model: Any = event_model(label)
        rows = model._default_manager.filter(**{f"{path}_id": firm_id}).select_related(
            "pgh_context"
        )
        if object_id.isdigit():
            rows = rows.filter(pgh_obj_id=int(object_id))
        if user_id.isdigit():
            rows = rows.filter(pgh_context__metadata__user=int(user_id))
        events += [
            _history_entry(model, label, event)
            for event in rows.order_by("-pgh_created_at", "-pgh_id")[:HISTORY_ROWS]
        ]
    events.sort(key=lambda e: e["when"], reverse=True)
    users = {
        m.user_id: m.user.display_name
        for m in Membership.objects.filter(firm_id=firm_id).select_related("user")
    }
    for entry in events:
        entry["who"] = users.get(entry["user"], "system" if entry["user"] is None else "—")
    page: dict[str, Any] = {
        "events": events[:HISTORY_ROWS],
        "models": sorted(FIRM_PATHS),
        "chosen": chosen,
        "object_id": object_id,
        "user_id": user_id,
        "users": sorted(users.items(), key=lambda item: item[1]),
        "recorded": connection.vendor == "postgresql",
    }
    return render(request, "advisory/firm_history.html", page)


@login_required
def firm_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Firm admins set four eyes, who releases orders, and the proposal defaults."""
    _admin_firm_id(request)
    firm = request.user.membership.firm
    form = FirmSettingsForm(request.POST or None, instance=firm)
    if request.method == "POST" and form.is_valid():
        firm_settings_update(
            firm=firm,
            changes={
                "four_eyes": form.cleaned_data["four_eyes"],
                "advisors_release_orders": form.cleaned_data["advisors_release_orders"],
                "proposal_defaults": {
                    name: form.cleaned_data[f"default_{name}"]
                    for name in ("min_trade", "allow_short_term", "whole_shares")
                },
            },
        )
        messages.success(request, "Firm settings saved.")
        return redirect("firm_settings")
    status = 400 if form.errors else 200
    return render(request, "advisory/firm_settings.html", {"form": form}, status=status)

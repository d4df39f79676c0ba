"""Sign-in hardening: session timeouts and MFA for firm staff.

- ``SessionTimeoutMiddleware`` ends a session after ``SESSION_IDLE_TIMEOUT`` seconds
  without a request, and ``SESSION_ABSOLUTE_TIMEOUT`` seconds after sign-in.
- ``StaffMfaRequiredMiddleware``: a signed-in user whose role is in
  ``MFA_REQUIRED_ROLES`` (admin, advisor, operations) and who has no TOTP
  authenticator is sent to set one up; nothing else is served to them (the API
  answers 403) until they have. Clients may add one; they are not made to.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

SESSION_STARTED = "advisory.session_started"
SESSION_LAST_SEEN = "advisory.session_last_seen"
# Where a staff member without MFA may still go: setting it up, signing out, static files.
MFA_SETUP_PATHS = ("/accounts/", "/static/", "/healthz")


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            last_seen = request.session.get(SESSION_LAST_SEEN)
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - float(started) > settings.SESSION_ABSOLUTE_TIMEOUT or (
                last_seen is not None and now - float(last_seen) > settings.SESSION_IDLE_TIMEOUT
            ):
                logout(request)
                return redirect_to_login(request)
            # A session write on every request would be costly; once a minute is enough.
            if last_seen is None or now - float(last_seen) > 60:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def redirect_to_login(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Your session has expired.", "code": "session_expired"}, status=401
        )
    from django.contrib.auth.views import redirect_to_login as django_redirect

    return django_redirect(request.get_full_path())


def mfa_required(user: object) -> bool:
    """Whether ``user`` must have a TOTP authenticator before using the product."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return bool(getattr(user, "is_superuser", False)) and bool(settings.MFA_REQUIRED_ROLES)
    return membership.role in settings.MFA_REQUIRED_ROLES


def has_totp(user: object) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_SETUP_PATHS)
            # API tokens are issued to users who already passed MFA on the pages.
            and not request.headers.get("Authorization", "").startswith("Token ")
            and mfa_required(user)
            and not has_totp(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Set up two-factor authentication first.", "code": "mfa_required"},
                    status=403,
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.httpkit import get_client_ip
from django.http import HttpRequest


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: firm admins invite advisors, staff and clients."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed sign-ins count per (account, client address), never per account alone.

        allauth's "key" limit would otherwise let anyone lock the real user out by
        typing wrong passwords for their email from elsewhere. The per-address limit
        (``ACCOUNT_RATE_LIMITS["login_failed"]``'s ``ip`` part) still bounds guessing
        across accounts from one address.
        """
        account_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account_key}@{get_client_ip(request) or 'unknown'}"

"""API tokens: random keys shown once, stored as SHA-256 digests, revocable and expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, exceptions

from advisory.models import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request

    from advisory.models import User

KEY_PREFIX = "adv_"
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, expires_in: timedelta | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the key (shown once, never stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    lifetime = settings.API_TOKEN_DEFAULT_EXPIRY if expires_in is None else expires_in
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API token",
        prefix=key[:12],
        digest=digest_of(key),
        expires_at=timezone.now() + lifetime if lifetime else None,
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>``."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = header[1].decode()
        except UnicodeError as bad:
            raise exceptions.AuthenticationFailed("Invalid token.") from bad
        self._refuse_if_guessing(request)
        try:
            return self._user_for(key)
        except exceptions.AuthenticationFailed:
            self._count_failure(request)
            raise

    @staticmethod
    def _failure_key(request: Request) -> str:
        from allauth.core.internal.httpkit import get_client_ip

        return f"token-auth-failures:{get_client_ip(request) or 'unknown'}"

    def _refuse_if_guessing(self, request: Request) -> None:
        """At most ``TOKEN_AUTH_FAILURES_PER_MINUTE`` wrong tokens a minute from one address."""
        failures = cache.get(self._failure_key(request), 0)
        if failures >= settings.TOKEN_AUTH_FAILURES_PER_MINUTE:
            raise exceptions.Throttled(wait=60, detail="Too many invalid tokens; try later.")

    def _count_failure(self, request: Request) -> None:
        key = self._failure_key(request)
        if cache.add(key, 1, timeout=60):
            return
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=60)

    def _user_for(self, key: str) -> tuple[Any, ApiToken]:
        token = (
            ApiToken.objects.select_related("user", "user__membership")
            .filter(digest=digest_of(key))
            .first()
        )
        now = timezone.now()
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("Token has expired.")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword

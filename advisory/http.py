"""Request types for code that only runs for a signed-in user.

Views behind ``login_required`` and DRF views behind ``IsAuthenticated`` see a
``User`` on ``request.user``, never ``AnonymousUser``; annotating the request
with these types says so to mypy, so the access helpers can take ``User``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    from advisory.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A page request of a signed-in user (``login_required`` or the firm middleware)."""

    user: User


class AuthenticatedRequest(Request):
    """An API request of an authenticated user (session or token)."""

    user: User

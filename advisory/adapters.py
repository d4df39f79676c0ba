from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: firm admins invite advisors, staff and clients."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

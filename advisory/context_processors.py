from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portfolios.access import can_release_orders, membership_of


def membership(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's firm membership, for navigation and role checks in templates."""
    user = getattr(request, "user", None)
    found = membership_of(user) if user is not None and user.is_authenticated else None
    return {
        "membership": found,
        "role": found.role if found else None,
        "can_release_orders": bool(found) and can_release_orders(user),  # type: ignore[arg-type]
    }

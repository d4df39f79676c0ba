"""The one household-row lock every write that must serialise per household takes first."""

from __future__ import annotations

from portfolios.models import Household


def lock_household(household_id: int) -> Household:
    """Lock the household's row until the surrounding transaction ends, and return it.

    IPS versions, saved location plans and proposal execution all take it first, so
    two writers of one household queue behind each other instead of interleaving.
    Call it inside ``transaction.atomic``.
    """
    return Household.objects.select_for_update().get(pk=household_id)

"""The engine's inputs for an asset-location plan, built from the household's rows.

The snapshot is ``household_snapshot`` on ``as_of``; the IPS cash reserve is taken
out of free cash (taxable accounts first, ``ips_reserve_by_account``), as drift and
proposals do, so the plan never places it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from advisory.engine.drift import ips_reserve_by_account
from advisory.engine.location import household_location_inputs
from advisory.engine.types import CASH_CLASS, AccountInfo, HouseholdSnapshot
from portfolios.models import Household
from portfolios.snapshots import household_snapshot


def location_inputs(
    *, household: Household, as_of: date, cash_reserve: Decimal
) -> tuple[
    HouseholdSnapshot, dict[int, Decimal], dict[tuple[int, str], Decimal], dict[int, Decimal]
]:
    """The snapshot, each account's value, the dollars per (account, class) held now, and
    the reserve set aside per account; a constant number of queries."""
    snapshot = household_snapshot(household=household, as_of=as_of)
    values, current = household_location_inputs(snapshot)
    set_aside = _set_aside_reserve(snapshot.accounts, values, current, cash_reserve)
    return snapshot, values, current, set_aside


def _set_aside_reserve(
    accounts: Sequence[AccountInfo],
    values: dict[int, Decimal],
    current: dict[tuple[int, str], Decimal],
    reserve: Decimal,
) -> dict[int, Decimal]:
    """Take the IPS cash reserve out of free cash (``ips_reserve_by_account``), in place.

    Returns the dollars set aside per account.
    """
    set_aside = ips_reserve_by_account(accounts, reserve)
    for account_id, taken in set_aside.items():
        key = (account_id, CASH_CLASS)
        current[key] -= taken
        if not current[key]:
            del current[key]
        values[account_id] -= taken
    return set_aside

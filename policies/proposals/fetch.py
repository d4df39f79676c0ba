"""Engine inputs of a proposal, built from the household's rows (as Saleor's checkout/fetch.py).

Decisions (docs/DOMAIN-DECISIONS.md): the snapshot is ``household_snapshot`` on
``as_of`` with the request's overrides of this year's realised gains and the
carry-forwards; the IPS cash reserve is set aside from free cash, taxable accounts
first, as the drift page and asset location do; ``location="plan"`` follows the
household's current saved location plan and refuses an account it has no place for.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from advisory.api_errors import DomainError
from advisory.engine.drift import ips_reserve_by_account
from advisory.engine.money import ZERO
from advisory.engine.types import HouseholdSnapshot
from policies.location.selectors import current_location_plan_targets
from policies.modelportfolios.models import ModelBuyChoice
from policies.models import InvestmentPolicy, PolicyStatus
from policies.proposals.request import (
    TAX_OVERRIDES,
    ProposalRequest,
    RequestFacts,
    StandingRestrictions,
    request_facts_many,
    standing_restrictions_many,
)
from policies.proposals.selectors import book_fingerprint, book_fingerprints
from policies.selectors import NO_ACTIVE_POLICY, NoActivePolicyError, active_policies_many
from portfolios.models import Household
from portfolios.snapshots import household_snapshot, household_snapshots

if TYPE_CHECKING:
    pass


class NoLocationPlanError(DomainError):
    code = "no_location_plan"


class IncompleteLocationPlanError(DomainError):
    code = "location_plan_incomplete"


def _set_aside_ips_reserve(snapshot: HouseholdSnapshot, reserve: Decimal) -> HouseholdSnapshot:
    """The IPS cash reserve added to the reserves of the accounts that keep it."""
    set_aside = ips_reserve_by_account(snapshot.accounts, reserve)
    if not set_aside:
        return snapshot
    accounts = tuple(
        replace(a, cash_reserve=a.cash_reserve + set_aside[a.id]) if a.id in set_aside else a
        for a in snapshot.accounts
    )
    return replace(snapshot, accounts=accounts)


@dataclass(frozen=True)
class ProposalInputs:
    """The rows a proposal of one household on ``as_of`` reads, read ahead for many at once.

    A rebalance run reads them for a whole chunk (``proposal_inputs_many``) in the
    order a single proposal reads them: the request's facts, the active IPS, the
    book's fingerprint, then the snapshot (so a change racing the run makes the
    proposal stale rather than wrong), the standing restrictions and the buy lists.
    ``snapshot`` is as read: the request's overrides and the IPS reserve are applied
    by ``engine_snapshot``.
    """

    as_of: date
    facts: RequestFacts
    policy: InvestmentPolicy | None
    fingerprint: str
    snapshot: HouseholdSnapshot
    standing: StandingRestrictions
    buy_lists: dict[str, tuple[int, ...]]

    def policy_required(self) -> InvestmentPolicy:
        """The active IPS, or ``NoActivePolicyError`` (400) as ``active_policy_required``."""
        if self.policy is None:
            raise NoActivePolicyError(NO_ACTIVE_POLICY)
        return self.policy


def proposal_inputs_many(households: Sequence[Household], as_of: date) -> dict[int, ProposalInputs]:
    """``ProposalInputs`` of many households on ``as_of``, in a constant number of queries."""
    if not households:
        return {}
    ids = [h.pk for h in households]
    facts = request_facts_many(households)
    policies = active_policies_many(ids)
    prints = book_fingerprints({(pk, as_of) for pk in ids})
    snapshots = household_snapshots(households=households, as_of=as_of)
    standing = standing_restrictions_many(ids)
    buy_lists = model_buy_lists_many(ids)
    return {
        pk: ProposalInputs(
            as_of=as_of,
            facts=facts[pk],
            policy=policies.get(pk),
            fingerprint=prints[pk, as_of],
            snapshot=snapshots[pk],
            standing=standing[pk],
            buy_lists=buy_lists[pk],
        )
        for pk in ids
    }


def engine_snapshot(
    *,
    household: Household,
    request: ProposalRequest,
    policy: InvestmentPolicy,
    as_of: date,
    inputs: ProposalInputs | None = None,
) -> tuple[str, HouseholdSnapshot]:
    """The book's fingerprint (taken first) and the engine's snapshot with the overrides.

    ``inputs``: the fingerprint and snapshot read ahead (``proposal_inputs_many``).
    """
    if inputs is not None and inputs.as_of == as_of:
        fingerprint, snapshot = inputs.fingerprint, inputs.snapshot
    else:
        fingerprint = book_fingerprint(household=household, as_of=as_of)
        snapshot = household_snapshot(household=household, as_of=as_of)
    overrides = {n: getattr(request, n) for n in TAX_OVERRIDES if getattr(request, n) is not None}
    if overrides:
        snapshot = replace(snapshot, tax=replace(snapshot.tax, **overrides))
    return fingerprint, _set_aside_ips_reserve(snapshot, policy.cash_reserve)


def model_buy_lists(household: Household | int) -> dict[str, tuple[int, ...]]:
    """Class code -> the buy list (security ids, preferred first) of the model the
    household's active IPS follows; empty without one (one query)."""
    household_id = household if isinstance(household, int) else household.pk
    return model_buy_lists_many([household_id])[household_id]


def model_buy_lists_many(household_ids: Collection[int]) -> dict[int, dict[str, tuple[int, ...]]]:
    """``model_buy_lists`` of many households (one query however many)."""
    rows = (
        ModelBuyChoice.objects.filter(
            model__policies__household_id__in=household_ids,
            model__policies__status=PolicyStatus.ACTIVE,
        )
        .order_by("asset_class_id", "rank")
        .values_list("model__policies__household_id", "asset_class__code", "security_id")
    )
    lists: dict[int, dict[str, list[int]]] = {pk: {} for pk in household_ids}
    for household_id, code, security_id in rows:
        lists[household_id].setdefault(code, []).append(security_id)
    return {
        pk: {code: tuple(ids) for code, ids in by_code.items()} for pk, by_code in lists.items()
    }


def plan_targets(
    household: Household, snapshot: HouseholdSnapshot, cash_flows: Mapping[int, Decimal]
) -> Mapping[tuple[int, str], Decimal]:
    targets = current_location_plan_targets(household)
    if targets is None:
        raise NoLocationPlanError(
            "This household has no saved asset-location plan: save one, or ask for "
            'location "household".'
        )
    planned = {account_id for (account_id, _), amount in targets.items() if amount > 0}
    missing = []
    for account in snapshot.accounts:
        holds = any(lot.account_id == account.id for lot in snapshot.lots)
        free = account.cash + cash_flows.get(account.id, ZERO) - account.cash_reserve
        if account.id not in planned and (holds or free > 0):
            missing.append(account.name)
    if missing:
        raise IncompleteLocationPlanError(
            f"The saved asset-location plan has no place for {', '.join(sorted(missing))}: "
            'save a new plan, or ask for location "household".',
            field_errors={"location": ["The saved location plan does not cover every account."]},
        )
    return targets

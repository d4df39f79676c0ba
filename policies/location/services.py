"""Asset location for a household: compute a plan, save it, read the current one.

``location_plan_compute`` reads the household (``portfolios.snapshots``) and its
active IPS, and asks ``advisory.engine.location`` where each class should sit.
``location_plan_save`` stores a computed plan as the household's current plan,
retiring the previous one in the same transaction. Rebalancing with
``location="plan"`` reads ``current_location_plan_targets``.

Money the IPS keeps as a cash reserve is not placed, as drift leaves it out of
the allocation: it is set aside from free cash, taxable accounts first (where a
reserve earns least shelter), and the plan places the rest. A plan's amounts
therefore add up to each account's value less its own reserve and any IPS
reserve set aside in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from advisory.api_errors import ConflictError, DomainError
from advisory.engine.location import (
    BindingConstraint,
    ClassExplanation,
    LocationOptions,
    plan_asset_location,
)
from advisory.engine.location import LocationPlan as LocationAnswer
from advisory.engine.money import CENT, ZERO
from advisory.engine.types import AccountInfo
from policies.location.fetch import location_inputs
from policies.location.models import LocationPlacement, SavedLocationPlan
from policies.models import InvestmentPolicy, PolicyStatus
from policies.selectors import (
    active_policy_required,
    policy_targets_of,
)
from portfolios.locks import lock_household
from portfolios.models import AssetClass, Household
from portfolios.selectors import firm_class_names

if TYPE_CHECKING:
    from advisory.models import User


class InfeasiblePlanError(DomainError):
    """Only a plan that fits is saved (400)."""

    code = "infeasible_plan"


@dataclass(frozen=True)
class PlacementRow:
    """One account and class: what the plan recommends and what is held now (dollars)."""

    account_id: int
    account_name: str
    asset_class: str
    amount: Decimal  # recommended
    current_amount: Decimal  # held now (lots at market; free cash in cash)


@dataclass(frozen=True)
class LocationResult:
    """A computed plan with what it was computed from (nothing saved yet).

    ``plan`` is the engine's answer; ``current`` the allocatable dollars held
    now by (account id, class code); ``reserve_set_aside`` the IPS cash
    reserve kept out of each account's cash.
    """

    household_id: int
    as_of: date
    policy: InvestmentPolicy
    options: LocationOptions  # as used: the horizon filled in from the IPS when not given
    plan: LocationAnswer
    accounts: tuple[AccountInfo, ...]
    current: Mapping[tuple[int, str], Decimal]
    class_names: Mapping[str, str]
    reserve_set_aside: Mapping[int, Decimal]

    def class_codes(self) -> list[str]:
        """Classes in the plan or held now, in the firm's order."""
        used = set(self.policy_targets()) | {code for _, code in self.current}
        order = {code: index for index, code in enumerate(self.class_names)}
        return sorted(used, key=lambda code: (order.get(code, len(order)), code))

    def policy_targets(self) -> dict[str, Decimal]:
        return {t.asset_class.code: t.weight for t in self.policy.targets.all()}

    def rows(self) -> list[PlacementRow]:
        """Every (account, class) the plan fills or the household holds now (none if infeasible)."""
        if not self.plan.feasible:
            return []
        planned = {(p.account_id, p.asset_class): p.amount for p in self.plan.placements}
        rows = []
        for account in self.accounts:
            for code in self.class_codes():
                amount = planned.get((account.id, code), ZERO.quantize(CENT))
                held = self.current.get((account.id, code), ZERO).quantize(CENT)
                if amount or held:
                    rows.append(PlacementRow(account.id, account.name, code, amount, held))
        return rows


# --- compute ---------------------------------------------------------------------------------


def location_plan_compute(
    *, household: Household, as_of: date, options: LocationOptions | None = None
) -> LocationResult:
    """Where each class should sit to maximise after-tax value at the horizon.

    ``options``: horizon in years (None: the active IPS's), ``pre_tax`` or
    ``after_tax`` basis, churn penalty in basis points of terminal value per
    dollar moved; the firm's class names are filled in for the sentences.
    Raises ``NoActivePolicyError`` without an active IPS. A household no plan
    fits is not an error: ``result.plan.feasible`` is False and
    ``result.plan.binding`` says why. A constant number of queries.
    """
    policy = active_policy_required(household)
    targets = policy_targets_of(policy)
    class_names = firm_class_names(household.firm_id)
    options = options or LocationOptions()
    horizon = targets.horizon_years if options.horizon_years is None else options.horizon_years
    options = replace(
        options, horizon_years=horizon, class_names=options.class_names or class_names
    )
    snapshot, values, current, set_aside = location_inputs(
        household=household, as_of=as_of, cash_reserve=policy.cash_reserve
    )
    try:
        answer = plan_asset_location(
            snapshot.accounts,
            values,
            targets.targets,
            snapshot.asset_classes,
            snapshot.tax,
            options,
            current,
        )
    except ValueError as wrong:
        # The book of record should never allow this (rates, weights); say so rather than 500.
        raise DomainError(f"The household cannot be planned: {wrong}.") from wrong
    return LocationResult(
        household_id=household.pk,
        as_of=as_of,
        policy=policy,
        options=options,
        plan=answer,
        accounts=snapshot.accounts,
        current=current,
        class_names=class_names,
        reserve_set_aside=set_aside,
    )


# --- save ------------------------------------------------------------------------------------


def explanation_json(answer: LocationAnswer) -> dict[str, Any]:
    """What the client reads, as JSON (decimal strings): summary, explanations, binding."""
    return {
        "summary": answer.summary,
        "explanations": [_class_explanation_json(e) for e in answer.explanations],
        "binding": [binding_json(b) for b in answer.binding],
    }


def _class_explanation_json(explanation: ClassExplanation) -> dict[str, Any]:
    return {
        "asset_class": explanation.asset_class,
        "taxable_drag": str(explanation.taxable_drag),
        "placed_in": list(explanation.placed_in),
        "reason": explanation.reason,
    }


def binding_json(constraint: BindingConstraint) -> dict[str, Any]:
    return {
        "kind": constraint.kind,
        "message": constraint.message,
        "amount": str(constraint.amount),
        "account": constraint.account_id,
        "asset_class": constraint.asset_class,
    }


@transaction.atomic
def location_plan_save(
    *, household: Household, user: User | None, result: LocationResult
) -> SavedLocationPlan:
    """Store a computed plan as the household's current location plan.

    Atomic and serialised on the household row: the previous current plan is
    retired (kept, ``is_current`` False). An infeasible plan raises
    ``InfeasiblePlanError`` (nothing saved); a plan computed under an IPS
    version that is no longer active raises ``ConflictError`` (409).
    """
    answer = result.plan
    if not answer.feasible:
        reason = answer.binding[0].message if answer.binding else answer.summary
        raise InfeasiblePlanError(f"No placement fits, so there is no plan to save. {reason}")
    lock_household(household.pk)
    still_active = InvestmentPolicy.objects.filter(
        pk=result.policy.pk, status=PolicyStatus.ACTIVE
    ).exists()
    if not still_active:
        raise ConflictError("The IPS changed while the plan was computed: compute it again.")
    SavedLocationPlan.objects.filter(household=household, is_current=True).update(is_current=False)
    plan = SavedLocationPlan.objects.create(
        household=household,
        created_by=user,
        as_of=result.as_of,
        policy=result.policy,
        basis=answer.basis.value,
        horizon_years=answer.horizon_years,
        churn_penalty_bp=result.options.churn_penalty_bp,
        objective=answer.objective,
        baseline_objective=answer.baseline_objective,
        uplift_dollars=answer.uplift_dollars,
        uplift_bp=answer.uplift_bp,
        dollars_moved=answer.dollars_moved,
        is_current=True,
        explanation=explanation_json(answer),
    )
    class_ids = dict(AssetClass.objects.filter(firm_id=household.firm_id).values_list("code", "pk"))
    LocationPlacement.objects.bulk_create(
        LocationPlacement(
            plan=plan,
            account_id=placement.account_id,
            asset_class_id=class_ids[placement.asset_class],
            amount=placement.amount,
        )
        for placement in answer.placements
    )
    return plan


# --- read ------------------------------------------------------------------------------------

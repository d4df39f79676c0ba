"""The client's plan page: their active IPS in plain words (no bands, no codes).

Reads the active version through ``policies.selectors`` and says it with
``policies.portal.words``; the household has already been found through
``portfolios.access`` by the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from advisory.lib.charts import class_color
from advisory.models import User
from policies.models import InvestmentPolicy
from policies.portal.words import (
    acknowledgement_sentence,
    percent_words,
    rebalancing_rule,
    risk_sentence,
)
from policies.selectors import active_policy_get, risk_profile_of, target_rows
from portfolios.models import Household


@dataclass(frozen=True)
class PlanTarget:
    """One kind of investment in the target mix: its name, share, and a 100-wide bar."""

    name: str
    percent: str
    color: str
    width: float


@dataclass(frozen=True)
class ClientPlan:
    policy: InvestmentPolicy
    targets: list[PlanTarget]
    rule: str
    risk: str
    rationale: str
    acknowledgement: str
    acknowledged_at: datetime | None


def _my_acknowledgement(policy: InvestmentPolicy, user: User) -> datetime | None:
    mine = policy.acknowledgements.filter(user=user).order_by("acknowledged_at").first()
    return timezone.localtime(mine.acknowledged_at) if mine else None


def client_plan(*, user: User, household: Household) -> ClientPlan | None:
    """The household's active plan as the client reads it; None when there is none yet."""
    policy = active_policy_get(household=household)
    if policy is None:
        return None
    rows = sorted(target_rows(policy=policy), key=lambda row: -row.weight)
    acknowledged_at = _my_acknowledgement(policy, user)
    return ClientPlan(
        policy=policy,
        targets=[
            PlanTarget(
                name=row.name,
                percent=percent_words(row.weight),
                color=class_color(row.code),
                width=round(float(row.weight) * 100, 2),
            )
            for row in rows
            if row.weight > 0
        ],
        rule=rebalancing_rule(policy.method, policy.frequency),
        risk=risk_sentence(risk_profile_of(policy).governing_profile, policy.horizon_years),
        rationale=policy.rationale,
        acknowledgement=acknowledgement_sentence(acknowledged_at),
        acknowledged_at=acknowledged_at,
    )

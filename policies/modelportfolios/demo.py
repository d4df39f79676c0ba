"""The demo's model portfolio: one per demo firm, followed and changed once (``seed_models``).

Each firm gets "Balanced growth" (45% US equity, 20% international, 20% US bonds, 5%
real estate, 10% cash; bands ±5 points or 25% of the target) with a buy list of the
demo's funds: per class a preferred fund and a substitute that tracks another index
(so a harvest may switch to it without a wash sale). The first three households of
the firm (by id) move their active IPS onto the model, the second with overrides (more
cash, fewer bonds, for a year of spending). Then the investment committee moves five
points from US to international equity (version 2): every follower gets a draft, the
first household's is activated, the other two wait on the dashboard's "Model changes
to activate". Idempotent: a firm that has any model gets none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from policies.drift import drift_scan
from policies.modelportfolios.following import followed_draft
from policies.modelportfolios.models import ModelPortfolio
from policies.modelportfolios.services import (
    BuyListDraft,
    ModelDraft,
    model_create,
    model_update,
)
from policies.models import InvestmentPolicy, PolicyStatus
from policies.services import (
    Following,
    OverrideDraft,
    PolicyDraft,
    TargetDraft,
    policy_activate,
    policy_create,
)
from portfolios.models import Household, Security
from portfolios.selectors import firm_class_names

MODEL_NAME = "Balanced growth"
TARGETS: Mapping[str, Decimal] = {
    "us_equity": Decimal("0.45"),
    "intl_equity": Decimal("0.20"),
    "us_bonds": Decimal("0.20"),
    "real_estate": Decimal("0.05"),
    "cash": Decimal("0.10"),
}
# Version 2: five points from US to international equity.
CHANGED_TARGETS: Mapping[str, Decimal] = {
    **TARGETS,
    "us_equity": Decimal("0.40"),
    "intl_equity": Decimal("0.25"),
}
ABS_BAND = Decimal("0.05")
REL_BAND = Decimal("0.25")
# Per class: the preferred fund, then a substitute tracking another index (the demo's
# substitute groups: VTI and SCHB, VXUS and IXUS, BND and IUSB are not identical).
BUY_LIST: Mapping[str, tuple[str, ...]] = {
    "us_equity": ("VTI", "SCHB"),
    "intl_equity": ("VXUS", "IXUS"),
    "us_bonds": ("BND", "IUSB"),
    "real_estate": ("VNQ", "SCHH"),
    "cash": ("SGOV", "BIL"),
}
FOLLOWERS_PER_FIRM = 3
# The second follower's overrides: both still sum to 100% after the change.
OVERRIDES = (
    OverrideDraft(
        rationale="A year of spending kept in cash for the house purchase.",
        asset_class="cash",
        weight=Decimal("0.15"),
    ),
    OverrideDraft(
        rationale="Bonds lowered to fund the larger cash reserve.",
        asset_class="us_bonds",
        weight=Decimal("0.15"),
    ),
)
CHANGE_NOTE = "Investment committee: five points from US to international equity."


@dataclass(frozen=True)
class ModelSeedReport:
    models: int
    followers: int
    drafts_waiting: int


def _model_draft(firm_id: int, targets: Mapping[str, Decimal]) -> ModelDraft:
    symbols = [s for choices in BUY_LIST.values() for s in choices]
    ids = dict(
        Security.objects.filter(firm_id=firm_id, symbol__in=symbols).values_list("symbol", "pk")
    )
    buy_list = tuple(
        BuyListDraft(code, ids[first], tuple(ids[s] for s in rest))
        for code, (first, *rest) in BUY_LIST.items()
    )
    return ModelDraft(
        name=MODEL_NAME,
        targets=tuple(TargetDraft(code, weight) for code, weight in targets.items()),
        abs_band=ABS_BAND,
        rel_band=REL_BAND,
        buy_list=buy_list,
    )


def _follow(
    model: ModelPortfolio, household: Household, overrides: tuple[OverrideDraft, ...], as_of: date
) -> InvestmentPolicy:
    """A new active version of ``household`` following ``model``, its own fields kept."""
    active = InvestmentPolicy.objects.get(household=household, status=PolicyStatus.ACTIVE)
    own = PolicyDraft(
        targets=(),
        rationale=f"Moved to the firm's {model.name} model.",
        horizon_years=active.horizon_years,
        cash_reserve=active.cash_reserve,
        questionnaire_answers=active.questionnaire_answers or {},
        effective_date=as_of - timedelta(days=14),
    )
    return policy_create(
        household=household,
        author=household.primary_advisor,
        draft=followed_draft(model, own, overrides),
        today=as_of,
        queue_work=False,
        following=Following(model, overrides),
    )


def _seed_firm(firm_id: int, households: list[Household], as_of: date) -> ModelSeedReport:
    followers = households[:FOLLOWERS_PER_FIRM]
    author = followers[0].primary_advisor
    created = model_create(firm_id=firm_id, user=author, draft=_model_draft(firm_id, TARGETS))
    model = ModelPortfolio.objects.prefetch_related("targets__asset_class").get(pk=created.pk)
    for index, household in enumerate(followers):
        _follow(model, household, OVERRIDES if index == 1 else (), as_of)
    change = model_update(
        model=model, user=author, draft=_model_draft(firm_id, CHANGED_TARGETS), note=CHANGE_NOTE
    )
    first = next(d for d in change.drafts if d.household_id == followers[0].pk)
    policy_activate(policy=first, user=author, today=as_of, queue_work=False)
    return ModelSeedReport(1, len(followers), len(change.drafts) - 1)


def _has_the_market(firm_id: int) -> bool:
    """Whether the firm has the model's classes and funds (the demo's firms do)."""
    symbols = {s for choices in BUY_LIST.values() for s in choices}
    held = Security.objects.filter(firm_id=firm_id, symbol__in=symbols)
    return set(TARGETS) <= set(firm_class_names(firm_id)) and held.count() == len(symbols)


@transaction.atomic
def seed_models(*, households: Iterable[Household], as_of: date) -> ModelSeedReport:
    """Give each firm of ``households`` without a model the demo's model (see the module).

    Run after ``policies.demo.seed_policies`` (the followers need an active IPS); the
    followers' drift is scanned again, for the proposals to read.
    """
    by_firm: dict[int, list[Household]] = {}
    for household in sorted(households, key=lambda h: h.pk):
        by_firm.setdefault(household.firm_id, []).append(household)
    having = set(
        ModelPortfolio.objects.filter(firm_id__in=by_firm).values_list("firm_id", flat=True)
    )
    totals = ModelSeedReport(0, 0, 0)
    for firm_id, firm_households in by_firm.items():
        if firm_id in having or not _has_the_market(firm_id):
            continue
        seeded = _seed_firm(firm_id, firm_households, as_of)
        totals = replace(
            totals,
            models=totals.models + seeded.models,
            followers=totals.followers + seeded.followers,
            drafts_waiting=totals.drafts_waiting + seeded.drafts_waiting,
        )
        followers = firm_households[:FOLLOWERS_PER_FIRM]
        drift_scan(as_of=as_of, household_ids=[h.pk for h in followers])
    return totals

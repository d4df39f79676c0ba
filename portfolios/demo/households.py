"""A firm's demo households: people, tax profile, accounts, lots and recent activity.

Each household follows a life stage (``profiles.STAGES``, in turn) that fixes
its accounts, ages, wealth range, tax bracket and allocation profile. The
i-th household depends only on the firm's seed and i (one numpy Generator per
household), so a smaller demo is a prefix of the full one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from advisory.engine.money import ZERO
from portfolios.demo.activity import add_recent_activity, realize_sales, realized_this_year
from portfolios.demo.holdings import fund_account
from portfolios.demo.market import DEMO_SECURITIES, DemoSecurity, MarketHistory
from portfolios.demo.plans import (
    AccountDraft,
    HouseholdPlan,
    MarketView,
    PersonPlan,
    cents,
    chance,
    pick,
)
from portfolios.demo.profiles import (
    ALLOCATIONS,
    EMPLOYERS,
    FIRST_NAMES,
    FOUR_OH_ONE_K_PROVIDERS,
    HSA_PROVIDERS,
    STAGES,
    SURNAMES,
    TAX_BRACKETS,
    LifeStage,
)

HIGH_BRACKET = Decimal("0.32")  # from here municipal bonds beat taxable bonds in a brokerage


def plan_households(
    firm_seed: int,
    count: int,
    history: MarketHistory,
    custodians: Sequence[str],
    securities: Sequence[DemoSecurity] = DEMO_SECURITIES,
) -> tuple[HouseholdPlan, ...]:
    """``count`` households of one firm, valued at the history's last closes."""
    market = MarketView.of(history, securities)
    order = np.random.default_rng([firm_seed, 0]).permutation(len(SURNAMES))
    plans = []
    for i in range(count):
        surname = SURNAMES[int(order[i % len(SURNAMES)])]
        if i >= len(SURNAMES):  # more households than names: double-barrel the rest
            surname = f"{surname}-{SURNAMES[int(order[i // len(SURNAMES) - 1])]}"
        rng = np.random.default_rng([firm_seed, i + 1])
        plans.append(_plan_household(i, surname, rng, market, custodians))
    return tuple(plans)


def _plan_household(
    index: int,
    surname: str,
    rng: np.random.Generator,
    market: MarketView,
    custodians: Sequence[str],
) -> HouseholdPlan:
    stage = STAGES[index % len(STAGES)]
    people = _plan_people(rng, stage, surname)
    size = float(rng.random())  # where the household sits in its stage's wealth range
    low, high = stage.wealth
    value = low * (high / low) ** size
    tax = TAX_BRACKETS[stage.tax_brackets[int(size * len(stage.tax_brackets))]]
    weights = _household_weights(rng, stage, high_bracket=tax.t_ord >= HIGH_BRACKET)
    shares = rng.dirichlet([20 * share for _, _, share in stage.accounts])
    # One employer plan per working person: their 401(k) and Roth 401(k) sit side by side.
    plans = [_employer_plan(rng) for _ in people]
    drafts = []
    for (account_type, owner, _), share in zip(stage.accounts, shares, strict=True):
        draft = _open_account(rng, account_type, owner, people, custodians, plans)
        fund_account(rng, market, draft, value * float(share), weights)
        drafts.append(draft)
    birth_years = [person.date_of_birth.year for person in people]
    add_recent_activity(rng, market, drafts, working=stage.working, birth_years=birth_years)
    realized_st, realized_lt, carry_st, carry_lt = _tax_year(rng, index, value, market, drafts)
    couple = len(people) > 1
    return HouseholdPlan(
        name=f"{surname} Family" if couple else f"{people[0].first_name} {surname}",
        stage=stage.name,
        people=people,
        filing_status=pick(rng, stage.filing_statuses),
        t_ord=tax.t_ord,
        t_ltcg=tax.t_ltcg,
        t_ret=tax.t_ret,
        realized_st_ytd=realized_st,
        realized_lt_ytd=realized_lt,
        carryforward_st=carry_st,
        carryforward_lt=carry_lt,
        advisor=index % 2,
        with_teammate=index % 3 == 2,
        notes=f"{stage.note} Tax bracket: {tax.label}.",
        accounts=tuple(draft.freeze() for draft in drafts),
    )


def _tax_year(
    rng: np.random.Generator,
    index: int,
    value: float,
    market: MarketView,
    drafts: Sequence[AccountDraft],
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Short- and long-term gains realised this year, and the losses carried forward."""
    realized_st, realized_lt = realized_this_year(
        realize_sales(rng, market, drafts), market.as_of.year
    )
    if market.as_of.month > 2 and chance(rng, 0.25):  # gains realised earlier in the year
        realized_lt += cents(round(value * float(rng.uniform(0.002, 0.01)), -2))
    carry_st, carry_lt = ZERO, ZERO
    if index % 5 == 4:  # a few households carry losses forward from a bad year
        carry_lt = cents(round(value * float(rng.uniform(0.005, 0.03)), -2))
        carry_st = cents(round(value * float(rng.uniform(0.0, 0.01)), -2))
    return realized_st, realized_lt, carry_st, carry_lt


def _plan_people(
    rng: np.random.Generator, stage: LifeStage, surname: str
) -> tuple[PersonPlan, ...]:
    first_born = int(rng.integers(stage.born[0], stage.born[1] + 1))
    first = _person(rng, surname, first_born, pick(rng, ("f", "m")))
    if not stage.couple:
        return (first,)
    spouse_born = min(1995, max(1950, first_born + int(rng.integers(-4, 5))))
    spouse_sex = "m" if first.first_name in FIRST_NAMES["f"] else "f"
    return (first, _person(rng, surname, spouse_born, spouse_sex))


def _person(rng: np.random.Generator, surname: str, year: int, sex: str) -> PersonPlan:
    born = date(year, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
    return PersonPlan(pick(rng, FIRST_NAMES[sex]), surname, born)


def _household_weights(
    rng: np.random.Generator, stage: LifeStage, *, high_bracket: bool
) -> dict[str, float]:
    """Class weights of the household's profile; the crypto sleeve split 65/25/10 (a barbell)."""
    weights = dict(ALLOCATIONS[pick(rng, stage.allocations)])
    crypto = weights.pop("crypto")
    if chance(rng, stage.crypto_adoption):
        weights["crypto_large"] = 0.65 * crypto
        weights["crypto_balanced"] = 0.25 * crypto
        weights["crypto_growth"] = 0.10 * crypto
    else:
        weights["us_equity"] += crypto
    if high_bracket:  # municipal bonds end up in the taxable accounts only
        weights["muni_bonds"] = 0.6 * weights["us_bonds"]
        weights["us_bonds"] *= 0.4
    return weights


def _open_account(
    rng: np.random.Generator,
    account_type: str,
    owner: int | None,
    people: Sequence[PersonPlan],
    custodians: Sequence[str],
    employer_plans: Sequence[tuple[str, str, tuple[str, ...]]],
) -> AccountDraft:
    holder = f"{people[owner].first_name}'s " if owner is not None else ""
    custodian = pick(rng, custodians)
    menu: tuple[str, ...] = ()
    if account_type in ("traditional_401k", "roth_401k"):
        employer, custodian, menu = employer_plans[owner or 0]
        label = "401(k)" if account_type == "traditional_401k" else "Roth 401(k)"
        name = f"{holder}{label} ({employer})"
    elif account_type == "hsa":
        name, custodian = f"{holder}HSA", pick(rng, HSA_PROVIDERS)
    elif account_type == "taxable":
        name = "Joint brokerage" if owner is None else f"{holder}brokerage"
    else:
        label = "Traditional IRA" if account_type == "traditional_ira" else "Roth IRA"
        name = f"{holder}{label}"
    last4 = f"{int(rng.integers(10_000)):04d}"
    return AccountDraft(name, account_type, owner, custodian, last4, menu)


def _employer_plan(rng: np.random.Generator) -> tuple[str, str, tuple[str, ...]]:
    """Employer, record keeper and fund menu of a 401(k) plan.

    A plan menu has no municipal bonds, commodities or crypto; some offer a REIT fund.
    """
    menu: tuple[str, ...] = ("us_equity", "intl_equity", "us_bonds", "cash")
    if chance(rng, 0.3):
        menu = (*menu, "real_estate")
    return pick(rng, EMPLOYERS), pick(rng, FOUR_OH_ONE_K_PROVIDERS), menu

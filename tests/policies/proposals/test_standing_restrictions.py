"""Standing restrictions and held-away accounts hold in every proposal kind.

A property test over random households (seeded, so a failure replays): lots in
a taxable account, an IRA and a held-away account, a do-not-trade and a
do-not-buy security on the record, random targets. Rebalances, harvests and
implementation-plan tranches never trade the held-away or restricted account,
never trade the do-not-trade security and never buy the do-not-buy one; every
proposal lists the restrictions in its notes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from policies.proposals.models import Proposal, ProposalKind
from policies.proposals.plans import (
    NothingToImplementError,
    create_due_tranche_proposals,
    implementation_plan_create,
)
from policies.proposals.request import ProposalRequest
from policies.proposals.services import proposal_create
from policies.services import TargetDraft
from portfolios.models import Account, AccountType, Lot, Restriction, RestrictionKind
from tests.conftest import World
from tests.factories import AccountFactory, LotFactory, SecurityFactory
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 26)


def _random_household(world: World, rng: random.Random) -> dict[str, Any]:
    household = world.household
    Lot.objects.filter(account__household=household).delete()
    taxable = household.accounts.get(name="Joint brokerage")
    ira = household.accounts.get(name="Ann IRA")
    held_away = AccountFactory(
        household=household,
        name="Old 401(k) at another firm",
        account_type=AccountType.TRADITIONAL_401K,
        cash=Decimal(rng.randrange(0, 5000)),
        held_away=True,
    )
    frozen = AccountFactory(
        household=household, name="Custodial", account_type=AccountType.TAXABLE, cash=Decimal(900)
    )
    securities = dict(world.securities)
    securities["SCHB"] = SecurityFactory(
        firm=world.firm,
        symbol="SCHB",
        asset_class=world.classes["us_equity"],
        substitute_group="us_broad_2",
        price=Decimal("60"),
    )
    securities["AGG"] = SecurityFactory(
        firm=world.firm,
        symbol="AGG",
        asset_class=world.classes["us_bonds"],
        substitute_group="us_agg_2",
        price=Decimal("98"),
    )
    for account in (taxable, ira, held_away, frozen):
        for _ in range(rng.randrange(2, 6)):
            security = securities[rng.choice(sorted(securities))]
            qty = Decimal(rng.randrange(5, 120))
            basis_per_share = security.price * Decimal(rng.randrange(50, 160)) / 100
            LotFactory(
                account=account,
                security=security,
                quantity=qty,
                cost_basis=(qty * basis_per_share).quantize(Decimal("0.01")),
                acquired_on=AS_OF - timedelta(days=rng.randrange(40, 2000)),
            )
    no_trade, no_buy = rng.sample(["VTI", "ITOT", "VXUS", "BND", "SCHB", "AGG"], 2)
    owner = world.user("owner")
    Restriction.objects.create(
        household=household,
        security=securities[no_trade],
        kind=RestrictionKind.DO_NOT_TRADE,
        reason="Concentrated position the client keeps",
        created_by=owner,
    )
    Restriction.objects.create(
        household=household,
        security=securities[no_buy],
        kind=RestrictionKind.DO_NOT_BUY,
        reason="ESG screen",
        created_by=owner,
    )
    Restriction.objects.create(
        household=household,
        account=frozen,
        kind=RestrictionKind.DO_NOT_TRADE,
        reason="Custodial account under review",
        created_by=owner,
    )
    weights = [Decimal(rng.randrange(1, 10)) for _ in range(4)]
    total = sum(weights)
    shares = [(w / total).quantize(Decimal("0.01")) for w in weights[:3]]
    shares.append(Decimal(1) - sum(shares))
    make_policy(
        world,
        targets=tuple(
            TargetDraft(code, share)
            for code, share in zip(
                ("us_equity", "intl_equity", "us_bonds", "cash"), shares, strict=True
            )
        ),
    )
    return {
        "untouchable": {held_away.pk, frozen.pk},
        "no_trade": securities[no_trade].pk,
        "no_buy": securities[no_buy].pk,
        "names": (held_away.name, frozen.name, no_trade, no_buy),
    }


def _assert_restrictions_hold(proposal: Proposal, facts: dict[str, Any]) -> None:
    for trade in proposal.trades.all():
        assert trade.account_id not in facts["untouchable"], trade
        assert trade.security_id != facts["no_trade"], trade
        if trade.side == "buy":
            assert trade.security_id != facts["no_buy"], trade
    notes = " ".join(proposal.notes)
    for name in facts["names"]:
        assert name in notes


@pytest.mark.parametrize("seed", range(8))
def test_restrictions_and_held_away_accounts_hold_in_every_proposal_kind(
    world: World, seed: int
) -> None:
    rng = random.Random(seed)
    facts = _random_household(world, rng)
    owner = world.user("owner")

    rebalance = proposal_create(
        household=world.household,
        user=owner,
        request=ProposalRequest(as_of=AS_OF, mode=rng.choice(["target", "band"])),  # type: ignore[arg-type]
    )
    harvest = proposal_create(
        household=world.household,
        user=owner,
        request=ProposalRequest(kind=ProposalKind.HARVEST, as_of=AS_OF),
    )
    proposals = [rebalance, harvest]
    try:
        implementation_plan_create(
            household=world.household,
            user=owner,
            months=3,
            start=AS_OF,
            request=ProposalRequest(as_of=AS_OF),
        )
    except NothingToImplementError:
        pass  # a household already at its targets (within what it may trade) has no plan
    else:
        create_due_tranche_proposals(as_of=AS_OF, household_ids=[world.household.pk])
        proposals.extend(Proposal.objects.filter(kind=ProposalKind.TRANCHE))

    for proposal in proposals:
        _assert_restrictions_hold(proposal, facts)
    assert Account.objects.filter(pk__in=facts["untouchable"]).count() == 2


def test_a_cash_flow_into_a_held_away_account_is_refused(world: World, api_as: Any) -> None:
    make_policy(world)
    away = AccountFactory(household=world.household, name="Away", held_away=True)

    response = api_as("owner").post(
        f"/api/v1/households/{world.household.pk}/proposals/",
        {"as_of": AS_OF.isoformat(), "cash_flows": [{"account": away.pk, "amount": "1000"}]},
        format="json",
    )

    assert response.status_code == 400
    assert "held away" in str(response.json())

"""Review figures from the book: RMDs, contribution room, stress, correlations, returns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from policies.reviews.figures import (
    household_contribution_room,
    household_returns,
    household_rmds,
    household_stress,
)
from portfolios.models import Account, AccountType, Household, TransactionKind
from tests.api.conftest import API, assert_field_error
from tests.conftest import CAN_VIEW, PERSONAS, World
from tests.factories import (
    AccountFactory,
    LotFactory,
    PersonFactory,
    PricePointFactory,
    TransactionFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _retiree(world: World, **account: Any) -> Account:
    person = PersonFactory(
        household=world.household,
        first_name="Bo",
        last_name="Smith",
        date_of_birth=date(1951, 6, 1),
    )
    return AccountFactory(
        household=world.household,
        owner=person,
        name="Bo IRA",
        account_type=AccountType.TRADITIONAL_IRA,
        **account,
    )


def test_rmd_uses_the_custodians_figure_and_subtracts_this_years_withdrawals(world: World) -> None:
    # 100,000 on 31 Dec 2025 at 75 -> 4,065.04; 1,000 taken in 2026 leaves 3,065.04
    ira = _retiree(world, prior_year_end_value=D("100000"), prior_year_end_date=date(2025, 12, 31))
    TransactionFactory(
        account=ira, kind=TransactionKind.WITHDRAWAL, amount=D("-1000"), trade_date=date(2026, 3, 2)
    )
    [row] = household_rmds(household=world.household, year=2026, as_of=date(2026, 11, 30))
    assert row.account == ira
    assert row.custodian_figure
    assert (row.rmd.age, row.rmd.divisor, row.rmd.amount) == (75, D("24.6"), D("4065.04"))
    assert (row.rmd.distributed, row.rmd.remaining) == (D("1000"), D("3065.04"))


def test_rmd_without_a_custodian_figure_values_the_lots_at_that_days_prices(world: World) -> None:
    # 300 BND closing at 70 on 31 Dec 2025 = 21,000, plus cash then: 1,000 today less the
    # -500 withdrawn since = 1,500 -> 22,500 / 24.6 = 914.634... -> 914.63; 414.63 remains
    ira = _retiree(world, cash=D("1000"))
    LotFactory(
        account=ira,
        security=world.securities["BND"],
        quantity=D("300"),
        acquired_on=date(2021, 2, 10),
    )
    PricePointFactory(security=world.securities["BND"], date=date(2025, 12, 31), close=D("70"))
    PricePointFactory(security=world.securities["BND"], date=date(2026, 11, 25), close=D("72"))
    TransactionFactory(
        account=ira, kind=TransactionKind.WITHDRAWAL, amount=D("-500"), trade_date=date(2026, 2, 2)
    )
    [row] = household_rmds(household=world.household, year=2026, as_of=date(2026, 11, 30))
    assert not row.custodian_figure
    assert row.rmd.prior_year_end_value == D("22500.00")
    assert (row.rmd.amount, row.rmd.remaining) == (D("914.63"), D("414.63"))


def test_no_rmd_for_a_roth_or_before_the_start_age(world: World) -> None:
    # world's Ann (born 1962) reaches 75 in 2037; Bo's Roth never has one
    person = PersonFactory(household=world.household, date_of_birth=date(1940, 1, 1))
    AccountFactory(household=world.household, owner=person, account_type=AccountType.ROTH_IRA)
    assert household_rmds(household=world.household, year=2026, as_of=date(2026, 11, 30)) == []


def test_contribution_room_from_the_years_deposits(world: World) -> None:
    # Ann (born 1962) is 64 in 2026: IRA 7,500 + 1,100; 3,000 deposited leaves 5,600
    ira = Account.objects.get(name="Ann IRA")
    TransactionFactory(
        account=ira, kind=TransactionKind.DEPOSIT, amount=D("3000"), trade_date=date(2026, 4, 1)
    )
    TransactionFactory(
        account=ira, kind=TransactionKind.DEPOSIT, amount=D("9999"), trade_date=date(2025, 4, 1)
    )
    [row] = household_contribution_room(household=world.household, year=2026)
    assert row.group == "ira"
    assert (row.room.limit.base, row.room.limit.catch_up) == (D("7500"), D("1100"))
    assert (row.room.contributed, row.room.remaining) == (D("3000"), D("5600"))


def test_stress_on_the_households_values(world: World) -> None:
    # 25,000 US equity, 12,000 intl equity, 21,600 bonds (duration 6), 6,000 cash = 64,600
    world.classes["us_bonds"].duration = D("6")
    world.classes["us_bonds"].save()
    crypto, equities, rates = household_stress(household=world.household, as_of=date(2026, 11, 30))
    assert crypto.impact == D("0")
    assert equities.impact == D("-11100.00")  # 30% of 37,000
    assert equities.impact_pct == D("-0.171827")  # -11,100 / 64,600
    assert rates.impact == D("-2592.00")  # 12% of 21,600


def test_returns_from_lots_and_prices(world: World) -> None:
    # A household whose only holding arrived in kind on 2 Jan (100 sh at 100) and
    # closes at 110 on 31 Mar: +10% since inception, time- and money-weighted.
    household = Household.objects.create(firm=world.firm, name="Lone")
    account = AccountFactory(household=household, cash=D("0"))
    security = world.securities["VXUS"]
    LotFactory(account=account, security=security, quantity=D("100"), acquired_on=date(2026, 1, 2))
    PricePointFactory(security=security, date=date(2026, 1, 2), close=D("100"))
    PricePointFactory(security=security, date=date(2026, 3, 31), close=D("110"))
    result = household_returns(household=household, as_of=date(2026, 3, 31))
    inception = result.periods[-1]
    assert inception.window.start == date(2026, 1, 2)
    assert (inception.twr, inception.mwr) == (D("0.1"), D("0.1"))


ENDPOINTS = [
    ("get", "rmds/?year=2026"),
    ("get", "contribution-room/?year=2026"),
    ("post", "stress/"),
    ("get", "correlations/"),
    ("get", "returns/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world: World, api_as: Any, persona: str, method: str, path: str) -> None:
    response = (
        getattr(api_as(persona), method)(
            f"{API}/households/{world.household.pk}/{path}", {}, format="json"
        )
        if method == "post"
        else api_as(persona).get(f"{API}/households/{world.household.pk}/{path}")
    )
    if persona == "anonymous":
        assert response.status_code == 401
    elif persona in CAN_VIEW:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 404


@time_machine.travel(date(2026, 11, 30))
def test_bad_inputs_are_400s_on_the_field(world: World, api_as: Any) -> None:
    base = f"{API}/households/{world.household.pk}"
    owner = api_as("owner")
    assert_field_error(owner.get(f"{base}/rmds/?year=2019"), "year")
    assert_field_error(owner.get(f"{base}/contribution-room/?year=soon"), "year")
    assert_field_error(
        owner.post(f"{base}/stress/", {"shocks": {"us_equity": "-1.5"}}, format="json"), "shocks"
    )
    assert_field_error(
        owner.post(f"{base}/stress/", {"shocks": {"gold": "-0.1"}}, format="json"), "shocks"
    )
    assert_field_error(
        owner.post(f"{base}/stress/", {"rate_shock": "lots"}, format="json"), "rate_shock"
    )
    assert_field_error(owner.get(f"{base}/correlations/?as_of=today"), "as_of")


@time_machine.travel(date(2026, 11, 30))
def test_stress_api_returns_the_advisors_scenario(world: World, api_as: Any) -> None:
    response = api_as("client").post(
        f"{API}/households/{world.household.pk}/stress/",
        {"shocks": {"us_equity": "-0.10"}},
        format="json",
    )
    assert response.status_code == 200
    own = response.json()["scenarios"][-1]
    assert own["name"] == "Advisor's scenario"
    assert own["impact"] == "-2500.00"  # 10% of 25,000


@time_machine.travel(date(2026, 11, 30))
def test_figures_endpoints_use_a_constant_number_of_queries(
    world: World, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    ira = Account.objects.get(name="Ann IRA")
    for n in range(20):
        LotFactory(account=ira, security=world.securities["BND"], acquired_on=date(2024, 1, n + 1))
        TransactionFactory(account=ira, trade_date=date(2026, 1, n + 1))
    owner = api_as("owner")
    base = f"{API}/households/{world.household.pk}"
    for path in ("rmds/?year=2026", "contribution-room/?year=2026", "returns/", "correlations/"):
        with django_assert_max_num_queries(14):
            assert owner.get(f"{base}/{path}").status_code == 200

"""portfolios.snapshots.household_summary: values, unrealised gains by term, allocation.

The world (tests/conftest.py), priced VTI 250, VXUS 60, BND 72:
- Joint brokerage (taxable, cash 5,000): 100 VTI bought 2020-01-15 for 15,000;
  200 VXUS bought 2026-06-01 for 13,000.
- Ann IRA (traditional, cash 1,000): 300 BND bought 2021-02-10 for 23,000.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portfolios.models import Account, AccountType
from portfolios.snapshots import household_summary
from tests.conftest import World
from tests.factories import AccountFactory, LotFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 25)


def test_values_and_unrealised_gains_by_term(world: World) -> None:
    summary = household_summary(household=world.household, as_of=AS_OF)
    # 100 x 250 + 200 x 60 + 300 x 72 + cash 5,000 + 1,000
    # = 25,000 + 12,000 + 21,600 + 6,000 = 64,600
    assert summary.total_value == Decimal("64600")
    assert summary.cash_total == Decimal("6000")
    # Short-term: VXUS held under a year, 12,000 - 13,000 = -1,000.
    assert summary.unrealized_st == Decimal("-1000")
    # Long-term: VTI 25,000 - 15,000 = +10,000; BND 21,600 - 23,000 = -1,400; sum 8,600.
    assert summary.unrealized_lt == Decimal("8600")
    by_name = {a.account.name: a for a in summary.accounts}
    assert by_name["Joint brokerage"].market_value == Decimal("42000")  # 25,000 + 12,000 + 5,000
    assert by_name["Joint brokerage"].unrealized_st == Decimal("-1000")
    assert by_name["Joint brokerage"].unrealized_lt == Decimal("10000")
    assert by_name["Ann IRA"].market_value == Decimal("22600")  # 21,600 + 1,000
    assert by_name["Ann IRA"].unrealized_lt == Decimal("-1400")


def test_allocation_weights_by_class_sum_to_one(world: World) -> None:
    summary = household_summary(household=world.household, as_of=AS_OF)
    weights = {s.code: s.weight for s in summary.allocation}
    assert set(weights) == {"us_equity", "intl_equity", "us_bonds", "cash"}
    # 25,000 / 64,600 = 0.38700; 12,000 / 64,600 = 0.18576; 21,600 / 64,600 = 0.33437;
    # 6,000 / 64,600 = 0.09288
    assert weights["us_equity"].quantize(Decimal("0.00001")) == Decimal("0.38700")
    assert weights["intl_equity"].quantize(Decimal("0.00001")) == Decimal("0.18576")
    assert weights["us_bonds"].quantize(Decimal("0.00001")) == Decimal("0.33437")
    assert weights["cash"].quantize(Decimal("0.00001")) == Decimal("0.09288")
    assert abs(sum(weights.values()) - 1) < Decimal("1e-20")
    # Classes come in the firm's order (sort_order), cash included.
    assert [s.code for s in summary.allocation] == ["us_equity", "intl_equity", "us_bonds", "cash"]


def test_each_account_allocation_sums_to_one(world: World) -> None:
    summary = household_summary(household=world.household, as_of=AS_OF)
    for account in summary.accounts:
        assert abs(sum(s.weight for s in account.allocation) - 1) < Decimal("1e-20")


@pytest.mark.parametrize(
    ("as_of", "long_term"),
    [
        # Bought 2025-06-15: the holding period starts the next day, so a sale on
        # 2026-06-15 is short-term and one on 2026-06-16 long-term (docs/DOMAIN.md).
        (date(2026, 6, 14), False),
        (date(2026, 6, 15), False),
        (date(2026, 6, 16), True),
    ],
)
def test_the_one_year_boundary(world: World, as_of: date, long_term: bool) -> None:
    account = AccountFactory(
        household=world.household, name="Boundary", account_type=AccountType.TAXABLE, cash=0
    )
    # 10 x 250 = 2,500 against a basis of 2,000: a 500 gain.
    LotFactory(
        account=account,
        security=world.securities["VTI"],
        quantity=Decimal("10"),
        cost_basis=Decimal("2000"),
        acquired_on=date(2025, 6, 15),
    )
    summary = household_summary(household=world.household, as_of=as_of)
    boundary = next(a for a in summary.accounts if a.account.name == "Boundary")
    assert boundary.holdings[0].long_term is long_term
    assert boundary.unrealized_lt == (Decimal("500") if long_term else 0)
    assert boundary.unrealized_st == (0 if long_term else Decimal("500"))


def test_an_empty_household_has_zero_weights_not_an_error(world: World) -> None:
    summary = household_summary(household=world.other_household, as_of=AS_OF)
    assert summary.total_value > 0
    Account.objects.filter(household=world.other_household).delete()
    empty = household_summary(household=world.other_household, as_of=AS_OF)
    assert empty.total_value == 0
    assert empty.allocation == []
    assert empty.accounts == []


def test_query_count_does_not_grow_with_accounts_and_lots(
    world: World, django_assert_num_queries: object
) -> None:
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            household_summary(household=world.household, as_of=AS_OF)
        return len(captured)

    small = count()
    for n in range(6):
        account = AccountFactory(household=world.household, name=f"Extra {n}")
        account.allowed_asset_classes.add(world.classes["us_equity"])
        for _ in range(5):
            LotFactory(account=account, security=world.securities["ITOT"])
    assert count() == small
    assert small <= 4

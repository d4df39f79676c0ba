"""Query counts of every list endpoint are pinned and do not grow with the rows listed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisory.tokens import api_token_create
from portfolios.models import Account, PricePoint
from tests.api.conftest import url
from tests.conftest import World
from tests.factories import (
    AccountFactory,
    AssetClassFactory,
    HouseholdFactory,
    LotFactory,
    PersonFactory,
    PricePointFactory,
    SecurityFactory,
    TransactionFactory,
)

pytestmark = pytest.mark.django_db

# The persona's membership is already loaded; a list is COUNT + page (+ one prefetch).
MAX_QUERIES = {
    "asset-classes": 2,
    "securities": 2,  # asset class joined
    "households": 3,  # + team members; total value is a subquery of the page query
    "people": 2,
    "accounts": 3,  # + allowed asset classes; market value is a subquery
    "lots": 2,  # security joined
    "transactions": 2,
    "tokens": 2,
    "securities/{VTI}/prices": 3,  # + the security
}


def _taxable(world: World) -> Account:
    return world.household.accounts.get(name="Joint brokerage")


def _households(world: World, n: int) -> None:
    for _ in range(n):
        household = HouseholdFactory(firm=world.firm, primary_advisor=world.user("owner"))
        household.team_members.add(world.user("teammate"))
        LotFactory(account=AccountFactory(household=household), security=world.securities["VTI"])


def _accounts(world: World, n: int) -> None:
    for _ in range(n):
        account = AccountFactory(household=world.household)
        account.allowed_asset_classes.add(world.classes["us_equity"], world.classes["us_bonds"])
        LotFactory(account=account, security=world.securities["VTI"])


def _prices(world: World, n: int) -> None:
    start = PricePoint.objects.count()
    for i in range(start, start + n):
        PricePointFactory(security=world.securities["VTI"], date=date(2020, 1, 1) + timedelta(i))


def _asset_classes(world: World, n: int) -> None:
    for _ in range(n):
        AssetClassFactory(firm=world.firm)


def _securities(world: World, n: int) -> None:
    for _ in range(n):
        SecurityFactory(firm=world.firm, asset_class=world.classes["cash"])


def _people(world: World, n: int) -> None:
    for _ in range(n):
        PersonFactory(household=world.household)


def _lots(world: World, n: int) -> None:
    for _ in range(n):
        LotFactory(account=_taxable(world), security=world.securities["VTI"])


def _transactions(world: World, n: int) -> None:
    for _ in range(n):
        TransactionFactory(
            account=_taxable(world),
            security=world.securities["VTI"],
            kind="buy",
            quantity=Decimal("1"),
            amount=Decimal("-250"),
        )


def _tokens(world: World, n: int) -> None:
    for i in range(n):
        api_token_create(user=world.user("admin"), name=f"token {i}")


ADD_ROWS: dict[str, Callable[[World, int], None]] = {
    "asset-classes": _asset_classes,
    "securities": _securities,
    "households": _households,
    "people": _people,
    "accounts": _accounts,
    "lots": _lots,
    "transactions": _transactions,
    "tokens": _tokens,
    "securities/{VTI}/prices": _prices,
}


def _path(world: World, resource: str) -> str:
    return url(resource.replace("{VTI}", str(world.securities["VTI"].pk)))


def _count_queries(api: Any, path: str, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path, {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] >= expected_rows
    return len(queries)


@pytest.mark.parametrize("resource", ADD_ROWS)
def test_list_queries_do_not_grow_with_rows(
    world: World, api_as: Any, django_assert_max_num_queries: Any, resource: str
) -> None:
    api = api_as("admin")
    path = _path(world, resource)
    api.get(path)  # loads the persona's membership once, as any earlier request would

    ADD_ROWS[resource](world, 3)
    few = _count_queries(api, path, 3)
    ADD_ROWS[resource](world, 27)
    with django_assert_max_num_queries(MAX_QUERIES[resource]):
        many = _count_queries(api, path, 30)
    assert many == few


def test_token_authenticated_list_costs_a_constant_few_more(world: World) -> None:
    from rest_framework.test import APIClient

    _, key = api_token_create(user=world.user("owner"), name="feed")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    _accounts(world, 3)
    few = _count_queries(api, url("accounts"), 3)
    _accounts(world, 27)
    many = _count_queries(api, url("accounts"), 30)
    # + the token look-up (with user and membership joined) and its last-used stamp.
    assert many <= few <= MAX_QUERIES["accounts"] + 2

"""Query counts pinned: the dashboard and the household page do not grow with rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolios import dashboard
from portfolios.models import AccountType
from tests.conftest import World
from tests.factories import AccountFactory, HouseholdFactory, LotFactory, PersonFactory

pytestmark = pytest.mark.django_db

# Session, user, membership and firm (navigation) are 4; the rest is the page's own:
# dashboard: count, page of households, teams, lots by class, accounts, book total (2),
# the firm's classes (legend); and the engine snapshots of the page's households, in
# bulk, for the harvest a proposal would realise (accounts, lots, menus, owners' classes,
# securities, recent transactions; portfolios.snapshots.household_snapshots);
# household page: access check, household + advisor, accounts, lots, menus, classes,
# people, team (the portal adds the client's link).
DASHBOARD_MAX_QUERIES = 18
# Each registered flag provider (the policies app's drift flags) reads in bulk, a few queries.
QUERIES_PER_FLAG_PROVIDER = 3
# Each registered card provider (the models' drafts to activate) reads its rows, and
# counts them when there are more than the card shows.
QUERIES_PER_CARD_PROVIDER = 2
HOUSEHOLD_PAGE_MAX_QUERIES = 13
# The client portal (policies.portal) reads the summary as the household page does, less the
# team and people, plus the plan sentence (drift report 4, proposals 1), what is coming
# (active IPS, next review, RMD accounts), what waits (the IPS, reviews) and the returns and
# RMD amounts of policies.reviews.figures (value histories rebuilt in bulk): 25 measured.
PORTAL_PAGE_MAX_QUERIES = 25
ACCOUNT_PAGE_MAX_QUERIES = 12


def queries_for(client: Any, url: str, **headers: str) -> int:
    # The session's first request records it (start time, allauth's user session row):
    # sign-in bookkeeping, not the page's own queries.
    client.get("/healthz")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(captured)


def grow_book(world: World, households: int, accounts: int, lots: int) -> None:
    """More households for the owner, each with accounts, lots, people and a teammate."""
    for h in range(households):
        household = HouseholdFactory(
            firm=world.firm, name=f"Grown {h}", primary_advisor=world.user("owner")
        )
        household.team_members.add(world.user("teammate"))
        person = PersonFactory(household=household)
        for a in range(accounts):
            account = AccountFactory(
                household=household,
                owner=person,
                account_type=AccountType.TRADITIONAL_IRA if a % 2 else AccountType.TAXABLE,
            )
            for n in range(lots):
                symbol = ("VTI", "VXUS", "BND")[n % 3]
                LotFactory(account=account, security=world.securities[symbol])


def grow_household(world: World, accounts: int, lots: int) -> None:
    for a in range(accounts):
        account = AccountFactory(household=world.household, name=f"More {a}")
        account.allowed_asset_classes.add(world.classes["us_equity"], world.classes["us_bonds"])
        for n in range(lots):
            symbol = ("VTI", "ITOT", "VXUS", "BND")[n % 4]
            LotFactory(account=account, security=world.securities[symbol])
        PersonFactory(household=world.household)
    world.household.team_members.add(world.user("other_advisor"))


@pytest.mark.parametrize("persona", ["owner", "admin"])
def test_dashboard_queries_do_not_grow_with_households(
    world: World, client_as: Any, persona: str
) -> None:
    client = client_as(persona)
    small = queries_for(client, "/")
    grow_book(world, households=8, accounts=3, lots=4)
    large = queries_for(client, "/")
    assert large == small
    flags, cards = len(dashboard._flag_providers), len(dashboard._card_providers)
    assert large <= (
        DASHBOARD_MAX_QUERIES
        + QUERIES_PER_FLAG_PROVIDER * flags
        + QUERIES_PER_CARD_PROVIDER * cards
    )


def test_dashboard_search_partial_queries_do_not_grow(world: World, client_as: Any) -> None:
    client = client_as("admin")
    small = queries_for(client, "/?q=family", HX_Request="true")
    grow_book(world, households=6, accounts=2, lots=3)
    assert queries_for(client, "/?q=grown", HX_Request="true") == small


@pytest.mark.parametrize("persona", ["owner", "client"])
def test_household_page_queries_do_not_grow_with_accounts_and_lots(
    world: World, client_as: Any, persona: str
) -> None:
    client = client_as(persona)
    url = "/portal/" if persona == "client" else f"/households/{world.household.pk}/"
    small = queries_for(client, url)
    grow_household(world, accounts=5, lots=8)
    large = queries_for(client, url)
    assert large == small
    assert large <= (PORTAL_PAGE_MAX_QUERIES if persona == "client" else HOUSEHOLD_PAGE_MAX_QUERIES)


def test_account_page_queries_do_not_grow_with_lots(world: World, client_as: Any) -> None:
    client = client_as("owner")
    account = AccountFactory(household=world.household, name="Busy")
    url = f"/accounts/{account.pk}/"
    LotFactory(account=account, security=world.securities["VTI"])
    small = queries_for(client, url)
    for n in range(12):
        LotFactory(account=account, security=world.securities[("VTI", "BND", "VXUS")[n % 3]])
    grow_household(world, accounts=3, lots=3)
    large = queries_for(client, url)
    assert large == small
    assert large <= ACCOUNT_PAGE_MAX_QUERIES

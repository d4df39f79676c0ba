"""Shared fixtures: the cast of the access matrix and a household they act on."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from advisory.models import Firm, Role, User
from portfolios.models import AccountType, AssetClass, Household, Security
from tests.factories import (
    AccountFactory,
    AssetClassFactory,
    ClientLinkFactory,
    FirmFactory,
    HouseholdFactory,
    LotFactory,
    PersonFactory,
    SecurityFactory,
    member,
)

# Who may do what to `world.household`: the access matrix every page and endpoint is checked in.
PERSONAS = (
    "owner",  # primary advisor of the household
    "teammate",  # team member of the household
    "other_advisor",  # advisor of the same firm, not on the household
    "foreign_advisor",  # advisor of another firm
    "admin",  # firm admin
    "operations",  # operations staff of the firm
    "client",  # client of the household
    "other_client",  # client of another household of the same firm
    "anonymous",
)
CAN_VIEW = {"owner", "teammate", "admin", "operations", "client"}
CAN_EDIT_BOOK = {"owner", "teammate", "admin", "operations"}
CAN_EDIT_POLICY = {"owner", "teammate", "admin"}


@dataclass
class World:
    firm: Firm
    other_firm: Firm
    household: Household
    other_household: Household
    foreign_household: Household
    users: dict[str, User | None]
    classes: dict[str, AssetClass]
    securities: dict[str, Security]

    def user(self, persona: str) -> User | None:
        return self.users[persona]


def make_classes(firm: Firm) -> dict[str, AssetClass]:
    specs = {
        "us_equity": ("0.07", "0.16", "0.015", "0.95", "0.05", False),
        "intl_equity": ("0.075", "0.18", "0.03", "0.70", "0.05", False),
        "us_bonds": ("0.045", "0.05", "0.045", "0.00", "0.00", False),
        "cash": ("0.03", "0.01", "0.03", "0.00", "0.00", False),
    }
    classes = {}
    for order, (code, (mu, sigma, y, q, rho, exempt)) in enumerate(specs.items()):
        classes[code] = AssetClassFactory(
            firm=firm,
            code=code,
            expected_return=Decimal(mu),
            volatility=Decimal(sigma),
            income_yield=Decimal(y),
            qualified_ratio=Decimal(q),
            turnover=Decimal(rho),
            tax_exempt=exempt,
            sort_order=order,
        )
    return classes


def build_world() -> World:
    firm = FirmFactory(name="Acme Advisors")
    other_firm = FirmFactory(name="Rival Wealth")
    users: dict[str, User | None] = {
        "owner": member(firm, Role.ADVISOR, email="owner@acme.test"),
        "teammate": member(firm, Role.ADVISOR, email="teammate@acme.test"),
        "other_advisor": member(firm, Role.ADVISOR, email="other@acme.test"),
        "foreign_advisor": member(other_firm, Role.ADVISOR, email="advisor@rival.test"),
        "admin": member(firm, Role.ADMIN, email="admin@acme.test"),
        "operations": member(firm, Role.OPERATIONS, email="ops@acme.test"),
        "client": member(firm, Role.CLIENT, email="client@acme.test"),
        "other_client": member(firm, Role.CLIENT, email="client2@acme.test"),
        "anonymous": None,
    }
    household = HouseholdFactory(firm=firm, name="Smith Family", primary_advisor=users["owner"])
    household.team_members.add(users["teammate"])
    other_household = HouseholdFactory(
        firm=firm, name="Jones Family", primary_advisor=users["other_advisor"]
    )
    foreign_household = HouseholdFactory(
        firm=other_firm, name="Foreign Family", primary_advisor=users["foreign_advisor"]
    )
    ClientLinkFactory(user=users["client"], household=household)
    ClientLinkFactory(user=users["other_client"], household=other_household)

    classes = make_classes(firm)
    make_classes(other_firm)
    securities = {
        "VTI": SecurityFactory(
            firm=firm,
            symbol="VTI",
            asset_class=classes["us_equity"],
            substitute_group="us_total_market",
            price=Decimal("250"),
        ),
        "ITOT": SecurityFactory(
            firm=firm,
            symbol="ITOT",
            asset_class=classes["us_equity"],
            substitute_group="us_total_market",
            price=Decimal("110"),
        ),
        "VXUS": SecurityFactory(
            firm=firm,
            symbol="VXUS",
            asset_class=classes["intl_equity"],
            substitute_group="intl_total",
            price=Decimal("60"),
        ),
        "BND": SecurityFactory(
            firm=firm,
            symbol="BND",
            asset_class=classes["us_bonds"],
            substitute_group="us_agg",
            price=Decimal("72"),
        ),
    }
    person = PersonFactory(
        household=household, first_name="Ann", last_name="Smith", date_of_birth=date(1962, 4, 2)
    )
    taxable = AccountFactory(
        household=household,
        owner=person,
        name="Joint brokerage",
        account_type=AccountType.TAXABLE,
        cash=Decimal("5000"),
    )
    ira = AccountFactory(
        household=household,
        owner=person,
        name="Ann IRA",
        account_type=AccountType.TRADITIONAL_IRA,
        cash=Decimal("1000"),
    )
    LotFactory(
        account=taxable,
        security=securities["VTI"],
        quantity=Decimal("100"),
        cost_basis=Decimal("15000"),
        acquired_on=date(2020, 1, 15),
    )
    LotFactory(
        account=taxable,
        security=securities["VXUS"],
        quantity=Decimal("200"),
        cost_basis=Decimal("13000"),
        acquired_on=date(2026, 6, 1),
    )
    LotFactory(
        account=ira,
        security=securities["BND"],
        quantity=Decimal("300"),
        cost_basis=Decimal("23000"),
        acquired_on=date(2021, 2, 10),
    )
    # Rows the cast must never see through another household or firm.
    other_account = AccountFactory(household=other_household, name="Jones brokerage")
    LotFactory(account=other_account, security=securities["VTI"])
    foreign_account = AccountFactory(household=foreign_household, name="Foreign brokerage")
    LotFactory(account=foreign_account)
    return World(
        firm, other_firm, household, other_household, foreign_household, users, classes, securities
    )


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def api_as(world: World) -> Any:
    """``api_as("owner")``: an APIClient authenticated as a persona (or anonymous)."""

    def make(persona: str) -> APIClient:
        client = APIClient()
        user = world.user(persona)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def client_as(world: World, client: Any) -> Any:
    """``client_as("owner")``: the Django test client logged in as a persona."""

    def make(persona: str) -> Any:
        user = world.user(persona)
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture(autouse=True)
def _clean_cache() -> Any:
    # API throttles count requests in the cache, and user ids repeat between tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2's deliberate slowness protects real passwords, not fixtures.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _staff_mfa(request: pytest.FixtureRequest, settings: Any) -> None:
    """Most tests sign personas in with force_login, which skips the MFA step.

    The requirement is switched off for them; tests marked ``mfa`` (tests/security)
    keep the production setting and prove the enforcement.
    """
    if not request.node.get_closest_marker("mfa"):
        settings.MFA_REQUIRED_ROLES = ()


@pytest.fixture(autouse=True)
def _celery_in_process(request: pytest.FixtureRequest) -> Any:
    """Tasks run eagerly in tests, except under the real-worker fixture below."""
    from advisory.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker_on_broker(transactional_db: Any, settings: Any) -> Any:
    """A real Celery worker (in a thread) consuming from the configured broker.

    CI sets CELERY_BROKER_URL to Redis, so tasks make the round trip through
    Redis; locally without a broker the in-memory transport stands in.
    """
    from celery.contrib.testing.worker import start_worker

    from advisory.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL or "memory://"
    app.conf.result_backend = settings.CELERY_RESULT_BACKEND or "cache+memory://"
    # Connection pools made before this point may point at another broker.
    app._pool = None
    app.amqp._producer_pool = None
    app.control.purge()  # start from an empty queue: no task another test left behind
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


_MIGRATION = "policies.migrations.0003_proposals"


@pytest.fixture
def audit_trail_emptied_after(transactional_db: Any) -> Iterator[None]:
    """Let a transactional test's database be emptied although audit rows never are.

    PostgreSQL empties tables with TRUNCATE, which the append-only trigger
    allows; SQLite deletes row by row, which it refuses. So, on SQLite only,
    the trigger is lifted for the clean-up and put back.
    """
    yield
    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module(_MIGRATION)
    with connection.schema_editor() as editor:
        migration.drop_audit_triggers(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {migration.AUDIT_TABLE}")  # noqa: S608 - a constant
    with connection.schema_editor() as editor:
        migration.create_audit_triggers(None, editor)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the tests that must not overlap on one xdist worker each (``--dist loadgroup``).

    Real-worker Celery tests share one broker, so two at once could take each other's
    tasks; browser tests share one Chromium per worker and are timing-sensitive.
    Everything else spreads over the workers.
    """
    for item in items:
        if item.get_closest_marker("celery_worker"):
            item.add_marker(pytest.mark.xdist_group("celery_worker"))
        elif item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session", autouse=True)
def _redis_cache_per_xdist_worker() -> Iterator[None]:
    """Give each xdist worker its own Redis database for the cache.

    Throttle counters live in the cache and ``cache.clear()`` empties a whole Redis
    database, so two workers sharing one would count (and clear) each other's
    requests. Worker ``gwN`` uses database ``base + N``.
    """
    from django.conf import settings
    from django.test import override_settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    cache = settings.CACHES["default"]
    location = str(cache.get("LOCATION", ""))
    if not worker or "redis" not in cache["BACKEND"].lower() or not location:
        yield
        return
    offset = int(worker.removeprefix("gw") or 0)
    base = re.search(r"/(\d+)$", location)
    moved = (
        f"{location[: base.start()]}/{int(base.group(1)) + offset}"
        if base
        else f"{location.rstrip('/')}/{offset}"
    )
    with override_settings(CACHES={"default": {**cache, "LOCATION": moved}}):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Stored import files go to the test's own folder, never the work tree's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"

"""``GET /api/v1/households/`` against a bare DRF list of the same rows.

``run()`` builds, on the project's database engine (``DATABASE_URL``; a
throwaway test database named ``test_advisory_list_bench`` on PostgreSQL),
one firm of 50 households (a full page), each with 3 accounts, 10 lots and 2
team members, and times, as the firm's admin through the whole middleware
stack (Django's test client, forced authentication):

* the product's list (``portfolios.api.HouseholdViewSet``: access scope,
  filters, the total value, team members, the page count);
* a bare ``ListAPIView`` over the same rows: a plain ``ModelSerializer`` of
  the model's own columns, DRF's ``PageNumberPagination``, nothing else.

Each gets the median of ``REQUESTS`` requests, after a warm-up,
the aim is the product within 2x of the bare list.
``python -m benchmarks.api_list`` runs it by hand.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.scratch_db import scratch_database

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_NAME = "test_advisory_list_bench"
CHILD_FLAG = "--child"
HOUSEHOLDS = 50
REQUESTS = 200
AIM = 2.0


def run() -> dict[str, object]:
    """Time both lists in a child process (its own settings and test database); the figures."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "advisory.settings",
        "API_THROTTLE_USER": "1000000/min",  # the benchmark is one user asking fast
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "testserver",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "benchmarks.api_list", CHILD_FLAG],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-5:]}
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --- the child ------------------------------------------------------------------------------


def _populate() -> Any:
    """One firm of HOUSEHOLDS households with accounts, lots and team members; its admin."""
    from datetime import date

    from advisory.models import Firm, Membership, Role, User
    from portfolios.defaults import create_default_asset_classes
    from portfolios.models import Account, Household, Lot, Security

    firm = Firm.objects.create(name="List Benchmark Advisors")
    admin = User.objects.create_user("admin@list.bench", "bench-password")
    Membership.objects.create(user=admin, firm=firm, role=Role.ADMIN)
    advisors = []
    for n in range(3):
        advisor = User.objects.create_user(f"advisor{n}@list.bench", "bench-password")
        Membership.objects.create(user=advisor, firm=firm, role=Role.ADVISOR)
        advisors.append(advisor)
    classes = create_default_asset_classes(firm)
    securities = [
        Security.objects.create(
            firm=firm,
            symbol=f"S{n}",
            name=f"Fund {n}",
            asset_class=classes[n % len(classes)],
            price=Decimal(50 + n),
        )
        for n in range(10)
    ]
    households = Household.objects.bulk_create(
        Household(firm=firm, name=f"Family {n:03}", primary_advisor=advisors[n % 3])
        for n in range(HOUSEHOLDS)
    )
    for n, household in enumerate(households):
        household.team_members.set([advisors[(n + 1) % 3], advisors[(n + 2) % 3]])
    accounts = Account.objects.bulk_create(
        Account(household=h, name=f"Account {k}", account_type="taxable", cash=Decimal(1000))
        for h in households
        for k in range(3)
    )
    Lot.objects.bulk_create(
        Lot(
            account=accounts[i // 10 * 3 + i % 3],
            security=securities[i % 10],
            quantity=Decimal(10 + i % 7),
            cost_basis=Decimal(400 + i % 11),
            acquired_on=date(2020, 1, 1 + i % 28),
        )
        for i in range(HOUSEHOLDS * 10)
    )
    return admin


def _timed_gets(client: Any, url: str) -> dict[str, object]:
    for _ in range(20):  # warm-up: URL resolving, serializers' fields, the session
        first = client.get(url)
    if first.status_code != 200:
        raise RuntimeError(f"{url}: {first.status_code} {first.content[:300]!r}")
    seconds = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(url)
        seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    return {
        "rows": len(first.json()["results"]),
        "ms_median": round(median * 1000, 2),
        "requests_per_second": round(1 / median, 1),
    }


def _child() -> dict[str, object]:
    with scratch_database(TEST_DATABASE_NAME):
        from django.db import connection
        from django.test.utils import override_settings
        from rest_framework.test import APIClient

        admin = _populate()
        client = APIClient()
        client.force_authenticate(admin)
        with override_settings(ROOT_URLCONF="benchmarks.list_urls"):
            product = _timed_gets(client, "/api/v1/households/")
            bare = _timed_gets(client, "/bench/bare-households/")
    ratio = float(product["ms_median"]) / float(bare["ms_median"])  # type: ignore[arg-type]
    return {
        "database": connection.vendor,
        "households": HOUSEHOLDS,
        "households_list": product,
        "bare_drf_list": bare,
        "ratio": round(ratio, 2),
        "within_aim": ratio <= AIM,
    }


if __name__ == "__main__":
    if CHILD_FLAG in sys.argv:
        print(json.dumps(_child(), default=str))
    else:
        print(json.dumps(run(), indent=2, default=str))

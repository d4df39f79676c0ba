"""Two workers split one rebalance run; every household is processed exactly once.

On PostgreSQL with a Redis broker (CI) the workers are two real ``celery worker``
processes started here on the test database. SQLite's in-memory test database can
be shared with neither another process nor (for writes) another thread, so there
the chunks run eagerly in this process and only "exactly once" is checked; the
test never skips.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from policies.proposals.models import AuditAction, AuditEvent, RebalanceRunItem, RunItemStatus
from tests.conftest import World
from tests.policies.proposals.drifted import AS_OF
from tests.policies.proposals.test_runs import _all_equity_household, _policy

# In a process where an in-process Celery worker test ran before, the run's chunks never
# reach these workers (not yet understood); `make test` runs this file in its own process.
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.own_process,
    pytest.mark.django_db(transaction=True),
]

HOUSEHOLDS = 12
WAIT_SECONDS = 120
ROOT = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def two_workers(settings: Any, tmp_path: Path) -> Iterator[str]:
    """Two workers consuming the run's chunks; yields how they run ("processes" or "threads")."""
    from advisory.celery import app

    broker = settings.CELERY_BROKER_URL
    app.conf.task_always_eager = False
    app.conf.broker_url = broker or "memory://"
    app.conf.result_backend = settings.CELERY_RESULT_BACKEND or "cache+memory://"
    app._pool = None
    app.amqp._producer_pool = None
    if connection.vendor == "postgresql" and broker.startswith("redis"):
        # Start from an empty queue: tasks other tests left on the shared broker (for rows of
        # their own databases) must not keep these workers busy.
        app.control.purge()
        env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": broker}
        workers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "advisory",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "--prefetch-multiplier=1",
                    "-n",
                    f"run{n}@%h",
                    "-l",
                    "info",
                ],
                cwd=ROOT,
                env=env,
                stdout=(tmp_path / f"worker{n}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            for n in (1, 2)
        ]
        try:
            yield "processes"
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
        return
    app.conf.task_always_eager = True
    yield "eager"


def test_two_workers_split_one_run_and_process_every_household_once(
    world: World,
    api_as: Any,
    settings: Any,
    audit_trail_emptied_after: None,
    two_workers: str,
) -> None:
    settings.REBALANCE_RUN_CHUNK_SIZE = 1
    households = []
    for n in range(HOUSEHOLDS):
        household = _all_equity_household(world, f"Drifted {n}")
        _policy(world, household, equity="0.5")
        households.append(household.pk)

    response = api_as("owner").post(
        "/api/v1/rebalance-runs/",
        {"selection": "households", "households": households, "as_of": AS_OF.isoformat()},
        format="json",
    )
    assert response.status_code == 202
    run_id = response.json()["id"]
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        body = api_as("owner").get(f"/api/v1/rebalance-runs/{run_id}/").json()
        if body["status"] == "done":
            break
        time.sleep(0.3)

    assert body["status"] == "done", body
    items = RebalanceRunItem.objects.filter(run_id=run_id)
    assert sorted(items.values_list("household_id", flat=True)) == sorted(households)
    assert set(items.values_list("status", flat=True)) == {RunItemStatus.PROPOSED}
    created = AuditEvent.objects.filter(action=AuditAction.CREATED, household_id__in=households)
    assert sorted(created.values_list("household_id", flat=True)) == sorted(households)
    if two_workers == "processes":
        assert len(set(items.values_list("worker", flat=True))) == 2  # both took chunks
    # Each proposal: sell half the $25,000 of VTI (50 sh at $250) to reach 50% cash.
    assert {str(Decimal(q)) for q in _sold(body["proposals"])} == {"50.000000"}


def _sold(proposal_ids: list[int]) -> list[Any]:
    from policies.proposals.models import ProposalTrade

    return list(
        ProposalTrade.objects.filter(proposal_id__in=proposal_ids, side="sell").values_list(
            "quantity", flat=True
        )
    )

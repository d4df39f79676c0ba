"""The proposal API, whole calls: request, read, order file, approve, execute.

``run()`` measures, on the project's database engine (``DATABASE_URL``:
SQLite by default, PostgreSQL in CI), the household of the engine benchmark
(``benchmarks.rebalance_bench``: 10 accounts, 60 securities, 3,000 lots,
seed 7) stored as rows, through the REST API as an advisor calls it:

* ``POST /households/{id}/proposals/`` computed in the request (201), the
  median of three, and the engine's share of it;
* the same request as the API answers it for a household this large: 202 at
  once, then the worker's ``proposal_compute``;
* ``GET /proposals/{id}/``, the household's proposal list, ``orders.csv``;
* ``approve`` and ``execute`` (the execution writes every lot and transaction).

Each figure comes with the number of SQL queries. The work runs in a child
process on a throwaway test database (Django's ``setup_databases``: named
``test_advisory_proposal_bench`` on PostgreSQL, in memory on SQLite), so no
real data is touched and nothing is left behind.
``python -m benchmarks.proposal_api`` runs it by hand.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.scratch_db import scratch_database

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_NAME = "test_advisory_proposal_bench"
SEED = 7
REPEATS = 3
CHILD_FLAG = "--child"


def run() -> dict[str, object]:
    """Time the proposal API on the large household in a child process; the figures."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "advisory.settings"}
    env.pop("CELERY_BROKER_URL", None)  # the worker's part is timed in process
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "benchmarks.proposal_api", CHILD_FLAG],
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


def _timed(call: Callable[[], Any]) -> tuple[Any, float, int]:
    """The call's result, its seconds and its SQL queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries)


def _figure(seconds: list[float], queries: int) -> dict[str, object]:
    return {"seconds_median": round(statistics.median(seconds), 3), "queries": queries}


def _populate() -> tuple[Any, Any]:
    """The engine benchmark's household as rows; (household, advisor)."""
    from advisory.models import Firm, Membership, Role, User
    from benchmarks.rebalance_bench import LARGE, random_household
    from policies.services import PolicyDraft, TargetDraft, policy_create
    from portfolios.defaults import create_default_asset_classes
    from portfolios.models import Account, Household, Lot, Person, Security, Transaction

    accounts, securities, lots = LARGE
    snapshot, policy = random_household(SEED, accounts=accounts, securities=securities, lots=lots)
    firm = Firm.objects.create(name="Benchmark Advisors")
    advisor = User.objects.create_user("advisor@bench.test", "bench-password")
    Membership.objects.create(user=advisor, firm=firm, role=Role.ADVISOR)
    classes = {c.code: c for c in create_default_asset_classes(firm)}
    security_rows = {
        s.id: Security.objects.create(
            firm=firm,
            symbol=s.symbol,
            name=f"{s.symbol} Fund",
            asset_class=classes[s.asset_class],
            substitute_group=s.substitute_group,
            price=s.price,
        )
        for s in snapshot.securities.values()
    }
    tax = snapshot.tax
    household = Household.objects.create(
        firm=firm,
        name="Benchmark Family",
        primary_advisor=advisor,
        t_ord=tax.t_ord,
        t_ltcg=tax.t_ltcg,
        realized_st_ytd=tax.realized_st_ytd,
        realized_lt_ytd=tax.realized_lt_ytd,
        carryforward_lt=tax.carryforward_lt,
    )
    owner = Person.objects.create(household=household, first_name="Pat", last_name="Benchmark")
    account_rows = {}
    for info in snapshot.accounts:
        row = Account.objects.create(
            household=household,
            owner=None if info.account_type == "taxable" else owner,
            name=info.name,
            account_type=info.account_type,
            cash=info.cash,
            cash_reserve=info.cash_reserve,
        )
        row.allowed_asset_classes.set([classes[c] for c in info.allowed_classes])
        account_rows[info.id] = row
    Lot.objects.bulk_create(
        Lot(
            account=account_rows[lot.account_id],
            security=security_rows[lot.security_id],
            quantity=lot.quantity,
            cost_basis=lot.cost_basis,
            acquired_on=lot.acquired_on,
        )
        for lot in snapshot.lots
    )
    Transaction.objects.bulk_create(
        Transaction(
            account=account_rows[t.account_id],
            security=security_rows[t.security_id] if t.security_id else None,
            kind=t.kind,
            trade_date=t.trade_date,
            quantity=t.quantity,
            amount=-abs(t.amount) if t.kind == "reinvest" else abs(t.amount),
            realized_gain=t.realized_gain,  # type: ignore[misc]  # null for purchases
        )
        for t in snapshot.recent_transactions
    )
    targets = tuple(TargetDraft(code, weight) for code, weight in policy.targets.items())
    draft = PolicyDraft(targets=targets, rationale="Benchmark policy.")
    policy_create(household=household, author=advisor, draft=draft, queue_work=False)
    return household, advisor


def _engine_alone(household: Any, as_of: Any) -> dict[str, object]:
    """The request's two big parts without the API: reading the book, and the engine."""
    from policies.proposals.fetch import engine_snapshot
    from policies.proposals.request import ProposalRequest
    from policies.proposals.services import run_engine
    from policies.selectors import active_policy_get, policy_targets_of

    request = ProposalRequest(as_of=as_of)
    policy = active_policy_get(household=household)
    if policy is None:
        raise RuntimeError("the benchmark household has no active IPS")
    (_, snapshot), read_seconds, read_queries = _timed(
        lambda: engine_snapshot(household=household, request=request, policy=policy, as_of=as_of)
    )
    targets = policy_targets_of(policy)
    runs = [
        _timed(
            lambda: run_engine(
                household=household, snapshot=snapshot, request=request, targets=targets
            )
        )[1]
        for _ in range(REPEATS)
    ]
    return {
        "read_book_seconds": round(read_seconds, 3),
        "read_book_queries": read_queries,
        "engine_seconds_median": round(statistics.median(runs), 3),
    }


def _expect(response: Any, status: int) -> Any:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.status_code} instead of {status}: {response.content[:500]!r}"
        )
    return response


def _measure(household: Any, advisor: Any, repeats: int = REPEATS) -> dict[str, object]:
    """Every call of the proposal API on the household, as ``advisor``."""
    from unittest import mock

    from django.test import override_settings
    from rest_framework.test import APIClient

    from benchmarks.rebalance_bench import AS_OF
    from policies.proposals import tasks as proposal_tasks
    from policies.proposals.services import proposal_compute

    api = APIClient()
    api.force_authenticate(advisor)
    url = f"/api/v1/households/{household.pk}/proposals/"
    # No minimum trade (as the engine benchmark): a minimum trade always goes to a worker.
    body = {"as_of": AS_OF.isoformat(), "min_trade": "0"}
    figures: dict[str, object] = {}

    with override_settings(PROPOSAL_ASYNC_LOT_THRESHOLD=10**9):  # computed in the request
        posts = [_timed(lambda: api.post(url, body, format="json")) for _ in range(repeats)]
    created = _expect(posts[-1][0], 201).json()
    figures["post_computed_in_request"] = _figure([p[1] for p in posts], posts[-1][2])
    figures["trades"] = len(created["trades"])
    figures["lots_relieved"] = sum(len(t["lots"]) for t in created["trades"])
    figures["estimated_tax"] = created["estimated_tax"]

    # The shipped threshold (2,000 lots): 202 at once, a worker computes it.
    with (
        override_settings(PROPOSAL_ASYNC_LOT_THRESHOLD=2000),
        mock.patch.object(proposal_tasks.compute_proposal, "delay"),
    ):
        accepted, accept_seconds, accept_queries = _timed(
            lambda: api.post(url, body, format="json")
        )
    pending = _expect(accepted, 202).json()["id"]
    _, worker_seconds, worker_queries = _timed(lambda: proposal_compute(proposal_id=pending))
    figures["post_accepted_202"] = _figure([accept_seconds], accept_queries)
    figures["worker_compute"] = _figure([worker_seconds], worker_queries)
    figures["engine_alone"] = _engine_alone(household, AS_OF)

    # The worker's proposal is the newest draft (it superseded the earlier ones).
    detail = f"/api/v1/proposals/{pending}/"
    for name, path in (("get_proposal", detail), ("get_household_list", url)):
        calls = [_timed(lambda p=path: api.get(p)) for _ in range(repeats)]  # type: ignore[misc]
        _expect(calls[-1][0], 200)
        figures[name] = _figure([c[1] for c in calls], calls[-1][2])
    answer, seconds, queries = _timed(lambda: api.post(f"{detail}approve/"))
    _expect(answer, 200)
    figures["approve"] = _figure([seconds], queries)
    calls = [_timed(lambda: api.get(f"{detail}orders.csv")) for _ in range(repeats)]
    _expect(calls[-1][0], 200)
    figures["get_orders_csv"] = _figure([c[1] for c in calls], calls[-1][2])
    answer, seconds, queries = _timed(lambda: api.post(f"{detail}execute/"))
    _expect(answer, 200)
    figures["execute"] = _figure([seconds], queries)
    return figures


def _child() -> dict[str, object]:
    with scratch_database(TEST_DATABASE_NAME):
        from django.db import connection

        started = time.perf_counter()
        household, advisor = _populate()
        populate_seconds = time.perf_counter() - started
        figures = _measure(household, advisor)
    return {
        "household": "10 accounts, 60 securities, 3,000 lots (rebalance_bench seed 7)",
        "database": connection.vendor,
        "populate_seconds": round(populate_seconds, 2),
        **figures,
    }


if __name__ == "__main__":
    if CHILD_FLAG in sys.argv:
        print(json.dumps(_child(), default=str))
    else:
        print(json.dumps(run(), indent=2, default=str))

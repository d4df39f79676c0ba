"""How long the nightly drift scan takes per household, on PostgreSQL.

``run()`` builds (once; later runs reuse it) a dedicated database,
``advisory_bench`` on the local PostgreSQL (``BENCH_DATABASE_URL`` to change
it), with 10,000 households in 10 firms, 100,000 accounts and 1,000,000 lots,
every household with an active IPS (threshold, hybrid and calendar methods).
It then times ``policies.drift.drift_scan`` over every household, three
times, on one process, and reports the median and its parts (the two bulk
reads, the engine, the upsert) per household. The aim: under 2 ms a household.

The work happens in a child process whose ``DATABASE_URL`` is the benchmark
database, so the project's own database is never touched. Households, accounts
and lots are loaded with PostgreSQL's ``COPY`` (the same-firm lot trigger is
paused during the load: every generated lot is of its firm's securities).

``python -m benchmarks.drift_scan --households 500`` runs a smaller one by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/advisory_bench"
AIM_MS_PER_HOUSEHOLD = 2.0
AS_OF = date(2026, 11, 26)
FIRMS = 10
SECURITIES_PER_CLASS = 2
REPEATS = 3
ACCOUNT_TYPES = ("taxable", "traditional_ira", "roth_ira", "traditional_401k", "roth_401k", "hsa")
# Target mixes (class code -> weight) the generated policies rotate through; each sums to 1.
MIXES: tuple[dict[str, str], ...] = (
    {"us_equity": "0.36", "intl_equity": "0.18", "us_bonds": "0.24", "muni_bonds": "0.10",
     "real_estate": "0.06", "commodities": "0.03", "cash": "0.03"},
    {"us_equity": "0.20", "intl_equity": "0.10", "us_bonds": "0.38", "muni_bonds": "0.15",
     "real_estate": "0.05", "commodities": "0.02", "cash": "0.08", "crypto_large": "0.02"},
    {"us_equity": "0.45", "intl_equity": "0.22", "us_bonds": "0.10", "muni_bonds": "0.04",
     "real_estate": "0.07", "commodities": "0.02", "cash": "0.01", "crypto_large": "0.0585",
     "crypto_balanced": "0.0207", "crypto_growth": "0.0108"},
)  # fmt: skip


def run(
    output: dict[str, object] | None = None,
    *,
    households: int = 10_000,
    accounts_per_household: int = 10,
    lots_per_account: int = 10,
) -> dict[str, object]:
    """Build (or reuse) the benchmark database, time the scan; the figures as a dict.

    With ``output``, the figures are also stored in it under ``"drift_scan"``.
    """
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    try:
        _create_database(url)
    except Exception as error:
        figures: dict[str, object] = {"error": f"PostgreSQL not reachable at {url}: {error}"}
    else:
        figures = _run_child(url, households, accounts_per_household, lots_per_account)
    if output is not None:
        output["drift_scan"] = figures
    return figures


def _create_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def _run_child(url: str, households: int, accounts: int, lots: int) -> dict[str, object]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "advisory.settings",
        "CELERY_BROKER_URL": "",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    command = [
        sys.executable, "-m", "benchmarks.drift_scan", "--child",
        "--households", str(households), "--accounts", str(accounts), "--lots", str(lots),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-20:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- in the child process (Django set up on the benchmark database) -------------------------


def _child(households: int, accounts: int, lots: int) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    built = populate(households=households, accounts=accounts, lots=lots)
    load_seconds = time.perf_counter() - started
    figures = measure(as_of=AS_OF)
    figures.update(
        generated=built,
        load_seconds=round(load_seconds, 1),
        database="PostgreSQL",
    )
    return figures


def _counts() -> dict[str, int]:
    from portfolios.models import Account, Household, Lot

    return {
        "households": Household.objects.count(),
        "accounts": Account.objects.count(),
        "lots": Lot.objects.count(),
    }


def populate(*, households: int, accounts: int, lots: int, seed: int = 2026) -> str:
    """Fill the database unless it already holds exactly this book; 'built' or 'reused'."""
    wanted = {
        "households": households,
        "accounts": households * accounts,
        "lots": households * accounts * lots,
    }
    if _counts() == wanted:
        return "reused"
    _clear()
    rng = random.Random(seed)
    firms = _firms_and_securities(rng)
    household_ids = _households(firms, households)
    account_ids = _accounts(household_ids, accounts, rng)
    _lots(account_ids, firms, lots, rng)
    _policies(household_ids, firms)
    _analyze()
    return "built"


def _clear() -> None:
    """Empty the benchmark database's book (everything hangs off the firms)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE advisory_firm RESTART IDENTITY CASCADE")


def _firms_and_securities(rng: random.Random) -> list[dict[str, Any]]:
    """Firms with the default classes and two securities each; ids by firm."""
    from advisory.engine.drift import class_name
    from advisory.engine.risk import DEFAULT_CLASS_CODES
    from advisory.models import Firm
    from portfolios.models import AssetClass, Security

    firms = []
    for n in range(FIRMS):
        firm = Firm.objects.create(name=f"Bench firm {n + 1}")
        classes = AssetClass.objects.bulk_create(
            AssetClass(
                firm=firm, code=code, name=class_name(code), sort_order=order,
                expected_return=Decimal("0.06"), volatility=Decimal("0.15"),
                income_yield=Decimal("0.02"), qualified_ratio=Decimal("0.8"),
                turnover=Decimal("0.02"),
            )
            for order, code in enumerate(DEFAULT_CLASS_CODES)
            if code != "cash"
        )  # fmt: skip
        securities = Security.objects.bulk_create(
            Security(
                firm=firm, symbol=f"{c.code.upper()[:18]}{k}", name=f"{c.name} fund {k}",
                asset_class=c, substitute_group=f"{c.code}-{k}",
                price=Decimal(rng.randint(2000, 40000)) / 100,
            )
            for c in classes
            for k in range(SECURITIES_PER_CLASS)
        )  # fmt: skip
        cash = AssetClass.objects.create(
            firm=firm, code="cash", name="Cash", sort_order=99, expected_return=Decimal("0.03"),
            volatility=Decimal("0.01"), income_yield=Decimal("0.03"),
            qualified_ratio=Decimal("0"), turnover=Decimal("0"),
        )  # fmt: skip
        class_ids = {c.code: c.pk for c in [*classes, cash]}
        firms.append(
            {"id": firm.pk, "securities": [s.pk for s in securities], "classes": class_ids}
        )
    return firms


def _copy(model: Any, rows: Iterable[dict[str, Any]]) -> None:
    """COPY rows (dicts by attname, ``firm_id``; other fields get defaults) into a table."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    table = model._meta.db_table
    if connection.vendor != "postgresql":  # the small test run on SQLite
        model.objects.bulk_create(model(**{**defaults, **row}) for row in rows)
        return
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row.get(f.attname, defaults[f.attname]) for f in fields])


def _ids(model: Any) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


def _households(firms: Sequence[dict[str, Any]], count: int) -> list[int]:
    from django.utils import timezone

    from portfolios.models import Household

    now = timezone.now()
    _copy(
        Household,
        (
            {
                "firm_id": firms[n % len(firms)]["id"], "name": f"Household {n + 1}",
                "t_ord": Decimal("0.35"), "t_ltcg": Decimal("0.15"), "t_ret": Decimal("0.25"),
                "created_at": now, "updated_at": now, "primary_advisor_id": None,
            }
            for n in range(count)
        ),
    )  # fmt: skip
    return _ids(Household)


def _owners(household_ids: Sequence[int]) -> dict[int, int]:
    """One person per household: every account but a taxable one has an owner."""
    from portfolios.models import Person

    _copy(
        Person,
        (
            {"household_id": h, "first_name": "Pat", "last_name": f"Owner {h}"}
            for h in household_ids
        ),
    )
    return dict(Person.objects.order_by().values_list("household_id", "pk"))


def _accounts(household_ids: Sequence[int], per: int, rng: random.Random) -> list[int]:
    from django.utils import timezone

    from portfolios.models import Account

    now = timezone.now()
    owners = _owners(household_ids)

    def rows() -> Iterator[dict[str, Any]]:
        for household_id in household_ids:
            for k in range(per):
                cash = Decimal(rng.randint(0, 2_000_000)) / 100
                kind = ACCOUNT_TYPES[k % len(ACCOUNT_TYPES)]
                owner = None if kind == "taxable" else owners[household_id]
                yield {
                    "household_id": household_id, "owner_id": owner, "name": f"Account {k + 1}",
                    "account_type": kind,
                    "cash": cash, "cash_reserve": Decimal(500) if k == 0 else Decimal(0),
                    "created_at": now,
                }  # fmt: skip

    _copy(Account, rows())
    return _ids(Account)


def _lots(
    account_ids: Sequence[int], firms: Sequence[dict[str, Any]], per: int, rng: random.Random
) -> None:
    from django.db import connection

    from portfolios.models import Account, Lot

    firm_of_account = dict(Account.objects.values_list("pk", "household__firm_id").order_by("pk"))
    securities = {firm["id"]: firm["securities"] for firm in firms}
    start = AS_OF - timedelta(days=6 * 365)

    def rows() -> Iterator[dict[str, Any]]:
        for account_id in account_ids:
            choices = securities[firm_of_account[account_id]]
            for _ in range(per):
                quantity = Decimal(rng.randint(1_000, 5_000_000)) / 1000
                yield {
                    "account_id": account_id, "security_id": rng.choice(choices),
                    "quantity": quantity, "cost_basis": (quantity * rng.randint(20, 300)),
                    "acquired_on": start + timedelta(days=rng.randint(0, 6 * 365)),
                }  # fmt: skip

    paused = connection.vendor == "postgresql"
    if paused:
        with connection.cursor() as cursor:
            # Inside a transaction (the test), deferred FK checks must fire before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE portfolios_lot DISABLE TRIGGER USER")
    try:
        _copy(Lot, rows())
    finally:
        if paused:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE portfolios_lot ENABLE TRIGGER USER")


def _policies(household_ids: Sequence[int], firms: Sequence[dict[str, Any]]) -> None:
    from django.utils import timezone

    from policies.models import InvestmentPolicy, PolicyTarget
    from portfolios.models import Household

    now = timezone.now()
    firm_of = dict(Household.objects.values_list("pk", "firm_id"))
    classes = {firm["id"]: firm["classes"] for firm in firms}
    methods = (("threshold", "", None), ("hybrid", "semiannual", date(2026, 1, 15)),
               ("calendar", "quarterly", date(2026, 2, 1)))  # fmt: skip
    policies = []
    for n, household_id in enumerate(household_ids):
        method, frequency, anchor = methods[n % len(methods)]
        policies.append(
            InvestmentPolicy(
                household_id=household_id, version=1, status="active", effective_date=AS_OF,
                activated_at=now, rationale="Benchmark policy.", abs_band=Decimal("0.05"),
                rel_band=Decimal("0.25"), method=method, frequency=frequency, anchor_date=anchor,
            )
        )  # fmt: skip
    InvestmentPolicy.objects.bulk_create(policies, batch_size=2000)
    policy_of = dict(
        InvestmentPolicy.objects.filter(status="active").values_list("household_id", "pk")
    )
    _copy(
        PolicyTarget,
        (
            {"policy_id": policy_of[hh], "asset_class_id": classes[firm_of[hh]][code],
             "weight": Decimal(weight)}
            for n, hh in enumerate(household_ids)
            for code, weight in MIXES[n % len(MIXES)].items()
        ),
    )  # fmt: skip


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(*, as_of: date, repeats: int = REPEATS) -> dict[str, object]:
    """Time the whole scan ``repeats`` times (median) and each of its parts once."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from policies.drift import drift_scan
    from policies.models import DriftSnapshot
    from policies.selectors import active_policies_bulk, drift_of, household_values_bulk

    households = _counts()["households"]
    whole = []
    queries = 0
    for _ in range(repeats):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = drift_scan(as_of=as_of)
            whole.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
    parts: dict[str, float] = {}
    started = time.perf_counter()
    values = household_values_bulk()
    parts["values_sql"] = time.perf_counter() - started
    started = time.perf_counter()
    policies = active_policies_bulk()
    parts["policies_sql"] = time.perf_counter() - started
    started = time.perf_counter()
    for household_id, policy in policies.items():
        drift_of(values.get(household_id, {}), policy, as_of)
    parts["engine"] = time.perf_counter() - started
    median = statistics.median(whole)
    per_household_ms = median * 1000 / max(households, 1)
    return {
        "households": households,
        "accounts": _counts()["accounts"],
        "lots": _counts()["lots"],
        "with_policy": result.with_policy,
        "needs_rebalance": result.needs_rebalance,
        "snapshots_today": DriftSnapshot.objects.filter(computed_on=as_of).count(),
        "queries_per_scan": queries,
        "scan_seconds_median": round(median, 3),
        "scan_seconds_all": [round(s, 3) for s in whole],
        "ms_per_household": round(per_household_ms, 4),
        "parts_ms_per_household": {
            name: round(seconds * 1000 / max(households, 1), 4) for name, seconds in parts.items()
        },
        "aim_ms_per_household": AIM_MS_PER_HOUSEHOLD,
        "within_aim": per_household_ms < AIM_MS_PER_HOUSEHOLD,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=10, help="per household")
    parser.add_argument("--lots", type=int, default=10, help="per account")
    args = parser.parse_args(argv)
    if args.child:
        figures = _child(args.households, args.accounts, args.lots)
    else:
        figures = run(
            households=args.households,
            accounts_per_household=args.accounts,
            lots_per_account=args.lots,
        )
    print(json.dumps(figures, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

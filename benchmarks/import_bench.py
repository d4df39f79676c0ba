"""A 100,000-row positions import: rows per second and peak memory, at three sizes.

Each size runs in its own child process on a fresh database: by default SQLite in a
temporary folder (the project's database is never touched); with
``IMPORT_BENCH_DATABASE_URL`` (``benchmarks.import_bench_pg``) that database,
flushed first. The schema is migrated in a process of its own, so the child's peak
resident memory is the import's, not the migrations'. The child makes one firm
with 100 accounts and 50 securities and a generic-layout positions CSV of N rows
(N / 100 lots per account), then runs ``book_import(kind=positions)`` once to write
the lots, once more (the same file: every row unchanged, nothing written), and a
third time as a dry run under ``tracemalloc`` (the Python memory the check and the
reconciliation of N rows against N lots take at their peak). It reports rows per
second of the first two, the child's resident memory before the imports and at its
peak, and the traced peak, so the growth with rows can be read off the three sizes.

``python -m benchmarks.import_bench --rows 20000`` runs one size by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 50_000, 100_000)
ACCOUNTS = 100
SECURITIES = 50


def run(database_url: str | None = None) -> dict[str, Any]:
    figures: dict[str, Any] = {"database": "postgresql" if database_url else "sqlite"}
    for rows in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            env = {
                **os.environ,
                "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
                "MEDIA_ROOT": f"{folder}/media",
                "DJANGO_SETTINGS_MODULE": "advisory.settings",
            }
            _manage(env, "migrate", "--verbosity", "0")
            if database_url:
                _manage(env, "flush", "--no-input")
            out = subprocess.run(  # noqa: S603 - our own module, fixed arguments
                [sys.executable, "-m", "benchmarks.import_bench", "--rows", str(rows)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        figures[f"{rows}_rows"] = json.loads(out.strip().splitlines()[-1])
    return figures


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _child(rows: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings")

    django.setup()
    from advisory.models import Firm, Membership, Role, User
    from portfolios.imports.kinds import ImportKind
    from portfolios.imports.services import book_import
    from portfolios.models import Account, AssetClass, Household, Security

    firm = Firm.objects.create(name="Bench")
    user = User.objects.create_user(email="ops@bench.test", password=None)
    Membership.objects.create(user=user, firm=firm, role=Role.OPERATIONS)
    cls = AssetClass.objects.create(
        firm=firm,
        code="eq",
        name="Equity",
        expected_return=Decimal("0.06"),
        volatility=Decimal("0.15"),
        income_yield=Decimal("0.02"),
        qualified_ratio=Decimal("0.9"),
        turnover=Decimal("0.05"),
    )
    symbols = [f"S{n:03d}" for n in range(SECURITIES)]
    Security.objects.bulk_create(
        Security(firm=firm, symbol=s, name=s, asset_class=cls, substitute_group=s) for s in symbols
    )
    household = Household.objects.create(firm=firm, name="H")
    numbers = [f"7700{n:04d}" for n in range(ACCOUNTS)]
    Account.objects.bulk_create(
        Account(household=household, name=n, account_type="taxable", account_number=n)
        for n in numbers
    )
    start = date(2015, 1, 1)
    lines = ["account_number,symbol,quantity,cost_basis,acquired_on"]
    for i in range(rows):
        day = start + timedelta(days=i % 3000)
        lines.append(
            f"{numbers[i % ACCOUNTS]},{symbols[(i // ACCOUNTS) % SECURITIES]},"
            f"{1 + i % 97}.5,{(1 + i % 97) * 41}.25,{day.isoformat()}"
        )
    data = ("\n".join(lines) + "\n").encode()
    del lines
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    today = date(2026, 11, 30)
    passes = {}
    for name in ("first", "again"):
        began = time.perf_counter()
        report = book_import(kind=ImportKind.POSITIONS, user=user, upload=data, today=today)
        seconds = time.perf_counter() - began
        if not report.ok:
            raise SystemExit(f"bench file refused: {report.errors[:3]}")
        passes[name] = {
            "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "created": report.created,
            "unchanged": report.unchanged,
        }
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    book_import(kind=ImportKind.POSITIONS, user=user, upload=data, today=today, dry_run=True)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "rows": rows,
        "file_mb": round(len(data) / 2**20, 1),
        **passes,
        "rss_before_import_mb": round(before_kib / 1024),
        "peak_rss_mb": round(peak_kib / 1024),
        "dry_run_traced_peak_mb": round(traced_peak / 2**20, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int)
    args = parser.parse_args()
    if args.rows:
        print(json.dumps(_child(args.rows)))
    else:
        print(json.dumps(run(), indent=2))

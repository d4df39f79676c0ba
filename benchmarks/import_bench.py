"""A 100,000-row positions import: rows per second and peak memory, at three sizes.

Each size runs in its own child process on a fresh database: by default SQLite in a
temporary folder (the project's database is never touched); with
``IMPORT_BENCH_DATABASE_URL`` (``benchmarks.import_bench_pg``) that database,
flushed first. The schema is migrated in a process of its own, so the child's peak
resident memory is the import's, not the migrations', and so is the making of the
file: a setup process makes one firm with 100 accounts and 50 securities and a
generic-layout positions CSV of N rows (N / 100 lots per account). The child then
reads the file and runs ``book_import(kind=positions)`` once to write
the lots, once more (the same file: every row unchanged, nothing written), and a
third time as a dry run under ``tracemalloc`` (the Python memory the check and the
reconciliation of N rows against N lots take at their peak). It reports rows per
second of the first two, the child's resident memory before the imports and at its
peak, and the traced peak, so the growth with rows can be read off the three sizes.

``benchmarks.import_kinds_bench`` runs the lots and transactions files the same way
(``--kind lots|transactions``): a child writes the file once (rows per second, peak
resident memory), another checks it as a dry run under ``tracemalloc``.

By hand, on a migrated database: ``python -m benchmarks.import_bench --rows 20000
--kind lots --file /tmp/lots.csv --mode setup``, then the same with ``--mode write``
(or ``trace``, or ``all``: both, as the positions figures are made). The file is made
by a process of its own, so its making is not the importing child's peak.
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
BENCH_USER = "ops@bench.test"


KINDS = ("positions", "lots", "transactions", "applied_transactions")


def run(
    database_url: str | None = None,
    *,
    kind: str = "positions",
    sizes: tuple[int, ...] = SIZES,
    modes: tuple[str, ...] = ("all",),
) -> dict[str, Any]:
    figures: dict[str, Any] = {"database": "postgresql" if database_url else "sqlite"}
    for rows in sizes:
        figures[f"{rows}_rows"] = {}
        for mode in modes:
            figures[f"{rows}_rows"].update(_sized(database_url, kind, rows, mode))
    return figures


def _sized(database_url: str | None, kind: str, rows: int, mode: str) -> dict[str, Any]:
    """One child process on a fresh database: its figures."""
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
        args = ["--rows", str(rows), "--kind", kind, "--file", f"{folder}/import.csv"]
        for step in ("setup", mode):  # the file is made apart: its making is not the peak
            out = subprocess.run(  # noqa: S603 - our own module, fixed arguments
                [sys.executable, "-m", "benchmarks.import_bench", *args, "--mode", step],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _child(rows: int, kind: str, mode: str, file: Path) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings")

    django.setup()
    from advisory.models import User
    from portfolios.imports.kinds import ImportKind
    from portfolios.imports.services import book_import

    if mode == "setup":
        _setup(rows, kind, file)
        return {}
    user = User.objects.get(email=BENCH_USER)
    data = file.read_bytes()
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    today = date(2026, 11, 30)
    figures: dict[str, Any] = {"rows": rows, "file_mb": round(len(data) / 2**20, 1)}

    def once(name: str, *, dry_run: bool = False) -> None:
        began = time.perf_counter()
        report = book_import(
            kind=ImportKind(kind.removeprefix("applied_")),
            user=user,
            upload=data,
            today=today,
            dry_run=dry_run,
            apply=kind.startswith("applied_"),
        )
        seconds = time.perf_counter() - began
        if not report.ok:
            raise SystemExit(f"bench file refused: {report.errors[:3]}")
        figures[name] = {
            "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "created": report.created,
            "unchanged": report.unchanged,
        }

    if mode in ("all", "write"):
        once("first")
        if kind == "positions":
            once("again")
        figures["rss_before_import_mb"] = round(before_kib / 1024)
        figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if mode in ("all", "trace"):
        tracemalloc.start()
        once("dry_run", dry_run=True)
        figures["dry_run_traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
        del figures["dry_run"]["rows_per_second"]  # tracing slows it several times: no rate
    return figures


def _setup(rows: int, kind: str, file: Path) -> None:
    """The firm, its operations user, 100 accounts and 50 securities; the file of ``kind``."""
    from advisory.models import Firm, Membership, Role, User
    from portfolios.models import Account, AssetClass, Household, Security

    firm = Firm.objects.create(name="Bench")
    user = User.objects.create_user(email=BENCH_USER, password=None)
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
    by_number = Account.objects.order_by("account_number").values_list("pk", flat=True)
    ids = [str(pk) for pk in by_number]
    file.write_bytes(FILES[kind](rows, numbers, ids, symbols))


def _positions_file(rows: int, numbers: list[str], ids: list[str], symbols: list[str]) -> bytes:
    start = date(2015, 1, 1)
    lines = ["account_number,symbol,quantity,cost_basis,acquired_on"]
    for i in range(rows):
        day = start + timedelta(days=i % 3000)
        lines.append(
            f"{numbers[i % ACCOUNTS]},{symbols[(i // ACCOUNTS) % SECURITIES]},"
            f"{1 + i % 97}.5,{(1 + i % 97) * 41}.25,{day.isoformat()}"
        )
    return ("\n".join(lines) + "\n").encode()


def _lots_file(rows: int, numbers: list[str], ids: list[str], symbols: list[str]) -> bytes:
    """The positions file's lots, by the accounts' ids (the generic lots layout)."""
    text = _positions_file(rows, numbers, ids, symbols).decode()
    by_number = dict(zip(numbers, ids, strict=True))
    header, *lines = text.splitlines()
    out = ["account" + header.removeprefix("account_number")]
    out += [by_number[line[:8]] + line[8:] for line in lines]
    return ("\n".join(out) + "\n").encode()


def _transactions_file(rows: int, numbers: list[str], ids: list[str], symbols: list[str]) -> bytes:
    """Deposits, dividends, buys and fees by account number, every row different."""
    start = date(2015, 1, 1)
    lines = ["account_number,symbol,kind,trade_date,quantity,amount,description"]
    for i in range(rows):
        day = (start + timedelta(days=(i // ACCOUNTS) % 3000)).isoformat()
        number, symbol = numbers[i % ACCOUNTS], symbols[i % SECURITIES]
        cents = f"{100 + i}.{i % 100:02d}"
        lines.append(
            (
                f"{number},,deposit,{day},,{cents},Contribution",
                f"{number},{symbol},dividend,{day},,{cents},",
                f"{number},{symbol},buy,{day},{1 + i % 7},-{cents},Monthly buy",
                f"{number},,fee,{day},,-{cents},Advisory fee",
            )[i % 4]
        )
    return ("\n".join(lines) + "\n").encode()


def _applied_file(rows: int, numbers: list[str], ids: list[str], symbols: list[str]) -> bytes:
    """Transactions to apply: a deposit an account, then buy, buy, sell of one security a day
    (one trade an account a day: a busy household, sells at a loss or a gain by turns)."""
    start = date(2020, 1, 1)
    lines = ["account_number,symbol,kind,trade_date,quantity,amount"]
    lines += [f"{number},,deposit,2019-12-31,,1000000.00" for number in numbers]
    for i in range(rows - len(numbers)):
        number, step = numbers[i % ACCOUNTS], i // ACCOUNTS
        symbol = symbols[(step // 3) % 5]
        day = (start + timedelta(days=step)).isoformat()
        if step % 3 == 2:
            lines.append(f"{number},{symbol},sell,{day},1,{90 + i % 30}.00")
        else:
            lines.append(f"{number},{symbol},buy,{day},2,-{200 + i % 17}.00")
    return ("\n".join(lines) + "\n").encode()


FILES = {
    "positions": _positions_file,
    "lots": _lots_file,
    "transactions": _transactions_file,
    "applied_transactions": _applied_file,
}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int)
    parser.add_argument("--kind", choices=KINDS, default="positions")
    parser.add_argument("--mode", choices=("setup", "all", "write", "trace"), default="all")
    parser.add_argument("--file", type=Path, help="the import file (made by --mode setup)")
    args = parser.parse_args()
    if args.rows and args.file:
        print(json.dumps(_child(args.rows, args.kind, args.mode, args.file)))
    else:
        print(json.dumps(run(), indent=2))

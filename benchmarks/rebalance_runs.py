"""Rebalance runs over the workers: households per second with one and with two workers.

``run()`` builds (once; later runs reuse it) ``advisory_bench_runs`` on the local
PostgreSQL (``BENCH_RUNS_DATABASE_URL`` to change it) with 1,000 households of
10 accounts x 15 lots (~150 lots each) in 10 firms, every one with an active IPS
(the drift-scan benchmark's generator). Then, for 1 and for 2 worker processes
(``celery worker --pool=solo``, on ``BENCH_BROKER_URL``, default Redis db 14),
it starts one run per firm (selection ``all``: every household is proposed for)
and times the wall clock until every run is done. It reports households per
second and the speed-up of the second worker. The aim: 20 households/s on a
2-core machine.

Each pass also reports the workers' CPU milliseconds a household: on a shared machine
the wall clock counts the neighbours' work too. ``--repeats 3`` runs the two passes
three times, alternately, and reports the median pass of each (with every pass's
figures); ``--write`` stores the figures in ``benchmarks/results.json``.

``python -m benchmarks.rebalance_runs --households 100`` runs a smaller one by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.drift_scan import AS_OF, _create_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/advisory_bench_runs"
DEFAULT_BROKER = "redis://127.0.0.1:6379/14"
AIM_HOUSEHOLDS_PER_SECOND = 20
WAIT_SECONDS = 3600


def run(
    *, households: int = 1000, accounts: int = 10, lots: int = 15, repeats: int = 1
) -> dict[str, object]:
    url = os.environ.get("BENCH_RUNS_DATABASE_URL", DEFAULT_URL)
    try:
        _create_database(url)
    except Exception as error:
        return {"error": f"PostgreSQL not reachable at {url}: {error}"}
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "advisory.settings",
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER),
        "CELERY_RESULT_BACKEND": "",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    command = [
        sys.executable, "-m", "benchmarks.rebalance_runs", "--child",
        "--households", str(households), "--accounts", str(accounts), "--lots", str(lots),
        "--repeats", str(repeats),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-20:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- in the child process ----------------------------------------------------------------------


def _workers(count: int) -> list[subprocess.Popen[bytes]]:
    workers = []
    for n in range(count):
        command = [sys.executable, "-m", "celery", "-A", "advisory", "worker", "--pool=solo",
                   "--prefetch-multiplier=1", "-n", f"bench{n}@%h", "-l", "warning"]  # fmt: skip
        workers.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter
                command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
    return workers


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _one_pass(workers: int) -> dict[str, object]:
    from advisory.models import Firm, Membership, Role, User
    from policies.proposals.models import RebalanceRun, RunStatus
    from policies.proposals.request import ProposalRequest
    from policies.proposals.runs import rebalance_run_start

    processes = _workers(workers)
    try:
        time.sleep(3)  # the workers connect to the broker
        # CPU as well as the wall clock: on a shared machine the wall clock counts the
        # neighbours too. The workers' own only (the database's backends are not here).
        worker_cpu = {p.pid: _cpu_seconds(p.pid) for p in processes}
        started = time.perf_counter()
        runs = []
        for firm in Firm.objects.all():
            admin, _ = User.objects.get_or_create(email=f"bench-admin-{firm.pk}@bench.test")
            Membership.objects.get_or_create(
                user=admin, defaults={"firm": firm, "role": Role.ADMIN}
            )
            runs.append(
                rebalance_run_start(
                    user=admin, firm=firm, selection="all", request=ProposalRequest(as_of=AS_OF)
                ).pk
            )
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if not RebalanceRun.objects.filter(pk__in=runs, status=RunStatus.RUNNING).exists():
                break
            time.sleep(0.5)
        seconds = time.perf_counter() - started
        used = sum(_cpu_seconds(pid) - before for pid, before in worker_cpu.items())
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    from policies.proposals.models import RebalanceRunItem

    items = RebalanceRunItem.objects.filter(run_id__in=runs)
    total = items.count()
    return {
        "workers": workers,
        "households": total,
        "seconds": round(seconds, 1),
        "households_per_second": round(total / seconds, 2) if seconds else None,
        "worker_cpu_ms_per_household": round(1000 * used / total, 1) if total else None,
        "outcomes": {
            status: items.filter(status=status).count()
            for status in items.values_list("status", flat=True).distinct()
        },
    }


def _median_pass(passes: list[dict[str, object]]) -> dict[str, object]:
    """The pass of the median households/s (the lower middle one of an even count)."""
    ranked = sorted(passes, key=lambda p: float(p["households_per_second"] or 0))  # type: ignore[arg-type]
    chosen = dict(ranked[(len(ranked) - 1) // 2])
    if len(passes) > 1:
        chosen["all_households_per_second"] = [p["households_per_second"] for p in passes]
        chosen["all_worker_cpu_ms_per_household"] = [
            p["worker_cpu_ms_per_household"] for p in passes
        ]
    return chosen


def _child(households: int, accounts: int, lots: int, repeats: int = 1) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks.drift_scan import populate

    call_command("migrate", verbosity=0, interactive=False)
    built = populate(households=households, accounts=accounts, lots=lots)
    ones, twos = [], []
    for _ in range(repeats):  # alternately, so a busy spell of the machine hits both
        ones.append(_one_pass(1))
        twos.append(_one_pass(2))
    one, two = _median_pass(ones), _median_pass(twos)
    speedup = None
    if one["households_per_second"] and two["households_per_second"]:
        faster = float(two["households_per_second"]) / float(one["households_per_second"])  # type: ignore[arg-type]
        speedup = round(faster, 2)
    return {
        "generated": built,
        "lots_per_household": accounts * lots,
        "one_worker": one,
        "two_workers": two,
        "speedup_of_second_worker": speedup,
        "aim_households_per_second": AIM_HOUSEHOLDS_PER_SECOND,
        "database": "PostgreSQL",
        "repeats": repeats,
    }


def _write(figures: dict[str, object], run_at: str | None = None) -> None:
    """Store the figures under ``rebalance_runs`` in results.json, dated, as
    ``python -m benchmarks`` does (``run_at``: when they were measured; now by default)."""
    from datetime import UTC, datetime

    from benchmarks.__main__ import OUTPUT, merge_figures

    when = run_at or datetime.now(UTC).isoformat(timespec="seconds")
    results = json.loads(OUTPUT.read_text()) if OUTPUT.exists() else {}
    results["rebalance_runs"] = merge_figures(results.get("rebalance_runs"), figures, run_at=when)
    OUTPUT.write_text(json.dumps(results, indent=2, default=str) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--lots", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=1, help="passes; the median is reported")
    parser.add_argument("--write", action="store_true", help="store in benchmarks/results.json")
    parser.add_argument("--note", default="", help="a note stored with the figures")
    args = parser.parse_args(argv)
    if args.child:
        figures = _child(args.households, args.accounts, args.lots, args.repeats)
    else:
        started = time.perf_counter()
        figures = run(
            households=args.households, accounts=args.accounts, lots=args.lots, repeats=args.repeats
        )
        figures["wall_seconds"] = round(time.perf_counter() - started, 2)
        if args.note:
            figures["note"] = args.note
        if args.write:
            _write(figures)
    print(json.dumps(figures, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

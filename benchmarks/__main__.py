"""``make bench``: run every benchmark and write the figures to benchmarks/results.json.

Each benchmark module has ``run() -> dict``. Pick some with
``python -m benchmarks location rebalance``; the default is all of them.

Each benchmark's figures carry their own ``run_at``. A benchmark that cannot run here
(``{"skipped": why}``, e.g. the PostgreSQL import without ``IMPORT_BENCH_DATABASE_URL``)
keeps the figures an earlier run stored, marked ``from_earlier_run`` with why this
run skipped it, instead of overwriting them (``merge_figures``).
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCHMARKS = {
    "location": "benchmarks.location_bench",
    "rebalance": "benchmarks.rebalance_bench",
    "drift_scan": "benchmarks.drift_scan",
    "proposal_api": "benchmarks.proposal_api",
    "reviews": "benchmarks.review_bench",
    "rebalance_runs": "benchmarks.rebalance_runs",
    "positions_import": "benchmarks.import_bench",
    "positions_import_pg": "benchmarks.import_bench_pg",
    "lots_transactions_import": "benchmarks.import_kinds_bench",
    "api_list": "benchmarks.api_list",
    "load": "benchmarks.load_test",
}
OUTPUT = Path(__file__).resolve().parent / "results.json"
UNDATED = "not recorded (stored before figures were dated; see the git log of results.json)"


def merge_figures(
    previous: Mapping[str, Any] | None, fresh: Mapping[str, Any], *, run_at: str
) -> dict[str, Any]:
    """What to store for a benchmark: ``fresh`` dated ``run_at``, unless it was skipped
    and ``previous`` holds measured figures; then those, with their own date, marked."""
    skipped = fresh.get("skipped")
    if skipped is None or not previous or "skipped" in previous:
        return {**fresh, "run_at": run_at}
    kept = {k: v for k, v in previous.items() if k != "from_earlier_run"}
    kept.setdefault("run_at", UNDATED)
    kept["from_earlier_run"] = f"figures of {kept['run_at']}; skipped on {run_at}: {skipped}"
    return kept


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    results: dict[str, Any] = {}
    if OUTPUT.exists():
        results = json.loads(OUTPUT.read_text())
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    results["_machine"] = {
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "run_at": run_at,
    }
    for name in chosen:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(BENCHMARKS[name])
        figures = module.run()
        figures["wall_seconds"] = round(time.perf_counter() - started, 2)
        print(json.dumps(figures, indent=2, default=str), flush=True)
        results[name] = merge_figures(results.get(name), figures, run_at=run_at)
        if "from_earlier_run" in results[name]:
            print(f"Kept the stored figures: {results[name]['from_earlier_run']}", flush=True)
        OUTPUT.parent.mkdir(exist_ok=True)
        OUTPUT.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"Figures written to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

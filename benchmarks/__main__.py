"""``make bench``: run every benchmark and write the figures to benchmarks/results.json.

Each benchmark module has ``run() -> dict``. Pick some with
``python -m benchmarks location rebalance``; the default is all of them.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
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
    "api_list": "benchmarks.api_list",
    "load": "benchmarks.load_test",
}
OUTPUT = Path(__file__).resolve().parent / "results.json"


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    results: dict[str, Any] = {}
    if OUTPUT.exists():
        results = json.loads(OUTPUT.read_text())
    results["_machine"] = {
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for name in chosen:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(BENCHMARKS[name])
        figures = module.run()
        figures["wall_seconds"] = round(time.perf_counter() - started, 2)
        results[name] = figures
        print(json.dumps(figures, indent=2, default=str), flush=True)
        OUTPUT.parent.mkdir(exist_ok=True)
        OUTPUT.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"Figures written to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

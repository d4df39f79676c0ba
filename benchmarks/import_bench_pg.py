"""The positions import benchmark on PostgreSQL: ``IMPORT_BENCH_DATABASE_URL`` (flushed!).

Point it at a database of its own (``postgres://postgres@127.0.0.1:5432/advisory_bench``):
every size flushes it first. Without the variable the benchmark is skipped (and
``make bench`` keeps the figures an earlier run stored: ``benchmarks.__main__.merge_figures``).
"""

from __future__ import annotations

import os
from typing import Any

from benchmarks import import_bench


def run() -> dict[str, Any]:
    url = os.environ.get("IMPORT_BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return {"skipped": "set IMPORT_BENCH_DATABASE_URL to a PostgreSQL database of its own"}
    return import_bench.run(url)

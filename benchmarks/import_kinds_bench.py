"""Lots and transactions files of 10,000 and 100,000 rows: rows per second and peak memory.

As ``benchmarks.import_bench`` (SQLite in a temporary folder, a child process per
figure): for each kind and size one child writes the file once (rows per second,
resident memory before and at the peak) and another checks it as a dry run under
``tracemalloc``. Transactions are kept as history (applying moves the book row by
row, which is a different measure). The growth with rows is read off the two sizes.
"""

from __future__ import annotations

from typing import Any

from benchmarks import import_bench

SIZES = (10_000, 100_000)


def run() -> dict[str, Any]:
    return {
        kind: import_bench.run(kind=kind, sizes=SIZES, modes=("write", "trace"))
        for kind in ("lots", "transactions")
    }

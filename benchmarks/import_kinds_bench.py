"""Lots and transactions files of 10,000 and 100,000 rows: rows per second and peak memory.

As ``benchmarks.import_bench`` (SQLite in a temporary folder, a child process per
figure): for each kind and size one child writes the file once (rows per second,
resident memory before and at the peak) and another checks it as a dry run under
``tracemalloc``. Transactions are kept as history; applied (lots and cash moved,
wash sales matched, one by one) they are measured apart, at 1,000 and 5,000 rows of
one busy household (a trade an account a day in 100 accounts). The growth with
rows is read off the sizes.
"""

from __future__ import annotations

from typing import Any

from benchmarks import import_bench

SIZES = (10_000, 100_000)


APPLIED_SIZES = (1_000, 5_000)  # applied one by one: a different measure


def run() -> dict[str, Any]:
    figures = {
        kind: import_bench.run(kind=kind, sizes=SIZES, modes=("write", "trace"))
        for kind in ("lots", "transactions")
    }
    figures["applied_transactions"] = import_bench.run(
        kind="applied_transactions", sizes=APPLIED_SIZES, modes=("write",)
    )
    return figures

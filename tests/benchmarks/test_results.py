"""``make bench`` writes results.json: a benchmark skipped here (the PostgreSQL import
without its database) keeps the figures an earlier run stored, marked as such."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import benchmarks.__main__ as bench
from benchmarks.__main__ import UNDATED, merge_figures

EARLIER = "2026-12-03T14:29:15+00:00"
NOW = "2026-12-04T19:00:00+00:00"
MEASURED = {"database": "postgresql", "10000_rows": {"rows": 10000}, "wall_seconds": 600.0}
SKIPPED = {"skipped": "set IMPORT_BENCH_DATABASE_URL", "wall_seconds": 0.0}


def test_fresh_figures_replace_the_stored_ones_with_their_date() -> None:
    fresh = {"database": "postgresql", "10000_rows": {"rows": 10000}, "wall_seconds": 5.0}
    stored = merge_figures({**MEASURED, "run_at": EARLIER}, fresh, run_at=NOW)
    assert stored == {**fresh, "run_at": NOW}


def test_a_skip_keeps_the_measured_figures_and_their_own_date() -> None:
    stored = merge_figures({**MEASURED, "run_at": EARLIER}, SKIPPED, run_at=NOW)
    assert {k: v for k, v in stored.items() if k != "from_earlier_run"} == {
        **MEASURED,
        "run_at": EARLIER,
    }
    assert stored["from_earlier_run"] == (
        f"figures of {EARLIER}; skipped on {NOW}: set IMPORT_BENCH_DATABASE_URL"
    )


def test_undated_figures_are_kept_and_said_to_be_undated() -> None:
    stored = merge_figures(MEASURED, SKIPPED, run_at=NOW)
    assert stored["10000_rows"] == {"rows": 10000}
    assert stored["run_at"] == UNDATED
    assert stored["from_earlier_run"].startswith(f"figures of {UNDATED}; skipped on {NOW}")


def test_a_second_skip_keeps_the_first_date_and_says_the_latest_skip() -> None:
    later = "2026-12-05T08:00:00+00:00"
    once = merge_figures({**MEASURED, "run_at": EARLIER}, SKIPPED, run_at=NOW)
    twice = merge_figures(once, {"skipped": "no database", "wall_seconds": 0.0}, run_at=later)
    assert twice["run_at"] == EARLIER
    assert twice["from_earlier_run"] == f"figures of {EARLIER}; skipped on {later}: no database"


@pytest.mark.parametrize("previous", [None, {}, {**SKIPPED, "run_at": EARLIER}])
def test_a_skip_with_nothing_measured_before_is_stored_as_a_skip(
    previous: dict[str, Any] | None,
) -> None:
    assert merge_figures(previous, SKIPPED, run_at=NOW) == {**SKIPPED, "run_at": NOW}


def test_make_bench_without_the_database_keeps_the_stored_pg_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: results.json with PostgreSQL import figures, and no database to import into
    output = tmp_path / "results.json"
    output.write_text(json.dumps({"positions_import_pg": {**MEASURED, "run_at": EARLIER}}))
    monkeypatch.setattr(bench, "OUTPUT", output)
    monkeypatch.delenv("IMPORT_BENCH_DATABASE_URL", raising=False)

    # when: the benchmark runs (benchmarks.import_bench_pg answers "skipped")
    assert bench.main(["positions_import_pg"]) == 0

    # then: the figures and their date are the stored ones, marked as an earlier run's
    stored = json.loads(output.read_text())["positions_import_pg"]
    assert stored["10000_rows"] == {"rows": 10000}
    assert stored["wall_seconds"] == 600.0
    assert stored["run_at"] == EARLIER
    assert "skipped" not in stored
    assert stored["from_earlier_run"].startswith(f"figures of {EARLIER}; skipped on ")
    assert "IMPORT_BENCH_DATABASE_URL" in stored["from_earlier_run"]

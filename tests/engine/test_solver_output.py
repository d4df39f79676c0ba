"""HiGHS prints nothing on the process's stdout (fd 1), not even the lines it prints itself.

With ``disp`` off HiGHS's logger is silent, but a mixed-integer solve may still
``printf`` "HighsMipSolverData::transformNewIntegerFeasibleSolution
tmpSolver.run();" to fd 1 (found with the benchmark's seeded household below:
2 accounts, 8 securities, 40 lots, a $100 minimum trade). Under gunicorn and
Celery such a line would interleave with the JSON logs.
"""

from __future__ import annotations

import ctypes
import logging
import os
from decimal import Decimal
from typing import Any

from advisory.engine.rebalance import plan_rebalance
from advisory.engine.rebalance.types import RebalanceOptions
from advisory.engine.solver_output import solver_output_captured
from benchmarks.rebalance_bench import random_household

PRINTED = "HighsMipSolverData::transformNewIntegerFeasibleSolution"


def test_a_minimum_trade_solve_that_makes_highs_print_writes_nothing_to_stdout(
    capfd: Any, caplog: Any
) -> None:
    snapshot, policy = random_household(1, accounts=2, securities=8, lots=40)
    with caplog.at_level(logging.DEBUG, logger="advisory.engine.solver"):
        plan = plan_rebalance(snapshot, policy, options=RebalanceOptions(min_trade=Decimal(100)))
    out, _ = capfd.readouterr()
    assert out == ""
    assert plan.trades
    # The line was printed, and went to the log instead of stdout.
    assert any(PRINTED in r.getMessage() for r in caplog.records)


def test_c_printf_and_raw_fd_writes_inside_the_block_stay_off_stdout(
    capfd: Any, caplog: Any
) -> None:
    libc = ctypes.CDLL(None)
    with caplog.at_level(logging.DEBUG, logger="advisory.engine.solver"):
        with solver_output_captured(), solver_output_captured():  # overlapping solves nest
            libc.printf(b"from C\n")
            os.write(1, b"from fd 1\n")
        print("after the block")
    out, _ = capfd.readouterr()
    assert out == "after the block\n"
    (logged,) = [r.getMessage() for r in caplog.records]
    assert logged.startswith("HiGHS wrote: ")
    # C's buffer is flushed when the block ends, so the order of the two may vary.
    assert sorted(logged.removeprefix("HiGHS wrote: ").splitlines()) == ["from C", "from fd 1"]

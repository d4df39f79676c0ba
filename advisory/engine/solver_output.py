"""HiGHS's own output kept off the process's stdout.

scipy's ``disp: False`` turns HiGHS's logger off, but HiGHS still prints some
lines straight to file descriptor 1 with C's ``printf``: a mixed-integer solve
(a minimum trade, whole shares) may write
``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``.
Under gunicorn and Celery that would land among the JSON log lines, so around
every solve fd 1 points at a temporary file, and whatever the solver wrote goes
to the ``advisory.engine.solver`` logger at DEBUG (stderr, with the rest of the
logs, when that level is on).

Threads: fd 1 belongs to the process, so solves that overlap share one
redirection (counted); a thread printing while a solve runs prints into it too
(it is logged, not lost).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO

logger = logging.getLogger("advisory.engine.solver")

_LIBC = ctypes.CDLL(None)
_STDOUT = 1


class _Redirection:
    """The one redirection of fd 1 that overlapping solves share."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved = -1
        self.sink: IO[bytes] | None = None

    def enter(self) -> None:
        with self.lock:
            if self.depth == 0:
                _flush()
                self.sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed in leave()
                self.saved = os.dup(_STDOUT)
                os.dup2(self.sink.fileno(), _STDOUT)
            self.depth += 1

    def leave(self) -> str:
        """What the solvers wrote, once the last overlapping solve is done ('' before)."""
        with self.lock:
            self.depth -= 1
            if self.depth or self.sink is None:
                return ""
            _flush()
            os.dup2(self.saved, _STDOUT)
            os.close(self.saved)
            sink, self.sink = self.sink, None
        with sink:
            sink.seek(0)
            return sink.read().decode("utf-8", errors="replace").strip()


_REDIRECTION = _Redirection()


def _flush() -> None:
    """Python's and C's buffers out to whatever fd 1 is now."""
    with suppress(AttributeError, ValueError):  # no stdout, or closed
        sys.stdout.flush()
    _LIBC.fflush(None)


@contextmanager
def solver_output_captured() -> Iterator[None]:
    """Run the block with fd 1 captured; what was written is logged at DEBUG."""
    _REDIRECTION.enter()
    try:
        yield
    finally:
        written = _REDIRECTION.leave()
        if written:
            logger.debug("HiGHS wrote: %s", written)

"""HiGHS's own lines kept off standard output.

``disp=False`` (scipy sets HiGHS's ``output_flag`` off) silences HiGHS's log, but
some builds also print with C ``printf`` whatever the options, e.g.
``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();`` when a
MIP's presolved incumbent needs repair (HiGHS 1.12, bundled with scipy 1.18). Those
lines would land in a worker's or the web server's log as noise, so while a solve
runs the process's file descriptor 1 points at a scratch file; afterwards the C and
Python buffers are flushed into it, descriptor 1 is put back, and every line that is
not HiGHS's (another thread's print, say) is passed on to the real standard output.
Nested and concurrent solves share one redirection (a count under a lock).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import IO

# HiGHS's printf lines name a HiGHS class or function ("HighsMipSolverData::...").
HIGHS_LINE = re.compile(rb"^\s*(Highs\w*::|HiGHS\b|Running HiGHS)")
STDOUT = 1


class _Redirect:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved: int | None = None
        self.scratch: IO[bytes] | None = None  # one per process, emptied after each solve
        self.libc: ctypes.CDLL | None = None


_state = _Redirect()


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers, where printf's text waits (fflush(NULL): every stream)."""
    with contextlib.suppress(OSError, AttributeError):  # no C library (not Linux or macOS)
        _state.libc = _state.libc or ctypes.CDLL(None)
        _state.libc.fflush(None)


def _flush_python() -> None:
    with contextlib.suppress(AttributeError, OSError, ValueError):  # closed or detached
        sys.stdout.flush()


def _start() -> None:
    _flush_python()
    _flush_c_stdio()
    if _state.scratch is None:
        _state.scratch = tempfile.TemporaryFile()  # noqa: SIM115 - kept for the process
    _state.saved = os.dup(STDOUT)
    os.dup2(_state.scratch.fileno(), STDOUT)


def _stop() -> None:
    _flush_python()
    _flush_c_stdio()
    saved, scratch = _state.saved, _state.scratch
    _state.saved = None
    if saved is None or scratch is None:
        return
    os.dup2(saved, STDOUT)
    os.close(saved)
    if not os.fstat(scratch.fileno()).st_size:
        return
    scratch.seek(0)
    kept = b"".join(line for line in scratch if not HIGHS_LINE.match(line))
    scratch.seek(0)
    scratch.truncate()
    while kept:
        kept = kept[os.write(STDOUT, kept) :]


@contextlib.contextmanager
def highs_quiet() -> Iterator[None]:
    """Run a solve with HiGHS's printf lines kept off standard output (module notes)."""
    with _state.lock:
        if _state.depth == 0:
            try:
                _start()
            except OSError:  # no descriptor 1 to redirect: nothing can reach stdout anyway
                _state.saved = None
        _state.depth += 1
    try:
        yield
    finally:
        with _state.lock:
            _state.depth -= 1
            if _state.depth == 0:
                _stop()

"""Running calls at the same moment, for the row-lock tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def at_once(calls: list[Callable[[], Any]]) -> list[BaseException | None]:
    """Run the calls together (threads on PostgreSQL, in turn on SQLite); their errors.

    On PostgreSQL each thread has its own connection and they start at one
    barrier, so row locks decide the order. SQLite has no row locks and one
    writer, so there the race is played in turn; the tests never skip.
    """
    outcomes: list[BaseException | None] = [None] * len(calls)
    if connection.vendor != "postgresql":
        for n, call in enumerate(calls):
            try:
                call()
            except Exception as error:
                outcomes[n] = error
        return outcomes
    start = threading.Barrier(len(calls))

    def run(n: int, call: Callable[[], Any]) -> None:
        from django.db import connection as own

        try:
            start.wait(timeout=10)
            call()
        except Exception as error:
            outcomes[n] = error
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes

"""Structured logs: one JSON object a line, each with the request id.

``RequestIdFilter`` stamps ``record.request_id`` from a context variable that
``advisory.middleware.RequestIdMiddleware`` sets for the request (``-`` outside
one, e.g. in a Celery worker or a management command); ``JsonFormatter`` writes
time, level, logger, message, request id and any exception.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def clear_request_id(**_: object) -> None:
    """After a request's answer is sent, lines of the same thread are no longer its."""
    request_id_var.set("-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)

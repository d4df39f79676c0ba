"""``/healthz`` for load balancers: database, broker and cache, no sign-in.

200 ``{"database": "ok", "broker": "ok", "cache": "ok"}`` when all answer; 503 with
``"down"`` for each that does not. Without a broker (the demo: tasks run in the web
process) the broker reads ``"ok"`` too: there is nothing to be down.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache() -> bool:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return ok


def _broker() -> bool:
    if not settings.CELERY_BROKER_URL:
        return True
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return True


CHECKS = {"database": _database, "broker": _broker, "cache": _cache}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    body: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            body[name] = "ok" if check() else "down"
        except Exception:
            logger.exception("Health check %s failed", name)
            body[name] = "down"
    healthy = all(value == "ok" for value in body.values())
    return JsonResponse(body, status=200 if healthy else 503)

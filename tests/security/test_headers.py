"""CSP, no-store, the product's 404 with DEBUG on, request ids, JSON logs, /healthz."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory

from advisory import health
from advisory.logs import JsonFormatter, RequestIdFilter, request_id_var
from advisory.views import server_error
from tests.conftest import World

pytestmark = pytest.mark.django_db

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_inline_script_or_event_handlers() -> None:
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        if INLINE_SCRIPT.search(text) or HANDLER_ATTR.search(text):
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert offenders == []


def test_csp_forbids_inline_script(client: Client) -> None:
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"]


def test_signed_in_pages_and_api_answers_are_not_stored(world: World, client_as: Any) -> None:
    client = client_as("owner")
    page = client.get(f"/households/{world.household.pk}/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    api = client.get("/api/v1/households/")
    assert api.status_code == 200
    assert "no-store" in api["Cache-Control"]
    anonymous_api = Client().get("/api/v1/households/")
    assert "no-store" in anonymous_api["Cache-Control"]


@pytest.mark.parametrize("persona", ["client", "anonymous"])
def test_debug_on_shows_the_products_404_not_the_url_list(
    world: World, client_as: Any, settings: Any, persona: str
) -> None:
    settings.DEBUG = True
    client = client_as(persona)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Django tried these URL patterns" not in response.content
    assert b"There is nothing here, or it is not yours to see." in response.content
    missing = client.get(f"/households/{world.foreign_household.pk}/")
    assert missing.status_code in {302, 404}
    assert b"URLconf" not in missing.content
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found."}


def test_every_answer_carries_a_request_id_and_error_pages_show_it(
    world: World, client_as: Any
) -> None:
    client = client_as("client")
    given = client.get("/no/such/page/", HTTP_X_REQUEST_ID="support-ticket-1234")
    assert given["X-Request-ID"] == "support-ticket-1234"
    assert b"support-ticket-1234" in given.content
    made = client.get("/portal/")
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])
    hostile = client.get("/portal/", HTTP_X_REQUEST_ID="<script>x</script>")
    assert hostile["X-Request-ID"] != "<script>x</script>"


def test_the_500_page_shows_the_reference() -> None:
    request = RequestFactory().get("/")
    request.request_id = "abcdef0123456789"  # type: ignore[attr-defined]
    response = server_error(request)
    assert response.status_code == 500
    assert b"abcdef0123456789" in response.content


def test_log_lines_are_json_with_the_request_id() -> None:
    record = logging.LogRecord(
        "advisory.x", logging.WARNING, __file__, 1, "hello %s", ("you",), None
    )
    token = request_id_var.set("req-42-abcdefgh")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello you"
    assert line["request_id"] == "req-42-abcdefgh"
    assert line["level"] == "WARNING"
    assert line["logger"] == "advisory.x"


def test_logs_of_a_request_carry_its_id(world: World, client_as: Any, caplog: Any) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_as("client").get("/no/such/page/", HTTP_X_REQUEST_ID="trace-me-0001")
    assert response.status_code == 404
    ids = {getattr(r, "request_id", None) for r in caplog.records if r.name == "django.request"}
    assert ids == {"trace-me-0001"}


def test_healthz_answers_ok_without_sign_in(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "cache": "ok"}


def test_healthz_names_what_is_down(client: Client, monkeypatch: Any) -> None:
    def broken() -> bool:
        raise ConnectionError("cache unreachable")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "ok", "cache": "down"}


def test_healthz_reports_an_unreachable_broker(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"

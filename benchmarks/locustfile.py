"""The load test's users (locust), driven by ``benchmarks.load_test``.

Each user takes one of the signed-in staff sessions the runner prepared
(``LOAD_SESSIONS``: a JSON file of ``{"cookies", "households"}``), then, with
1 to 3 s of think time (none with ``LOAD_CLOSED_LOOP=1``: the capacity run),
asks for a realistic mix: the dashboard, household pages, drift, asset
location, API lists, and now and then a proposal (202 or 201; a 202 is polled
at its ``Location`` until computed). Requests go to gunicorn on loopback with
``X-Forwarded-Proto: https`` (the production settings' secure cookies and
redirect expect TLS at the load balancer); cookies are sent as a header since
they are marked Secure.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any

from locust import HttpUser, between, constant, task

SESSIONS: list[dict[str, Any]] = json.loads(open(os.environ["LOAD_SESSIONS"]).read())  # noqa: SIM115
CLOSED_LOOP = os.environ.get("LOAD_CLOSED_LOOP") == "1"
POLL_SECONDS = 0.5
POLL_LIMIT = 120


class Staff(HttpUser):
    """An advisor or admin at work."""

    wait_time = constant(0) if CLOSED_LOOP else between(1, 3)

    def on_start(self) -> None:
        session = random.choice(SESSIONS)
        self.households: list[int] = session["households"]
        cookies = "; ".join(f"{k}={v}" for k, v in session["cookies"].items())
        origin = (self.host or "").rstrip("/").replace("http://", "https://")
        self.client.headers.update(
            {
                "Cookie": cookies,
                "X-Forwarded-Proto": "https",
                "X-CSRFToken": session["cookies"].get("csrftoken", ""),
                "Origin": origin,
                "Referer": origin + "/",
            }
        )

    def _household(self) -> int:
        return random.choice(self.households)

    def _get(self, path: str, name: str) -> None:
        """A GET that counts as an error unless it is a 200 (a sign-in page is not)."""
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code != 200 or "/accounts/login/" in answer.url:
                answer.failure(f"{answer.status_code} at {answer.url}")

    @task(3)
    def dashboard(self) -> None:
        self._get("/", "page: dashboard")

    @task(3)
    def household_page(self) -> None:
        self._get(f"/households/{self._household()}/", "page: household")

    @task(2)
    def drift_page(self) -> None:
        self._get(f"/households/{self._household()}/drift/", "page: drift")

    @task(1)
    def location_page(self) -> None:
        self._get(f"/households/{self._household()}/location/", "page: asset location")

    @task(3)
    def households_api(self) -> None:
        self._get("/api/v1/households/", "api: households list")

    @task(2)
    def accounts_api(self) -> None:
        self._get(f"/api/v1/accounts/?household={self._household()}", "api: accounts list")

    @task(1)
    def proposals_api(self) -> None:
        self._get("/api/v1/proposals/", "api: proposals list")

    @task(2)
    def drift_api(self) -> None:
        self._get(f"/api/v1/households/{self._household()}/drift/", "api: drift")

    @task(1)
    def location_api(self) -> None:
        self.client.post(
            f"/api/v1/households/{self._household()}/asset-location/",
            json={},
            name="api: asset location",
        )

    @task(1)
    def proposal(self) -> None:
        with self.client.post(
            f"/api/v1/households/{self._household()}/proposals/",
            json={},
            name="api: proposal create",
            catch_response=True,
        ) as created:
            if created.status_code not in (201, 202):
                created.failure(f"{created.status_code}: {created.text[:200]}")
                return
            created.success()
            if created.status_code == 201:
                return
            poll = created.headers["Location"]
        for _ in range(POLL_LIMIT):
            time.sleep(POLL_SECONDS)
            answer = self.client.get(poll, name="api: proposal poll")
            if answer.status_code != 200 or answer.json()["status"] != "pending":
                return

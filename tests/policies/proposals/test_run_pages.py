"""Rebalance run pages and endpoints: who may start, watch and approve a run."""

from __future__ import annotations

from typing import Any

import pytest

from policies.proposals.models import RebalanceRun
from tests.conftest import PERSONAS, World
from tests.policies.proposals.drifted import make_drifted

pytestmark = pytest.mark.django_db

RUNNERS = {"owner", "teammate", "other_advisor", "foreign_advisor", "admin"}


def _run_of_owner(api_as: Any, world: World, capture: Any) -> int:
    make_drifted(world)
    with capture(execute=True):
        response = api_as("owner").post(
            "/api/v1/rebalance-runs/", {"selection": "all", "min_trade": "0"}, format="json"
        )
    assert response.status_code == 202
    return int(response.json()["id"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_starts_a_run(world: World, api_as: Any, persona: str) -> None:
    response = api_as(persona).post("/api/v1/rebalance-runs/", {"selection": "all"}, format="json")

    expected = 202 if persona in RUNNERS else (401 if persona == "anonymous" else 403)
    assert response.status_code == expected
    if persona in {"owner", "teammate"}:
        assert response.json()["total"] == 1  # the Smiths only
    if persona == "admin":
        assert response.json()["total"] == 2  # every household of the firm


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_reads_and_approves_a_run(
    world: World, api_as: Any, persona: str, django_capture_on_commit_callbacks: Any
) -> None:
    run_id = _run_of_owner(api_as, world, django_capture_on_commit_callbacks)

    read = api_as(persona).get(f"/api/v1/rebalance-runs/{run_id}/")
    approve = api_as(persona).post(f"/api/v1/rebalance-runs/{run_id}/approve/")

    if persona in {"owner", "admin"}:
        assert read.status_code == 200
        assert approve.status_code == 200
    elif persona == "anonymous":
        assert (read.status_code, approve.status_code) == (401, 401)
    elif persona in {"operations", "client", "other_client"}:
        assert (read.status_code, approve.status_code) == (403, 403)
    else:  # an advisor who did not start it, in this firm or another
        assert (read.status_code, approve.status_code) == (404, 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_the_run_pages(
    world: World, api_as: Any, client_as: Any, persona: str, django_capture_on_commit_callbacks: Any
) -> None:
    run_id = _run_of_owner(api_as, world, django_capture_on_commit_callbacks)
    client = client_as(persona)

    pages = [
        client.get("/rebalance-runs/"),
        client.get(f"/rebalance-runs/{run_id}/"),
        client.get(f"/rebalance-runs/{run_id}/progress/"),
    ]

    codes = [page.status_code for page in pages]
    if persona == "anonymous":
        assert codes == [302, 302, 302]
    elif persona in {"owner", "admin"}:
        assert codes == [200, 200, 200]
        assert 'run-processed">1</span> of 1 households' in pages[1].content.decode()
    elif persona in {"operations", "client", "other_client"}:
        assert codes == [403, 403, 403]
    else:
        assert codes == [200, 404, 404]


def test_a_run_started_from_the_page_shows_its_summary(
    world: World, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_drifted(world)
    client = client_as("owner")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/rebalance-runs/",
            {"selection": "needs_rebalance", "mode": "target", "min_trade": "0"},
        )

    run = RebalanceRun.objects.get()
    assert response.status_code == 302
    page = client.get(f"/rebalance-runs/{run.pk}/").content.decode()
    assert 'data-testid="run-proposals">1<' in page
    assert "hx-get" not in page  # done: no more polling

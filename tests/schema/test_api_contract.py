"""The API contract check: schemathesis against a live server, as an advisor and as a client.

Every check schemathesis has (server errors, schema conformance of every response,
undocumented status codes, negative and positive data, use after delete, ignored
auth, ...) over every operation of ``/api/v1/schema/``, in all four phases
(examples, coverage, fuzzing and the stateful phase that follows the schema's links).
The server is pytest-django's live server on the test database: PostgreSQL in CI.
The book is the demo seed (two households a firm), and the run is bounded in time
(``SCHEMATHESIS_TIME`` scales it); the seed is fixed so a failure can be replayed
(``SCHEMATHESIS_SEED`` picks another). Reports go to ``$ARTIFACTS_DIR/schemathesis/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from advisory.models import ApiToken, User
from advisory.tokens import api_token_create

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.own_process,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_trail_emptied_after"),  # the seed writes audit rows
]

REPO = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", REPO / "artifacts")) / "schemathesis"
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261203")
# Seconds of each run, scaled by SCHEMATHESIS_TIME (e.g. 3 for a longer hunt). The stateful
# phase runs on its own, so the per-operation phases cannot spend its time.
SCALE = float(os.environ.get("SCHEMATHESIS_TIME", "1"))
STATELESS = "examples,coverage,fuzzing"
PHASES = {
    "client": [(STATELESS, int(60 * SCALE)), ("stateful", int(30 * SCALE))],
    "advisor": [(STATELESS, int(90 * SCALE)), ("stateful", int(45 * SCALE))],
}
PERSONAS = {
    # A client reads its own household and may write nothing (403); an advisor does all.
    "client": "client1@harborpoint.example",
    "advisor": "advisor1@harborpoint.example",
}
# The fuzzer deletes tokens by id; the run's own tokens sit far from the ids it tries.
FAR_TOKEN_ID = 7_000_000_000


@pytest.fixture
def tokens(transactional_db: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The demo book, and a token for each persona."""
    call_command("seed_demo", households=2, years=1, stdout=StringIO())
    # The run sends hundreds of requests a minute, many with no or a wrong token.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})
    settings.TOKEN_AUTH_FAILURES_PER_MINUTE = 10**9
    keys = {}
    for n, (persona, email) in enumerate(PERSONAS.items()):
        token, key = api_token_create(user=User.objects.get(email=email), name="schemathesis")
        ApiToken.objects.filter(pk=token.pk).update(id=FAR_TOKEN_ID + n)
        keys[persona] = key
    return keys


def _schemathesis(
    schema: Path, base_url: str, key: str, phases: str, seconds: int, reports: Path
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        str(schema),
        "--url",
        base_url,
        "--header",
        f"Authorization: Token {key}",
        "--checks",
        "all",
        "--phases",
        phases,
        "--max-time",
        str(seconds),
        # One request at a time: the same cases each run (races have their own tests).
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--seed",
        SEED,
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(reports),
        "--output-truncate",
        "false",
    ]
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=schema.parent,  # schemathesis's and Hypothesis's own files go there, not the repo
        capture_output=True,
        text=True,
        timeout=seconds * 3 + 120,
        check=False,
    )


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_api_keeps_its_schema(
    live_server: Any, tokens: dict[str, str], tmp_path: Path, persona: str
) -> None:
    # The schema as the server serves it, read here once (generating it takes seconds).
    served = Client().get("/api/v1/schema/", {"format": "json"})
    assert served.status_code == 200
    schema = tmp_path / "schema.json"
    schema.write_bytes(served.content)

    failed = []
    for phases, seconds in PHASES[persona]:
        reports = ARTIFACTS / persona / phases.replace(",", "-")
        done = _schemathesis(schema, live_server.url, tokens[persona], phases, seconds, reports)
        reports.mkdir(parents=True, exist_ok=True)
        (reports / "output.txt").write_text(done.stdout + done.stderr)
        if "No test cases were generated" in done.stdout:
            failed.append(f"--- {persona}, {phases}: nothing was tested\n{done.stdout[-5_000:]}")
        elif done.returncode != 0:
            failed.append(
                f"--- {phases}: exit {done.returncode}\n{done.stdout[-15_000:]}{done.stderr}"
            )

    assert not failed, "\n".join(failed)

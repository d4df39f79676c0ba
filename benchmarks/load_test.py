"""Load test: gunicorn (several workers) on PostgreSQL, a Celery worker, locust on loopback.

``run()`` sets up the database (``BENCH_LOAD_DATABASE_URL``; created when
missing, migrated, seeded with the demo, static files collected), starts a
Celery worker (broker ``BENCH_BROKER_URL``) and gunicorn with the production
settings (``DEBUG=0``) on ``127.0.0.1:BENCH_LOAD_PORT``, signs the demo staff
in (password, then the TOTP code of the demo's published secret), and runs
``benchmarks/locustfile.py`` headless twice, each bounded by
``BENCH_LOAD_SECONDS``: ``BENCH_LOAD_USERS`` users with 1-3 s of think time,
then ``BENCH_LOAD_CLOSED_USERS`` users with none (the capacity). The figures:
requests per second, p50/p95/p99 in ms per request type and in all, errors.
Everything it started is stopped at the end. ``python -m benchmarks.load_test``
runs it by hand.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/advisory_load"
)
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15")
PORT = int(os.environ.get("BENCH_LOAD_PORT", "8765"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
CLOSED_USERS = int(os.environ.get("BENCH_LOAD_CLOSED_USERS", "16"))
WEB_WORKERS = int(os.environ.get("BENCH_LOAD_WEB_WORKERS", "4"))
STAFF = (
    "advisor1@harborpoint.example",
    "admin@harborpoint.example",
    "advisor1@summitridge.example",
)
PASSWORD = "demo-advisory-2026"  # noqa: S105 - the demo's published password and TOTP secret
DEMO_TOTP_SECRET = "ADVISORYDEMQTWQFACTQRSPEXAMPLEZZ"  # noqa: S105
HOST = f"http://127.0.0.1:{PORT}"
HTTPS = {"X-Forwarded-Proto": "https"}


def _server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "advisory.settings",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "REDIS_URL": CACHE_URL,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-4Jc9pQ2wXz7Rt5Nv8Lm3Kd6Hs1Fg0Bq-never-serves",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_USER": "1000000/min",  # a few shared logins stand for 50 people
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _create_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def _start(env: dict[str, str], log: Path, *command: str) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def _wait_until_up(seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{HOST}/healthz", headers=HTTPS, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /healthz")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise RuntimeError("no CSRF token on the sign-in page")
    return found.group(1)


def _totp() -> str:
    """The demo staff's current code (RFC 6238: HMAC-SHA1, 30 s, 6 digits)."""
    key = base64.b32decode(DEMO_TOTP_SECRET)
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


class _Browser:
    """requests with the cookies sent by hand: they are Secure and this is plain http."""

    def __init__(self) -> None:
        import requests

        self.web = requests.Session()
        origin = HOST.replace("http://", "https://")
        self.web.headers.update({**HTTPS, "Origin": origin, "Referer": origin + "/"})
        self.cookies: dict[str, str] = {}

    def go(self, method: str, path: str, **kwargs: Any) -> Any:
        for _ in range(10):
            self.web.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            answer = self.web.request(method, f"{HOST}{path}", allow_redirects=False, **kwargs)
            self.cookies.update({c.name: c.value or "" for c in answer.cookies})
            if answer.status_code not in (301, 302, 303):
                return answer
            method, path, kwargs = "GET", answer.headers["Location"], {}
            path = path.removeprefix(HOST.replace("http://", "https://")).removeprefix(HOST)
        raise RuntimeError(f"too many redirects from {path}")


def _sign_in(email: str) -> dict[str, Any]:
    """A signed-in session of a demo staff login and the households it may propose for."""
    web = _Browser()
    page = web.go("GET", "/accounts/login/")
    form = {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(page.text)}
    step = web.go("POST", "/accounts/login/", data=form)
    if "/2fa/" in step.url:
        form = {"code": _totp(), "csrfmiddlewaretoken": _csrf(step.text)}
        web.go("POST", urlsplit(step.url).path, data=form)
    listed = web.go("GET", "/api/v1/households/?page_size=500")
    if listed.status_code != 200:
        raise RuntimeError(f"{email} is not signed in: {listed.status_code} {listed.text[:200]}")
    households = [
        h["id"]
        for h in listed.json()["results"]
        if web.go("GET", f"/api/v1/households/{h['id']}/policy/").status_code == 200
    ]
    return {"email": email, "cookies": web.cookies, "households": households}


def _figures(rows: list[dict[str, str]], seconds: float) -> dict[str, object]:
    def one(row: dict[str, str]) -> dict[str, object]:
        return {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "requests_per_second": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }

    total = next(r for r in rows if r["Name"] == "Aggregated")
    return {
        "seconds": seconds,
        **one(total),
        "by_request": {r["Name"]: one(r) for r in rows if r["Name"] != "Aggregated"},
    }


def _locust(sessions: Path, out: Path, users: int, closed: bool) -> dict[str, object]:
    env = {**os.environ, "LOAD_SESSIONS": str(sessions), "LOAD_CLOSED_LOOP": "1" if closed else "0"}
    prefix = out / ("closed" if closed else "paced")
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and locust
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "benchmarks" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            f"{SECONDS}s",
            "--stop-timeout",
            "10",
            "--host",
            HOST,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
    )
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    figures = _figures(rows, round(time.perf_counter() - started, 1))
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        figures["failures"] = list(csv.DictReader(failures.open()))[:10]
    return figures


def run() -> dict[str, object]:
    """Set up, serve, sign in, drive both runs, stop; the figures."""
    work = Path(tempfile.mkdtemp(prefix="advisory-load-"))
    env = _server_env()
    _create_database()
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    _manage(env, "collectstatic", "--noinput")
    processes = [
        _start(
            env,
            work / "celery.log",
            sys.executable,
            "-m",
            "celery",
            "-A",
            "advisory",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
        ),
        _start(
            env,
            work / "gunicorn.log",
            sys.executable,
            "-m",
            "gunicorn",
            "advisory.wsgi",
            "--workers",
            str(WEB_WORKERS),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--timeout",
            "30",
        ),
    ]
    try:
        _wait_until_up()
        sessions = work / "sessions.json"
        sessions.write_text(json.dumps([_sign_in(email) for email in STAFF]))
        paced = _locust(sessions, work, USERS, closed=False)
        closed = _locust(sessions, work, CLOSED_USERS, closed=True)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    server_log = (work / "gunicorn.log").read_text(errors="replace")
    return {
        "setup": f"gunicorn {WEB_WORKERS} workers, 1 Celery worker, PostgreSQL, loopback, DEBUG=0",
        "paced": {"users": USERS, "think_seconds": "1-3", **paced},
        "closed_loop": {"users": CLOSED_USERS, "think_seconds": 0, **closed},
        "highs_lines_on_stdout": server_log.count("HighsMipSolverData"),
        "worker_timeouts": server_log.count("WORKER TIMEOUT"),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, default=str))

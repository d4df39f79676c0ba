"""Reviews: the nightly schedule over 10,000 households, and building one review packet.

``run()`` measures, each in a child process on its own database so the
project's database is never touched:

- **schedule**: 10,000 households in 10 firms, each with an active IPS whose
  anchor dates spread over the year (``BENCH_REVIEWS_DATABASE_URL``, default
  PostgreSQL ``advisory_reviews_bench``). ``reviews_schedule`` runs on a day
  that creates every household's quarterly and annual review, again the same
  day (nothing new: one review per period), and 60 days later (overdue marking).
  Reported: seconds and queries of each run, reviews created, per household.
- **packet**: the demo book seeded into a temporary SQLite file; the review
  packet (``review_packet``) of the demo household with the most lots, timed
  five times (median), with its query count next to the smallest household's:
  the two must be equal (the count does not grow with lots).

``python -m benchmarks.review_bench --households 500`` runs a smaller schedule by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/advisory_reviews_bench"
AS_OF = date(2026, 11, 26)
FIRMS = 10
REPEATS = 5


def run(*, households: int = 10_000) -> dict[str, object]:
    from benchmarks.drift_scan import _create_database

    url = os.environ.get("BENCH_REVIEWS_DATABASE_URL", DEFAULT_URL)
    figures: dict[str, object] = {}
    try:
        if url.startswith("postgres"):
            _create_database(url)
    except Exception as error:
        figures["schedule"] = {"error": f"PostgreSQL not reachable at {url}: {error}"}
    else:
        figures["schedule"] = _child(url, "schedule", households)
    with tempfile.TemporaryDirectory() as folder:
        figures["packet"] = _child(f"sqlite:///{folder}/demo.sqlite3", "packet", households)
    return figures


def _child(url: str, part: str, households: int) -> dict[str, object]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "advisory.settings",
        "CELERY_BROKER_URL": "",
        "DATABASE_CONN_MAX_AGE": "0",
        "MEDIA_ROOT": tempfile.gettempdir(),
    }
    command = [
        sys.executable, "-m", "benchmarks.review_bench", "--child", part,
        "--households", str(households),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-20:]}
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --- in the child process ------------------------------------------------------------------------


def _timed(call: Any) -> tuple[Any, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return result, round(seconds, 3), len(queries.captured_queries)


def _populate(households: int) -> None:
    """Firms, one advisor each, households with an active IPS (anchors spread over a year)."""
    from django.utils import timezone

    from advisory.models import Firm, Membership, Role, User
    from policies.models import InvestmentPolicy, PolicyStatus
    from policies.reviews.models import Review
    from portfolios.models import Household

    Review.objects.all().delete()
    if Household.objects.count() == households:
        return
    from benchmarks.drift_scan import _clear

    _clear()  # PostgreSQL: TRUNCATE the firms and all that hangs off them
    User.objects.filter(email__endswith="@bench.test").delete()
    per_firm = households // FIRMS
    now = timezone.now()
    for n in range(FIRMS):
        firm = Firm.objects.create(name=f"Review bench firm {n + 1}")
        advisor = User.objects.create_user(email=f"advisor{n}@bench.test", password=None)
        Membership.objects.create(user=advisor, firm=firm, role=Role.ADVISOR)
        made = Household.objects.bulk_create(
            Household(firm=firm, name=f"Household {n}-{k}", primary_advisor=advisor)
            for k in range(per_firm)
        )
        InvestmentPolicy.objects.bulk_create(
            InvestmentPolicy(
                household=household, version=1, status=PolicyStatus.ACTIVE,
                effective_date=date(2024, 1, 1), activated_at=now, rationale="Bench policy.",
                abs_band=Decimal("0.05"), rel_band=Decimal("0.25"), method="calendar",
                frequency="quarterly", anchor_date=date(2024, 1, 1) + timedelta(days=k % 365),
            )
            for k, household in enumerate(made)
        )  # fmt: skip


def _schedule(households: int) -> dict[str, object]:
    from django.core.management import call_command

    from policies.reviews import tasks
    from policies.reviews.models import Review
    from policies.reviews.services import reviews_schedule

    call_command("migrate", verbosity=0, interactive=False)
    # The emails are a worker's job: count what would be queued, send none.
    queued: list[Any] = []
    tasks.send_review_notice.delay = lambda *args: queued.append(args)  # type: ignore[method-assign,assignment]
    started = time.perf_counter()
    _populate(households)
    load = time.perf_counter() - started
    with contextlib.redirect_stdout(sys.stderr):
        first, first_s, first_q = _timed(lambda: reviews_schedule(as_of=AS_OF))
        _, again_s, again_q = _timed(lambda: reviews_schedule(as_of=AS_OF))
        later, later_s, later_q = _timed(lambda: reviews_schedule(as_of=AS_OF + timedelta(days=60)))
    from django.db import connection

    return {
        "database": connection.vendor,
        "households": households,
        "load_seconds": round(load, 1),
        "first_run": {"seconds": first_s, "queries": first_q, "created": first.created,
                      "ms_per_household": round(1000 * first_s / households, 3)},
        "same_day_again": {"seconds": again_s, "queries": again_q},
        "sixty_days_later": {"seconds": later_s, "queries": later_q, "created": later.created,
                             "marked_overdue": later.marked_overdue},
        "reviews": Review.objects.count(),
        "advisor_emails_queued": len(queued),
    }  # fmt: skip


def _packet() -> dict[str, object]:
    from django.core.management import call_command
    from django.db.models import Count

    from policies.reviews.packet import review_packet
    from portfolios.models import Household

    call_command("migrate", verbosity=0, interactive=False)
    with contextlib.redirect_stdout(sys.stderr):
        call_command("seed_demo", as_of=AS_OF)
    ranked = list(Household.objects.annotate(lots=Count("accounts__lots")).order_by("-lots", "pk"))
    largest, smallest = ranked[0], ranked[-1]
    review_packet(largest, as_of=AS_OF)  # warm the imports and caches
    timings = []
    for _ in range(REPEATS):
        _, seconds, queries = _timed(lambda: review_packet(largest, as_of=AS_OF))
        timings.append(seconds)
    _, _, small_queries = _timed(lambda: review_packet(smallest, as_of=AS_OF))
    return {
        "household": largest.name,
        "lots": largest.lots,
        "median_seconds": round(statistics.median(timings), 3),
        "queries": queries,
        "smallest_household_lots": smallest.lots,
        "smallest_household_queries": small_queries,
    }


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=("schedule", "packet"))
    parser.add_argument("--households", type=int, default=10_000)
    args = parser.parse_args()
    if args.child is None:
        print(json.dumps(run(households=args.households), indent=2, default=str))
        return
    import django

    django.setup()
    figures = _schedule(args.households) if args.child == "schedule" else _packet()
    print(json.dumps(figures, default=str))


if __name__ == "__main__":
    _main()

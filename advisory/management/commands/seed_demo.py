"""``manage.py seed_demo``: the demo firms, logins, households and prices (idempotent)."""

from __future__ import annotations

import time
from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from policies.demo import seed_policies
from policies.modelportfolios.demo import seed_models
from policies.proposals.demo import seed_proposals
from policies.reviews.demo import seed_reviews
from portfolios.demo import DEMO_FIRMS, DemoSeedError, SeedReport, seed_demo
from portfolios.demo.seed import DEMO_TOTP_SECRET
from portfolios.models import Household


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error


class Command(BaseCommand):
    help = (
        "Create two demo firms with staff and client logins, households, lots, recent "
        "transactions and simulated daily prices. Firms that already exist are left alone."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as-of",
            type=_iso_date,
            default=None,
            help="The demo's today (YYYY-MM-DD); prices end here. Default: today.",
        )
        parser.add_argument("--households", type=int, default=24, help="Per firm (default 24).")
        parser.add_argument("--years", type=int, default=6, help="Of price history (default 6).")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        started = time.perf_counter()
        try:
            report = seed_demo(
                as_of, households_per_firm=options["households"], years=options["years"]
            )
            # Every demo household gets an active IPS (skipped where one exists).
            demo_households = Household.objects.filter(
                firm__name__in=[f.name for f in DEMO_FIRMS]
            ).select_related("primary_advisor")
            policies = seed_policies(households=demo_households, as_of=as_of)
            # A model per firm that a few households follow, changed once: drafts to activate.
            models = seed_models(households=demo_households, as_of=as_of)
            # A few draft proposals, so the approval queue has something to show.
            proposals = seed_proposals(households=demo_households, as_of=as_of)
            # A few reviews in every state, so the review pages have something real.
            reviews = seed_reviews(households=demo_households, as_of=as_of)
        except (ValueError, DemoSeedError) as error:
            raise CommandError(str(error)) from error
        self._summarize(report, time.perf_counter() - started)
        self.stdout.write(
            f"Investment Policy Statements: {policies.policies} created, "
            f"{policies.acknowledgements} acknowledged, "
            f"{policies.households_skipped} already had one."
        )
        self.stdout.write(
            f"Model portfolios: {models.models} created, followed by {models.followers} "
            f"households; {models.drafts_waiting} model-change drafts await activation."
        )
        self.stdout.write(f"Draft rebalance proposals: {proposals} created.")
        self.stdout.write(f"Reviews: {reviews} created.")

    def _summarize(self, report: SeedReport, seconds: float) -> None:
        out = self.stdout
        if report.created:
            out.write(
                f"Created {', '.join(report.created)} as of {report.as_of} in {seconds:.1f} s."
            )
        if report.existing:
            out.write(f"Already present, left unchanged: {', '.join(report.existing)}.")
        out.write("Rows: " + ", ".join(f"{name} {n:,}" for name, n in report.counts.items()))
        out.write(f"\nDemo logins (password for all: {report.password})")
        out.write(
            f"Staff sign in with a second factor: TOTP secret {DEMO_TOTP_SECRET} in an "
            "authenticator app, or `python manage.py demo_totp` for the current code."
        )
        width = max((len(login.email) for login in report.logins), default=5)
        out.write(f"  {'email':<{width}}  {'role':<11} {'firm':<22} household")
        for login in report.logins:
            row = f"  {login.email:<{width}}  {login.role:<11} {login.firm:<22} {login.household}"
            out.write(row.rstrip())

"""``manage.py demo_totp``: the current two-factor code of the demo staff logins."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management.base import BaseCommand

from portfolios.demo.seed import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo staff logins (the demo's published secret)."

    def handle(self, *args: Any, **options: Any) -> None:
        counter = next(iter(yield_hotp_counters_from_time()))
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        self.stdout.write(f"{code}  (secret {DEMO_TOTP_SECRET}; a new code every 30 seconds)")

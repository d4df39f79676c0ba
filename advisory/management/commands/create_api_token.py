"""``manage.py create_api_token EMAIL [--name NAME] [--expires-days N]``.

Prints the new token alone on the last line, so scripts can take it with ``tail -1``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from advisory.models import User
from advisory.tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The user's email address.")
        parser.add_argument("--name", default="Created by an operator", help="A label.")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help=(
                "Days until the token expires (default: "
                f"{settings.API_TOKEN_DEFAULT_EXPIRY.days}); 0 means it never expires."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email: str = options["email"].strip()
        days: int | None = options["expires_days"]
        if days is not None and days < 0:
            raise CommandError("--expires-days must be 0 or more.")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the email address {email!r}.")
        if not user.is_active:
            raise CommandError(f"The user {email!r} is inactive.")
        token, key = api_token_create(
            user=user,
            name=options["name"],
            expires_in=None if days is None else timedelta(days=days),
        )
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        self.stdout.write(f"Token {token.name!r} for {user.email}, expires {expiry}:")
        self.stdout.write(key)

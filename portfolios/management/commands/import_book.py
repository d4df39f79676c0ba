"""``manage.py import_book KIND FILE --user EMAIL [--dry-run]``.

Imports a CSV file of lots, transactions or prices with that user's rights, all
or nothing, and prints the report. Exits non-zero when any row has an error
(nothing is written then) or the user may not import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from advisory.models import User
from portfolios.imports.kinds import ImportKind, ImportReport
from portfolios.imports.services import book_import


class Command(BaseCommand):
    help = "Import a CSV file of lots, transactions or prices into the book of record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in ImportKind])
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8, header row first).")
        parser.add_argument("--user", required=True, help="Email of the user to import as.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email: str = options["user"].strip()
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the email address {email!r}.")
        path: Path = options["file"]
        try:
            with path.open("rb") as upload:
                report = book_import(
                    kind=ImportKind(options["kind"]),
                    user=user,
                    upload=upload,
                    dry_run=options["dry_run"],
                )
        except OSError as unreadable:
            raise CommandError(f"Cannot read {path}: {unreadable.strerror}.") from unreadable
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from refused
        except IntegrityError as conflict:
            raise CommandError("The import conflicts with the current data; retry.") from conflict
        self._print(report, path)
        if not report.ok:
            raise CommandError(report.summary())

    def _print(self, report: ImportReport, path: Path) -> None:
        for error in report.errors:
            where = "file" if error.row is None else f"row {error.row}"
            if error.column:
                where += f", {error.column}"
            self.stderr.write(f"{path.name}: {where}: {error.message}")
        if report.ok:
            self.stdout.write(f"{path.name}: {report.summary()}")

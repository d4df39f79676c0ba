"""A throwaway test database for a benchmark's child process (Django set up, torn down after).

SQLite uses an in-memory database; another engine gets ``test_database`` as its name,
so a benchmark never touches the configured database's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scratch_database(test_database: str) -> Iterator[None]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor != "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = test_database
    setup_test_environment()
    old = setup_databases(
        verbosity=0, interactive=False, aliases={"default": False}, serialized_aliases=set()
    )
    try:
        yield
    finally:
        teardown_databases(old, verbosity=0)
        teardown_test_environment()

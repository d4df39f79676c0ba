"""Triggers that count every save of a financial record in its ``version`` column.

Every UPDATE of a household, person, account, lot or transaction moves ``version``
on by one, whatever wrote it (a form, the API, an execution, an import, a bulk
``QuerySet.update``), so an edit prepared from an older read is refused (409) instead
of overwriting a change it never saw. A migration that rebuilds one of these tables
on SQLite lifts them first (``drop``) and puts them back last (``create``), as it does
the same-firm triggers of 0002.
"""

from __future__ import annotations

from typing import Any

TABLES = (
    "portfolios_household",
    "portfolios_person",
    "portfolios_account",
    "portfolios_lot",
    "portfolios_transaction",
)

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION portfolios_bump_version() RETURNS trigger AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_version BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION portfolios_bump_version()"
            )
        elif vendor == "sqlite":
            # SQLite cannot assign NEW: bump the row after the write instead. A writer
            # that already moved the version on (the guarded edit) is left alone; one
            # that wrote a stale or unchanged version gets OLD + 1. (Recursive triggers
            # are off, so the inner UPDATE does not fire this trigger again.)
            schema_editor.execute(
                f"CREATE TRIGGER {table}_version AFTER UPDATE ON {table} "  # noqa: S608
                "FOR EACH ROW WHEN NEW.version <= OLD.version BEGIN "
                f"UPDATE {table} SET version = OLD.version + 1 WHERE id = NEW.id; END"
            )


def drop(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_version")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS portfolios_bump_version()")

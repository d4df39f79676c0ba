"""Database triggers for rules no CHECK constraint can express.

A lot or a transaction may only reference a security of the firm that owns the
account's household: a lot "in another firm's account" must never exist, even
when written by hand or by a buggy import.
"""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLES = ("portfolios_lot", "portfolios_transaction")

FIRM_OF_ACCOUNT = (
    "SELECT h.firm_id FROM portfolios_account a "
    "JOIN portfolios_household h ON h.id = a.household_id WHERE a.id = NEW.account_id"
)
FIRM_OF_SECURITY = "SELECT s.firm_id FROM portfolios_security s WHERE s.id = NEW.security_id"

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION portfolios_same_firm_check() RETURNS trigger AS $$
BEGIN
    IF NEW.security_id IS NOT NULL AND ({FIRM_OF_ACCOUNT}) IS DISTINCT FROM ({FIRM_OF_SECURITY}) THEN
        RAISE EXCEPTION 'security % belongs to another firm than account %',
            NEW.security_id, NEW.account_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_same_firm BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION portfolios_same_firm_check()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_same_firm_{event.lower()} BEFORE {event} ON {table} "
                    f"FOR EACH ROW WHEN NEW.security_id IS NOT NULL AND "
                    f"({FIRM_OF_ACCOUNT}) IS NOT ({FIRM_OF_SECURITY}) "
                    "BEGIN SELECT RAISE(ABORT, 'security belongs to another firm than account'); END"
                )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_same_firm ON {table}")
        elif vendor == "sqlite":
            for event in ("insert", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_same_firm_{event}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS portfolios_same_firm_check()")


class Migration(migrations.Migration):
    dependencies = [("portfolios", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

"""The audit table's append-only triggers, for migrations that rebuild the table on SQLite."""

from __future__ import annotations

import importlib
from typing import Any

_PROPOSALS = importlib.import_module("policies.migrations.0003_proposals")


def drop(apps: Any, schema_editor: Any) -> None:
    _PROPOSALS.drop_audit_triggers(apps, schema_editor)


def create(apps: Any, schema_editor: Any) -> None:
    _PROPOSALS.create_audit_triggers(apps, schema_editor)

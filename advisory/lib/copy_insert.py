"""Many rows into one table with PostgreSQL's ``COPY``, ids reserved first when wanted.

``bulk_create`` spends most of its time preparing each value of each row in Python
(a rebalance run writes ~65 trades and ~75 lot reliefs a household); ``COPY`` sends
the values as they are. On another engine (SQLite: the demo) it is ``bulk_create``
of the same rows, so callers need not ask which. Like ``bulk_create`` it sends no signals and runs
no ``save()``; a field left out of a row gets its default (evaluated once a call,
so only for fields whose default is a constant) and the database's checks and
foreign keys apply as for any insert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models


def copy_insert(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, with_ids: bool = False
) -> list[int]:
    """Insert ``rows`` (dicts by attname, e.g. ``account_id``) into ``model``'s table.

    With ``with_ids`` the ids are drawn from the table's sequence first (one query)
    and returned in the order of ``rows``, as ``bulk_create`` sets them; else [].
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = model._default_manager.bulk_create(model(**row) for row in rows)
        return [int(row.pk) for row in created] if with_ids else []
    meta = model._meta
    pk = meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    assert all(f.column for f in fields)  # noqa: S101 - concrete fields have columns
    defaults = {f.attname: f.get_default() for f in fields}
    quote = connection.ops.quote_name
    columns = [str(c) for c in ([pk.column] if with_ids else []) + [f.column for f in fields]]
    statement = f"COPY {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    ids: list[int] = []
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(rows)],
            )
            ids = sorted(int(n) for (n,) in cursor.fetchall())
        with cursor.cursor.copy(statement) as copy:
            for n, row in enumerate(rows):
                values = [
                    row[f.attname] if f.attname in row else defaults[f.attname] for f in fields
                ]
                copy.write_row([ids[n], *values] if with_ids else values)
    return ids

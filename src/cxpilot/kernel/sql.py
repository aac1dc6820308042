"""Many rows inserted with one prepared statement, without the ORM's per-object work.

For the hot write paths (the inbox, submissions): the rows are already checked, and building
model instances and compiling an insert for each batch costs more than the database does.
The statement and the value conversions are the backend's own (``connection.ops``), so it
runs on SQLite, PostgreSQL and MySQL alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.db import connections
from django.db.models import Field, Model
from django.db.models.constants import OnConflict

#: Field types whose Python values the database drivers take as they are.
_PLAIN = frozenset(
    (
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "IntegerField",
        "PositiveIntegerField",
        "SlugField",
        "TextField",
    )
)


def insert_rows(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    ignore_conflicts: bool = False,
    using: str = "default",
) -> None:
    """Insert ``rows`` (each a mapping of field name -> value, all with the same fields) into
    ``model``'s table, in the current transaction. A foreign key is given by its id
    (``survey_id``). ``ignore_conflicts``: rows that break a unique constraint are skipped."""
    if not rows:
        return
    connection = connections[using]
    ops = connection.ops
    names = list(rows[0])
    fields = [cast("Field[Any, Any]", model._meta.get_field(name)) for name in names]
    plain = [field.get_internal_type() in _PLAIN for field in fields]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    suffix = ops.on_conflict_suffix_sql(fields, on_conflict, None, None) if on_conflict else ""
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(model._meta.db_table)} "
        f"({columns}) VALUES ({placeholders}) {suffix}"
    ).rstrip()
    values = [
        [
            value if is_plain else field.get_db_prep_save(value, connection)
            for value, field, is_plain in zip(
                (row[name] for name in names), fields, plain, strict=True
            )
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)

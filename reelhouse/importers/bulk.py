"""Fast writes for importers: one code path, SQLite's executemany or PostgreSQL's COPY."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows (tuples in `columns` order) as fast as the database allows."""
    if not rows:
        return
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                # Table and column names come from the model, never from input.
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})",  # noqa: S608
                rows,
            )


def rows_update(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    key: str = "id",
) -> None:
    """UPDATE ... SET columns WHERE key = ... for each row: (column values..., key value)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name(key)} = %s",  # noqa: S608
            rows,
        )


def _existing_index_names(model: type[models.Model]) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name for name, info in constraints.items() if info.get("index")}


@contextmanager
def indexes_set_aside(model: type[models.Model], *, when: bool) -> Iterator[None]:
    """Drop the model's named secondary indexes for a bulk load, and build them again after.

    Used only when loading into an empty table. If the process dies in between, the next
    `indexes_ensure` (every import ends with one) builds whatever is missing.
    """
    if when:
        existing = _existing_index_names(model)
        with connection.schema_editor() as editor:
            for index in model._meta.indexes:
                if index.name in existing:
                    editor.remove_index(model, index)
    try:
        yield
    finally:
        if when:
            indexes_ensure(model)


def indexes_ensure(model: type[models.Model]) -> list[str]:
    """Build any of the model's named indexes that are missing; returns their names."""
    existing = _existing_index_names(model)
    missing = [index for index in model._meta.indexes if index.name not in existing]
    if missing:
        with connection.schema_editor() as editor:
            for index in missing:
                editor.add_index(model, index)
    return [index.name for index in missing]

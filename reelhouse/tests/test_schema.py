from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db

OUR_APPS = {"catalog", "people", "community", "editorial", "search", "recs", "importers"}
# The member's groups and permissions: Django's own fields (auth), with a few rows each.
DJANGOS_OWN = {"community_user_groups", "community_user_user_permissions"}


def _partial(model: type[models.Model]) -> set[str]:
    """Names of the model's indexes and unique constraints that cover only some rows."""
    named = [*model._meta.indexes, *model._meta.constraints]
    return {item.name for item in named if getattr(item, "condition", None) is not None}


def _other_operators(cursor: CursorWrapper, table: str) -> set[str]:
    """PostgreSQL: indexes with operator classes of their own (Django's `_like` indexes for
    LIKE 'prefix%' on text), which an index of the same columns does not stand in for."""
    if connection.vendor != "postgresql":
        return set()
    cursor.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_opclass o ON o.oid = ANY(i.indclass) "
        "WHERE i.indrelid = %s::regclass AND NOT o.opcdefault",
        [table],
    )
    return {name for (name,) in cursor.fetchall()}


def _tables() -> list[type[models.Model]]:
    # Django's own link tables of our many-to-many fields included.
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in OUR_APPS
        and model._meta.managed
        and model._meta.db_table not in DJANGOS_OWN
    ]


def test_no_index_is_the_start_of_another() -> None:
    # Importers write millions of rows into these tables, and every index is maintained row by
    # row: an index whose columns lead another index (or a unique constraint) only costs.
    redundant = []
    with connection.cursor() as cursor:
        for model in _tables():
            table = model._meta.db_table
            found = connection.introspection.get_constraints(cursor, table)
            # Indexes that cannot stand in for another of the same columns, nor be replaced.
            special = _partial(model) | _other_operators(cursor, table)
            indexes = {
                name: c["columns"]
                for name, c in found.items()
                if (c["index"] or c["unique"]) and not c["primary_key"] and c["columns"]
            }
            for name, columns in indexes.items():
                if found[name]["unique"] or name in special:
                    continue
                redundant += [
                    f"{table}.{name} {columns} is the start of {other} {wider}"
                    for other, wider in indexes.items()
                    if other != name
                    and other not in special
                    and len(wider) >= len(columns)
                    and wider[: len(columns)] == columns
                    # Two identical indexes: report one of them.
                    and (len(wider) > len(columns) or found[other]["unique"] or other > name)
                ]
    assert redundant == []


def _deletes_follow(field: models.Field[Any, Any]) -> bool:
    return getattr(field.remote_field, "on_delete", None) is not models.DO_NOTHING


def test_every_foreign_key_leads_an_index() -> None:
    # Deleting a title (or a member) looks up the rows that point at it, by these indexes. A key
    # that a delete never follows (no constraint, DO_NOTHING: a rail entry's reasons) needs none.
    unindexed = []
    with connection.cursor() as cursor:
        for model in _tables():
            table = model._meta.db_table
            found = connection.introspection.get_constraints(cursor, table).values()
            constrained = {c["columns"][0] for c in found if c["foreign_key"]}
            leading = {
                c["columns"][0]
                for c in found
                if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"]
            }
            unindexed += [
                f"{table}.{field.column}"
                for field in model._meta.concrete_fields
                if field.is_relation
                and field.column not in leading
                and (field.column in constrained or _deletes_follow(field))
            ]
    assert unindexed == []


def test_the_check_sees_a_redundant_index() -> None:
    # The test above would pass on any schema if it could not see an index at all.
    with connection.cursor() as cursor:
        cursor.execute('CREATE INDEX "probe_kind" ON "catalog_title" ("kind")')
        try:
            with pytest.raises(AssertionError, match="probe_kind"):
                test_no_index_is_the_start_of_another()
        finally:
            cursor.execute('DROP INDEX "probe_kind"')


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics targets: PostgreSQL")
@pytest.mark.parametrize(
    ("table", "column", "target"),
    [
        ("catalog_title", "field_sources", 0),
        ("catalog_title", "synopsis", 0),
        ("people_person", "field_sources", 0),
        ("catalog_title", "match_key", None),  # filtered on: the server's default
    ],
)
def test_analyze_skips_the_columns_no_query_filters_on(
    table: str, column: str, target: int | None
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            [table, column],
        )
        (value,) = cursor.fetchone()
    # PostgreSQL 15 says -1 for the default, 17 says NULL.
    assert (None if value == -1 else value) == target

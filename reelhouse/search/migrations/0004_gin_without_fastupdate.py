"""PostgreSQL: GIN indexes without a pending list, which every query scanned (see backends/postgres.py)."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = ("search_document_tsv", "search_vocabulary_trgm")


def fastupdate_off(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                continue
            # Merge what is queued, then stop queueing.
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
            cursor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")


def fastupdate_on(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                cursor.execute(f"ALTER INDEX {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_discoverstats_discoverentry")]

    operations = [migrations.RunPython(fastupdate_off, fastupdate_on)]

"""PostgreSQL: the vocabulary's words in code point order (COLLATE "C"), whatever the database's
collation, so a prefix's completions are a range of its primary key; and no parallel workers
for the document table (backends/postgres.py, SERIAL_SCANS). On SQLite, nothing new.

The popular tiers changed shape in the same release: run `reelhouse search rebuild` once to get
them (until then searches use the tier the last rebuild made, or none, and are only slower)."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Rebuilds the primary key and the trigram index: seconds for a large vocabulary.
    _run(
        schema_editor,
        [
            'ALTER TABLE search_vocabulary ALTER COLUMN word TYPE text COLLATE "C"',
            "ALTER TABLE search_document SET (parallel_workers = 0)",
        ],
    )


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(
        schema_editor,
        [
            'ALTER TABLE search_vocabulary ALTER COLUMN word TYPE text COLLATE "default"',
            "ALTER TABLE search_document RESET (parallel_workers)",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("search", "0008_vocabulary_document_count")]

    operations = [migrations.RunPython(forwards, backwards)]

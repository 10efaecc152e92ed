"""The vocabulary's document count (the row of the empty word), which IDF weights need; an
index built before it gets its count here, later ones from every rebuild and update."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def document_count_add(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        # "WHERE true" lets SQLite parse an upsert from a SELECT; PostgreSQL accepts it too.
        cursor.execute(
            "INSERT INTO search_vocabulary (word, n) SELECT '', count(*) FROM search_document "
            "WHERE true ON CONFLICT (word) DO UPDATE SET n = excluded.n"
        )


def document_count_remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_vocabulary WHERE word = ''")


class Migration(migrations.Migration):
    dependencies = [("search", "0007_search_tier")]

    operations = [migrations.RunPython(document_count_add, document_count_remove)]

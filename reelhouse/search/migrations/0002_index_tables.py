"""The index tables: FTS5 on SQLite, tsvector + pg_trgm on PostgreSQL (raw SQL per vendor)."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def index_tables_create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from reelhouse.search.engine import backend

    backend().schema_create()


def index_tables_drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from reelhouse.search.engine import backend

    backend().schema_drop()


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(index_tables_create, index_tables_drop)]

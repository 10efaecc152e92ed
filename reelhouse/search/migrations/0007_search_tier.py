"""PostgreSQL: the popular tier's table (backends/postgres.py); on SQLite, nothing new."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def tables_create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from reelhouse.search.engine import backend

    # Every statement is CREATE … IF NOT EXISTS: only what is missing is made.
    backend().schema_create()


class Migration(migrations.Migration):
    dependencies = [("search", "0006_story_embedding")]

    operations = [migrations.RunPython(tables_create, migrations.RunPython.noop)]

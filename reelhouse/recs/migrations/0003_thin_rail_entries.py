"""Rail entries get thin: reasons stored once per distinct list, no model name or time per row.

The stored rails are emptied first (with their states and builds), so the next `reelhouse
recs build` (or demo start) computes them all again: the old rows have no reasons key.
"""

import django.db.models.deletion
from django.db import migrations, models


def rails_forget(apps, schema_editor):
    tables = [
        apps.get_model("recs", name)._meta.db_table
        for name in ("RecNeighbour", "RecTitleState", "RecBuild")
    ]
    if schema_editor.connection.vendor == "postgresql":
        quoted = ", ".join(schema_editor.quote_name(t) for t in tables)
        schema_editor.execute(f"TRUNCATE {quoted}")
    else:
        for table in tables:
            schema_editor.execute(f"DELETE FROM {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):

    dependencies = [
        ("recs", "0002_alter_recneighbour_neighbour_and_more"),
    ]

    operations = [
        migrations.RunPython(rails_forget, migrations.RunPython.noop),
        migrations.CreateModel(
            name="RecReasons",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("texts", models.JSONField(default=list)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name="recneighbour",
            name="rec_neighbour_once",
        ),
        migrations.RemoveField(
            model_name="recneighbour",
            name="built_at",
        ),
        migrations.RemoveField(
            model_name="recneighbour",
            name="model",
        ),
        migrations.RemoveField(
            model_name="recneighbour",
            name="reasons",
        ),
        migrations.AddField(
            model_name="recneighbour",
            name="origin",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "content"), (1, "popular"), (2, "learned")], default=0
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="recneighbour",
            name="reasons",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="recs.recreasons",
            ),
            preserve_default=False,
        ),
    ]

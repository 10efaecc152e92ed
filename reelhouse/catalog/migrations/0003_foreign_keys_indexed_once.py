# The title's own index duplicated the unique constraint (title, ordering), which leads with it.
# Dropped in place: Django's AlterField would copy the whole table on SQLite.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_external_ids_unique_where_present'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='alternativetitle',
                    name='title',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='alternative_titles', to='catalog.title'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "catalog_alternativetitle_title_id_bc9fe529"',
                    'CREATE INDEX "catalog_alternativetitle_title_id_bc9fe529" '
                    'ON "catalog_alternativetitle" ("title_id")',
                ),
            ],
        ),
    ]

# A credit's title and person indexes duplicated Meta.indexes, which lead with each of them.
# Dropped in place: Django's AlterField would copy the whole table on SQLite.

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "people_credit_title_id_d7ae9b24": "title_id",
    "people_credit_person_id_610c119c": "person_id",
}


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_foreign_keys_indexed_once'),
        ('people', '0002_external_ids_unique_where_present'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='credit',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='credits', to='people.person'),
                ),
                migrations.AlterField(
                    model_name='credit',
                    name='title',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='credits', to='catalog.title'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "people_credit" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]

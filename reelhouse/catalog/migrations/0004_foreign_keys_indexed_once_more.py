# Foreign keys indexed twice: by their own index and by a unique constraint or index that leads
# with them. Their own indexes are dropped in place (Django's AlterField would copy the tables on
# SQLite). So is the title_id index of the genre and keyword links: Django's link tables come with
# one beside their unique (title_id, genre_id / keyword_id), and have no state to change.

import django.db.models.deletion
from django.db import migrations, models


# (index, table, column)
DROPPED = [
    ("catalog_availability_title_id_1335cae1", "catalog_availability", "title_id"),
    ("catalog_certification_title_id_b3ee023a", "catalog_certification", "title_id"),
    ("catalog_titlerelation_source_id_353b87aa", "catalog_titlerelation", "source_id"),
    ("catalog_titlerelation_target_id_87a906b3", "catalog_titlerelation", "target_id"),
    ("catalog_video_title_id_d00531f4", "catalog_video", "title_id"),
    ("catalog_title_genres_title_id_ac3a14c4", "catalog_title_genres", "title_id"),
    ("catalog_title_keywords_title_id_8846fba9", "catalog_title_keywords", "title_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_foreign_keys_indexed_once"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="availability",
                    name="title",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="availability",
                        to="catalog.title",
                    ),
                ),
                migrations.AlterField(
                    model_name="certification",
                    name="title",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="certifications",
                        to="catalog.title",
                    ),
                ),
                migrations.AlterField(
                    model_name="titlerelation",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="relations_out",
                        to="catalog.title",
                    ),
                ),
                migrations.AlterField(
                    model_name="titlerelation",
                    name="target",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="relations_in",
                        to="catalog.title",
                    ),
                ),
                migrations.AlterField(
                    model_name="video",
                    name="title",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="videos",
                        to="catalog.title",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in DROPPED
            ],
        ),
    ]

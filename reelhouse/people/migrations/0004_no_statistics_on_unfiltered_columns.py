# PostgreSQL: ANALYZE skips the columns no query filters, joins or sorts on, as on catalog_title
# (catalog 0005). Importers analyze the table as they fill it.

from django.db import migrations

UNFILTERED = {
    "people_person": ["field_sources", "biography", "photo_url"],
}


def statistics_target(target):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, columns in UNFILTERED.items():
            schema_editor.execute(
                f'ALTER TABLE "{table}" '
                + ", ".join(f'ALTER COLUMN "{c}" SET STATISTICS {target}' for c in columns)
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_foreign_keys_indexed_once"),
    ]

    operations = [
        # -1: back to the server's default_statistics_target.
        migrations.RunPython(statistics_target(0), statistics_target(-1), elidable=False),
    ]

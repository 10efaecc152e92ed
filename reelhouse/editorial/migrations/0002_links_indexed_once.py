# The article's links to titles and people each had an index on article_id beside the unique
# constraint (article_id, title_id / person_id) that leads with it; Django's own link tables come
# that way. The extra index is dropped; migration state has nothing to change.

from django.db import migrations

# (index, table, column)
DROPPED = [
    ("editorial_article_titles_article_id_91510d13", "editorial_article_titles", "article_id"),
    ("editorial_article_people_article_id_d3dc92e6", "editorial_article_people", "article_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f'DROP INDEX IF EXISTS "{name}"',
            f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
        )
        for name, table, column in DROPPED
    ]

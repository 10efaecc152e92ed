# Foreign keys indexed twice: a rating's title had two identical indexes (the key's own and the one
# Meta names), a review's title and a watchlist's user are led by a composite index. The key's own
# index is dropped in place: Django's AlterField would copy the tables on SQLite.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# (index, table, column)
DROPPED = [
    ("community_rating_title_id_3e08a928", "community_rating", "title_id"),
    ("community_review_title_id_6e7bbd4a", "community_review", "title_id"),
    ("community_watchlist_user_id_f7efc166", "community_watchlist", "user_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_foreign_keys_indexed_once_more"),
        ("community", "0002_watchlist"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="rating",
                    name="title",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ratings",
                        to="catalog.title",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="title",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="catalog.title",
                    ),
                ),
                migrations.AlterField(
                    model_name="watchlist",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="watchlist",
                        to=settings.AUTH_USER_MODEL,
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

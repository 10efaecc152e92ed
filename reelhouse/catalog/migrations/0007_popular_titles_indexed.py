# The home page's most popular titles came from sorting every title at each request (0.24 s at
# 280,000 titles on PostgreSQL, and growing with the catalog): an index now holds them in that
# order. Nothing queried titles by year alone, nor by popularity alone: those indexes only cost
# every import and every update of a title.

import reelhouse.catalog.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_database_defaults_for_bulk_loads'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='title',
            name='title_year',
        ),
        migrations.RemoveIndex(
            model_name='title',
            name='title_popularity',
        ),
        migrations.AddIndex(
            model_name='title',
            index=models.Index(models.OrderBy(reelhouse.catalog.models.UnknownFirst('rating_votes'), descending=True), models.OrderBy(models.F('popularity'), descending=True), models.OrderBy(reelhouse.catalog.models.UnknownFirst('rating'), descending=True), models.OrderBy(models.F('id')), condition=models.Q(('kind', 'episode'), _negated=True), name='title_popular'),
        ),
    ]

"""The search app's own rows: how far a rebuild or an embedding job got.

The index itself (documents, full-text tables, vocabulary) is raw SQL per database, created by
migration 0002 from `backends/*.SCHEMA`; see docs/SEARCH.md.
"""

from __future__ import annotations

from django.db import models


class BuildCheckpoint(models.Model):
    """A resumable job's position, committed in the same transaction as each batch it covers."""

    job = models.CharField(max_length=32, primary_key=True, help_text="rebuild or embed")
    phase = models.CharField(max_length=16, default="", help_text="title, person or article")
    after = models.BigIntegerField(default=0, help_text="The last object id done in the phase")
    rows = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.job}: {self.phase} after {self.after} ({self.rows} rows)"


class DiscoverEntry(models.Model):
    """One title's sortable facts for the discover pages, with its weighted rating stored.

    Genres, certifications and offers are filtered in the catalog's own tables (EXISTS on their
    indexes); this table carries what every discover query sorts or ranges on.
    """

    title = models.OneToOneField(
        "catalog.Title", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    kind = models.CharField(max_length=16)
    year = models.SmallIntegerField(null=True)
    release_date = models.DateField(null=True)
    runtime = models.PositiveSmallIntegerField(null=True)
    rating = models.FloatField(null=True)
    votes = models.PositiveIntegerField(default=0)
    popularity = models.FloatField(default=0)
    # (v / (v + m)) * R + (m / (v + m)) * C, with m and C from DiscoverStats.
    weighted = models.FloatField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["-popularity", "title"], name="discover_popular"),
            models.Index(fields=["-weighted", "title"], name="discover_weighted"),
            models.Index(fields=["-release_date", "title"], name="discover_release"),
            models.Index(fields=["kind", "-popularity", "title"], name="discover_kind_popular"),
            models.Index(fields=["kind", "-weighted", "title"], name="discover_kind_weighted"),
            models.Index(fields=["year", "-popularity", "title"], name="discover_year_popular"),
        ]

    def __str__(self) -> str:
        return f"discover {self.title_id}"


class DiscoverStats(models.Model):
    """The catalog-wide constants of the weighted rating, computed when discover is rebuilt."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    min_votes = models.FloatField(help_text="m: votes that make a rating count fully")
    mean_rating = models.FloatField(help_text="C: the mean rating over rated titles")
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"m={self.min_votes:.0f} C={self.mean_rating:.2f}"

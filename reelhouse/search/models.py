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


COVERED = ("rating", "runtime", "year")


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
    decade = models.SmallIntegerField(null=True, help_text="The year's decade: 1940 for 1948")
    release_date = models.DateField(null=True)
    runtime = models.PositiveSmallIntegerField(null=True)
    rating = models.FloatField(null=True)
    votes = models.PositiveIntegerField(default=0)
    popularity = models.FloatField(default=0)
    # (v / (v + m)) * R + (m / (v + m)) * C, with m and C from DiscoverStats.
    weighted = models.FloatField(default=0)

    class Meta:
        # Each sort, alone and after a decade or a kind, read in order and stopped after the
        # page. The index carries rating, runtime and year after the sort, so range filters on
        # them (and a year, as its decade plus the year) are checked in the index, never in the
        # table: a selective filter scans more entries but reads no rows (docs/SEARCH.md).
        indexes = [
            models.Index(fields=[*prefix, sort, "title", *COVERED], name=f"discover_{name}")
            for sort_name, sort in (
                ("popular", "-popularity"),
                ("weighted", "-weighted"),
                ("release", "-release_date"),
            )
            for prefix, name in (
                ((), sort_name),
                (("decade",), f"decade_{sort_name}"),
                (("kind",), f"kind_{sort_name}"),
            )
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


class StoryEmbedding(models.Model):
    """A title's story (synopsis, tagline, keywords) as a unit vector, for story search.

    `fingerprint` is a hash of the text embedded and the model, so the embed job skips titles
    whose text has not changed since.
    """

    title = models.OneToOneField(
        "catalog.Title", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    fingerprint = models.CharField(max_length=32)
    vector = models.BinaryField(help_text="384 little-endian float32, unit length")
    embedded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"story embedding {self.title_id}"

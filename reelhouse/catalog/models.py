"""Titles and what describes them: genres, keywords, certifications, videos, providers, relations.

The fields follow what IMDb's TSVs, TMDB's movie details and MovieLens carry (docs/DATA-FORMATS
in shared/), so the importers fill these tables without reshaping them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Now
from django.urls import reverse

from reelhouse.lib.text import rating_display

# When a region has no certification of its own, the page shows the US one, then "NR"
# ("No rating information" in TMDB's certification list).
CERTIFICATION_FALLBACK_REGION = "US"
CERTIFICATION_NONE = "NR"


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Keyword(models.Model):
    name = models.CharField(max_length=200, unique=True)
    tmdb_id = models.IntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnknownFirst(Func):
    """A count or score (never negative) with NULL as -1: ascending, the unknown come first.

    Written out, not a bound parameter: the databases use an index on an expression only for
    the same text, and SQLite's query would carry a `?` where its index has -1.
    """

    template = "COALESCE(%(expressions)s, -1)"
    arity = 1


# The order of the most popular titles (the home page's): votes at their source, then
# popularity, then rating, a title without votes or rating after those with. One index
# (Title.Meta) serves it on both databases; SQLite's indexes have no NULLS LAST.
POPULAR_ORDER = (
    UnknownFirst("rating_votes").desc(),
    F("popularity").desc(),
    UnknownFirst("rating").desc(),
    F("id").asc(),
)


class Title(models.Model):
    class Kind(models.TextChoices):
        MOVIE = "movie", "Movie"
        SERIES = "series", "Series"
        EPISODE = "episode", "Episode"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MOVIE)
    # The source's finer format, kept as given: IMDb's titleType (tvMovie, short, tvMiniSeries...).
    format = models.CharField(max_length=32, blank=True)
    title = models.CharField(max_length=500)
    original_title = models.CharField(max_length=500, blank=True)
    slug = models.SlugField(max_length=80, db_index=False)
    # Normalized title and year ("red shoes|1948"): how sources without shared ids find a title.
    match_key = models.CharField(max_length=200, blank=True)
    year = models.SmallIntegerField(null=True, blank=True)
    end_year = models.SmallIntegerField(null=True, blank=True)
    release_date = models.DateField(null=True, blank=True)
    runtime = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Minutes")
    synopsis = models.TextField(blank=True, default="", db_default="")
    tagline = models.CharField(max_length=500, blank=True, default="", db_default="")
    original_language = models.CharField(max_length=8, blank=True, default="", db_default="")
    is_adult = models.BooleanField(default=False)
    poster_url = models.URLField(max_length=500, blank=True, default="", db_default="")
    backdrop_url = models.URLField(max_length=500, blank=True, default="", db_default="")

    # Unique where present (see Meta.constraints): most titles lack one source's id or another,
    # and partial indexes leave those NULLs out, so bulk loads update fewer B-trees.
    imdb_id = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001 - NULLs may repeat
    tmdb_id = models.IntegerField(null=True, blank=True)
    movielens_id = models.IntegerField(null=True, blank=True)

    # The rating the page shows, from the source named (an IMDb average, a TMDB vote average).
    rating = models.FloatField(null=True, blank=True)
    rating_votes = models.PositiveIntegerField(null=True, blank=True)
    rating_source = models.CharField(max_length=16, blank=True, default="", db_default="")
    popularity = models.FloatField(default=0.0, db_default=0.0)

    # Episodes belong to a series.
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="episodes",
        db_index=False,  # indexed in Meta, by name, so bulk loads can set it aside
    )
    season_number = models.PositiveSmallIntegerField(null=True, blank=True)
    episode_number = models.PositiveIntegerField(null=True, blank=True)

    genres = models.ManyToManyField(Genre, blank=True, related_name="titles")
    keywords = models.ManyToManyField(Keyword, blank=True, related_name="titles")

    # Which source wrote each field ({"synopsis": "tmdb", "rating": "imdb"}); see catalog/merge.py.
    field_sources = models.JSONField(default=dict, blank=True)

    # The database defaults (db_default) of these and of the blanks above are what a bulk load
    # leaves out: PostgreSQL's COPY of a new title sends only the fields its source has.
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        # Named, so that a bulk load into an empty table can drop and rebuild them
        # (importers/bulk.py): inserting a million rows is 60% faster without them.
        indexes = [
            # The home page's most popular titles, read off the index's start, not sorted.
            models.Index(*POPULAR_ORDER, name="title_popular", condition=~Q(kind="episode")),
            models.Index(fields=["kind", "year"], name="title_kind_year"),
            models.Index(fields=["match_key"], name="title_match_key"),
            models.Index(
                fields=["parent", "season_number", "episode_number"], name="title_episodes"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=0, rating__lte=10),
                name="title_rating_0_10",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1870, year__lte=2200),
                name="title_year_plausible",
            ),
            *(
                models.UniqueConstraint(
                    fields=[field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"title_{field}",
                )
                for field in ("imdb_id", "tmdb_id", "movielens_id")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        from reelhouse.catalog.merge import title_match_key

        self.match_key = title_match_key(self.title, self.year)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "match_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:detail", args=[self.pk, self.slug])

    @property
    def rating_display(self) -> str:
        return rating_display(self.rating)

    @property
    def is_released(self) -> bool:
        if self.release_date:
            return self.release_date <= dt.date.today()  # noqa: DTZ011 - a calendar date
        return self.year is not None and self.year <= dt.date.today().year  # noqa: DTZ011

    def certification(self, region: str) -> str:
        """The certification shown in `region`; reads prefetched `certifications` when present."""
        return certification_choose({c.region: c.value for c in self.certifications.all()}, region)


def certification_choose(certifications: Mapping[str, str], region: str) -> str:
    """The region's own certification, else the US one, else "NR"."""
    for candidate in (region.upper(), CERTIFICATION_FALLBACK_REGION):
        if value := certifications.get(candidate, "").strip():
            return value
    return CERTIFICATION_NONE


class Certification(models.Model):
    # Indexed by the unique constraint (title, region), which leads with it.
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="certifications", db_index=False
    )
    region = models.CharField(max_length=4, help_text="ISO 3166-1 alpha-2")
    value = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["title", "region"], name="certification_once_per_region"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region}: {self.value}"


class AlternativeTitle(models.Model):
    """A localized or alternative title (IMDb title.akas)."""

    # Indexed by the unique constraint below, which leads with it.
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="alternative_titles", db_index=False
    )
    name = models.CharField(max_length=500)
    region = models.CharField(max_length=8, blank=True)
    language = models.CharField(max_length=8, blank=True)
    types = models.CharField(max_length=100, blank=True)
    attributes = models.CharField(max_length=200, blank=True)
    is_original = models.BooleanField(default=False)
    ordering = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ordering"]
        constraints = [
            models.UniqueConstraint(fields=["title", "ordering"], name="alternative_title_ordering")
        ]

    def __str__(self) -> str:
        return self.name


class Video(models.Model):
    class Site(models.TextChoices):
        YOUTUBE = "YouTube"
        VIMEO = "Vimeo"

    # Indexed by the unique constraint (title, site, key), which leads with it.
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="videos", db_index=False
    )
    site = models.CharField(max_length=16, choices=Site.choices)
    key = models.CharField(max_length=64)
    name = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=32, default="Trailer", help_text="Trailer, Teaser, Clip...")
    is_official = models.BooleanField(default=False)
    size = models.PositiveSmallIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["title", "site", "key"], name="video_once_per_title")
        ]

    def __str__(self) -> str:
        return self.name or f"{self.site} {self.key}"

    @property
    def embed_url(self) -> str:
        if self.site == self.Site.VIMEO:
            return f"https://player.vimeo.com/video/{self.key}"
        return f"https://www.youtube-nocookie.com/embed/{self.key}"

    @property
    def watch_url(self) -> str:
        if self.site == self.Site.VIMEO:
            return f"https://vimeo.com/{self.key}"
        return f"https://www.youtube.com/watch?v={self.key}"


def trailer_choose(videos: Iterable[Video]) -> Video | None:
    """The video for the Trailer tab: official YouTube trailers first, then larger, then newest."""
    trailers = [v for v in videos if v.kind in {"Trailer", "Teaser"}]
    if not trailers:
        return None
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(
        trailers,
        key=lambda v: (
            v.kind == "Trailer",
            v.is_official,
            v.site == Video.Site.YOUTUBE,
            v.size or 0,
            v.published_at or oldest,
        ),
    )


class Provider(models.Model):
    """A service that streams, rents or sells titles (Prime Video, Max...)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    homepage = models.URLField(blank=True)
    logo_url = models.URLField(max_length=500, blank=True)
    tmdb_id = models.IntegerField(null=True, blank=True, unique=True)
    display_priority = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["display_priority", "name"]

    def __str__(self) -> str:
        return self.name


class Availability(models.Model):
    class Kind(models.TextChoices):
        STREAM = "stream", "Stream"
        FREE = "free", "Free"
        ADS = "ads", "Free with ads"
        RENT = "rent", "Rent"
        BUY = "buy", "Buy"

    # Indexed by the unique constraint, which leads with it.
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="availability", db_index=False
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="availability")
    region = models.CharField(max_length=4, help_text="ISO 3166-1 alpha-2")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    link = models.URLField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "availability"
        constraints = [
            models.UniqueConstraint(
                fields=["title", "provider", "region", "kind"], name="availability_unique"
            )
        ]
        indexes = [models.Index(fields=["region", "provider"])]

    def __str__(self) -> str:
        return f"{self.title_id} on {self.provider_id} ({self.region}, {self.kind})"


# Watching for free beats a subscription, which beats paying per title.
AVAILABILITY_ORDER = {kind: i for i, kind in enumerate(["free", "ads", "stream", "rent", "buy"])}


class TitleRelation(models.Model):
    """A typed, directed link between two titles: `source` is a reimagining of `target`.

    Each kind reads one way from the source and another from the target, so a relation
    stored once shows on both pages ("Reimagining of" on one, "Reimagined as" on the other).
    The `similar` and `recommended` kinds hold ranked lists imported from a source (TMDB)
    or built by Reelhouse; they feed the rails rather than the related-titles list.
    """

    class Kind(models.TextChoices):
        REMAKE_OF = "remake_of", "Remake of"
        REIMAGINING_OF = "reimagining_of", "Reimagining of"
        SEQUEL_OF = "sequel_of", "Sequel to"
        BASED_ON = "based_on", "Based on"
        SIMILAR = "similar", "Similar to"
        RECOMMENDED = "recommended", "Recommended with"

    class Origin(models.TextChoices):
        EDITORIAL = "editorial"
        TMDB = "tmdb"
        IMDB = "imdb"
        MOVIELENS = "movielens"
        REELHOUSE = "reelhouse"

    INVERSE_LABELS: dict[str, str] = {
        Kind.REMAKE_OF: "Remade as",
        Kind.REIMAGINING_OF: "Reimagined as",
        Kind.SEQUEL_OF: "Followed by",
        Kind.BASED_ON: "Adapted as",
        Kind.SIMILAR: "Similar to",
        Kind.RECOMMENDED: "Recommended with",
    }
    LIST_KINDS = frozenset({Kind.SIMILAR, Kind.RECOMMENDED})

    # Each indexed by an index that leads with it: the unique constraint, the (target, kind) index.
    source = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="relations_out", db_index=False
    )
    target = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="relations_in", db_index=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.EDITORIAL)
    rank = models.PositiveSmallIntegerField(default=0, help_text="Order within a list; 0 first")

    class Meta:
        ordering = ["kind", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind", "origin"], name="relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="relation_not_to_itself"
            ),
        ]
        indexes = [models.Index(fields=["target", "kind"])]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"

    def label_from(self, title_id: int) -> str:
        """How this relation reads on the page of `title_id`, which is either end of it."""
        if title_id == self.source_id:
            return self.get_kind_display()
        if title_id == self.target_id:
            return self.INVERSE_LABELS[self.kind]
        raise ValueError(f"title {title_id} is not part of relation {self}")

    def other_end(self, title_id: int) -> Any:
        return self.target if title_id == self.source_id else self.source


class TitleDocument(models.Model):
    """Everything a title's page and API show, precomputed as one JSON document.

    Pages read one row instead of a dozen joins. Writes that change what a page shows delete the
    documents they touch (see signals.py); the next read rebuilds them.
    """

    title = models.OneToOneField(
        Title, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    version = models.PositiveSmallIntegerField()
    data = models.JSONField()
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"document of {self.title_id} (v{self.version})"

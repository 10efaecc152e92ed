"""Discover: browse titles by genre, year or decade, certification, runtime, rating, provider and
kind, sorted by popularity, weighted rating or release date.

Every filter is a GET parameter (`DiscoverFilters`); pages and the API validate the same model.
Pages are bounded offsets (at most `MAX_PAGE` pages) over indexed sorts, so no page reads far.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypedDict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reelhouse.catalog.documents import TitleCard, title_cards
from reelhouse.catalog.models import Availability, Certification, Genre, Provider, Title
from reelhouse.search.models import DiscoverEntry, DiscoverStats

PER_PAGE = 24
MAX_PAGE = 50
# m is the votes of the title at this share of the voted catalog: above it a rating counts fully.
MIN_VOTES_QUANTILE = 0.9
# From this many titles a rebuild drops the discover indexes and builds them after the load.
BULK_FROM = 50_000
SORTS = {
    "popularity": ["-popularity", "title_id"],
    "rating": ["-weighted", "title_id"],
    "release": ["-release_date", "title_id"],
}


class DiscoverFilters(BaseModel):
    """The filters of a discover page or API call, as given in the URL."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    genre: str | None = Field(
        None, max_length=64, pattern=r"^[a-z0-9-]+$", description="Genre slug"
    )
    year: int | None = Field(None, ge=1870, le=2200)
    decade: str | None = Field(None, pattern=r"^\d{3}0s$", description="e.g. 1940s")
    certification: str | None = Field(None, max_length=16, pattern=r"^[A-Za-z0-9+\-. ]+$")
    region: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")
    provider: str | None = Field(
        None, max_length=100, pattern=r"^[a-z0-9-]+$", description="Provider slug"
    )
    runtime_min: int | None = Field(None, ge=0, le=1000)
    runtime_max: int | None = Field(None, ge=0, le=1000)
    rating_min: float | None = Field(None, ge=0, le=10)
    rating_max: float | None = Field(None, ge=0, le=10)
    kind: Literal["movie", "series"] | None = None
    sort: Literal["popularity", "rating", "release"] = "popularity"
    page: int = Field(1, ge=1, le=MAX_PAGE)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # An unselected <select> sends "genre=": the same as leaving the filter out.
        return None if value == "" else value

    @model_validator(mode="after")
    def _consistent(self) -> DiscoverFilters:
        if self.year is not None and self.decade is not None:
            raise ValueError("give a year or a decade, not both")
        for low, high, name in (
            (self.runtime_min, self.runtime_max, "runtime"),
            (self.rating_min, self.rating_max, "rating"),
        ):
            if low is not None and high is not None and low > high:
                raise ValueError(f"{name}_min is more than {name}_max")
        return self

    def region_or_default(self) -> str:
        return (self.region or str(settings.REELHOUSE_REGION)).upper()

    def query_string(self, **changes: Any) -> str:
        """The URL query of these filters (without defaults), with `changes` applied."""
        from urllib.parse import urlencode

        values = {**self.model_dump(exclude_defaults=True), **changes}
        return urlencode({k: v for k, v in values.items() if v is not None and v != ""})


class DiscoverError(ValueError):
    """Filters that do not make sense: the message says which and why."""


def discover_filters_parse(params: Any) -> DiscoverFilters:
    """Filters from a QueryDict or mapping; DiscoverError with a readable message when invalid."""
    data = {
        key: params.get(key) for key in DiscoverFilters.model_fields if params.get(key) is not None
    }
    try:
        return DiscoverFilters.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = first.get("msg", "invalid").removeprefix("Value error, ")
        raise DiscoverError(f"{where}: {message}" if where else message) from error


class DiscoverPage(TypedDict):
    results: list[TitleCard]
    page: int
    per_page: int
    has_next: bool


def discover_queryset(filters: DiscoverFilters) -> QuerySet[DiscoverEntry]:
    """The matching entries in the requested order. Raises DiscoverError for unknown names."""
    rows = DiscoverEntry.objects.all()
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.year is not None:
        # The decade leads the indexes; the year is then checked inside them.
        rows = rows.filter(decade=filters.year // 10 * 10, year=filters.year)
    if filters.decade:
        rows = rows.filter(decade=int(filters.decade[:4]))
    if filters.runtime_min is not None:
        rows = rows.filter(runtime__gte=filters.runtime_min)
    if filters.runtime_max is not None:
        rows = rows.filter(runtime__lte=filters.runtime_max)
    if filters.rating_min is not None:
        rows = rows.filter(rating__gte=filters.rating_min)
    if filters.rating_max is not None:
        rows = rows.filter(rating__lte=filters.rating_max)
    if filters.genre:
        genre_id = Genre.objects.filter(slug=filters.genre).values_list("pk", flat=True).first()
        if genre_id is None:
            raise DiscoverError(f"genre: no genre {filters.genre!r}")
        through = Title.genres.through.objects.filter(
            title_id=OuterRef("title_id"), genre_id=genre_id
        )
        rows = rows.filter(Exists(through))
    region = filters.region_or_default()
    if filters.certification:
        rows = rows.filter(
            Exists(
                Certification.objects.filter(
                    title_id=OuterRef("title_id"),
                    region=region,
                    value__iexact=filters.certification,
                )
            )
        )
    if filters.provider:
        provider_id = (
            Provider.objects.filter(slug=filters.provider).values_list("pk", flat=True).first()
        )
        if provider_id is None:
            raise DiscoverError(f"provider: no provider {filters.provider!r}")
        rows = rows.filter(
            Exists(
                Availability.objects.filter(
                    title_id=OuterRef("title_id"), provider_id=provider_id, region=region
                )
            )
        )
    if filters.sort == "release":
        rows = rows.filter(release_date__isnull=False)
    if filters.sort == "rating":
        rows = rows.filter(rating__isnull=False)
    return rows.order_by(*SORTS[filters.sort])


def discover_page(filters: DiscoverFilters, *, per_page: int = PER_PAGE) -> DiscoverPage:
    start = (filters.page - 1) * per_page
    ids = list(
        discover_queryset(filters).values_list("title_id", flat=True)[start : start + per_page + 1]
    )
    cards = title_cards(ids[:per_page])
    return {
        "results": list(cards.values()),
        "page": filters.page,
        "per_page": per_page,
        "has_next": len(ids) > per_page and filters.page < MAX_PAGE,
    }


def discover_stats_refresh() -> DiscoverStats:
    """m and C from the catalog: the 90th percentile of votes, and the mean rating."""
    voted = Title.objects.filter(rating__isnull=False, rating_votes__gt=0).exclude(
        kind=Title.Kind.EPISODE
    )
    count = voted.count()
    min_votes = 1.0
    if count:
        position = min(count - 1, int(count * MIN_VOTES_QUANTILE))
        min_votes = float(
            voted.order_by("rating_votes").values_list("rating_votes", flat=True)[position] or 1
        )
    rated = Title.objects.filter(rating__isnull=False).exclude(kind=Title.Kind.EPISODE)
    from django.db.models import Avg

    mean = rated.aggregate(mean=Avg("rating"))["mean"]
    stats, _ = DiscoverStats.objects.update_or_create(
        pk=1, defaults={"min_votes": max(min_votes, 1.0), "mean_rating": float(mean or 0.0)}
    )
    return stats


_COLUMNS = (
    "title_id, kind, year, decade, release_date, runtime, rating, votes, popularity, weighted"
)
_SELECT = (
    "SELECT id, kind, year, year / 10 * 10, release_date, runtime, rating, "
    "COALESCE(rating_votes, 0), popularity, "
    "CASE WHEN rating IS NULL THEN 0 ELSE "
    "(COALESCE(rating_votes, 0) * rating + %s * %s) / (COALESCE(rating_votes, 0) + %s) END "
    "FROM catalog_title WHERE kind <> 'episode'"
)


def discover_rebuild() -> int:
    """Recompute m and C and every entry, in one transaction; returns the entries written."""
    # For a big catalog the nine indexes are built once each after the load rather than kept
    # up row by row through it. The editor only renders SQL: SQLite refuses to enter one
    # inside a transaction.
    editor = connection.schema_editor()
    indexes = DiscoverEntry._meta.indexes
    with transaction.atomic():
        stats = discover_stats_refresh()
        m, c = stats.min_votes, stats.mean_rating
        is_bulk = Title.objects.count() >= BULK_FROM
        with connection.cursor() as cursor:
            if is_bulk:
                for index in indexes:
                    cursor.execute(f"DROP INDEX IF EXISTS {index.name}")
            cursor.execute("DELETE FROM search_discoverentry")
            cursor.execute(f"INSERT INTO search_discoverentry ({_COLUMNS}) {_SELECT}", [m, c, m])
            written = int(cursor.rowcount)
            if is_bulk:
                if connection.vendor == "postgresql":
                    # The title foreign key is checked at commit; PostgreSQL builds no index
                    # on a table with checks pending.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for index in indexes:
                    cursor.execute(str(index.create_sql(DiscoverEntry, editor)))
            cursor.execute("ANALYZE search_discoverentry")
    return written


def discover_update(title_ids: Iterable[int]) -> None:
    """Entries for these titles as they are now, with the stored m and C."""
    ids = list(title_ids)
    if not ids:
        return
    stats = DiscoverStats.objects.filter(pk=1).first()
    m, c = (stats.min_votes, stats.mean_rating) if stats else (1.0, 0.0)
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM search_discoverentry WHERE title_id IN ({marks})", ids)  # noqa: S608
        cursor.execute(
            f"INSERT INTO search_discoverentry ({_COLUMNS}) {_SELECT} AND id IN ({marks})",
            [m, c, m, *ids],
        )

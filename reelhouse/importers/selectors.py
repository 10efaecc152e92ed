"""What the catalog holds, for `reelhouse stats` and scripts."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Count, Model, QuerySet

from reelhouse.catalog.models import Availability, Genre, Keyword, Provider, Title
from reelhouse.community.models import Rating, Review
from reelhouse.editorial.models import Article
from reelhouse.people.models import Credit, Person


class CatalogStats(TypedDict):
    titles: int
    titles_by_kind: dict[str, int]
    people: int
    credits: int
    genres: int
    keywords: int
    ratings: int
    ratings_by_source: dict[str, int]
    # Titles whose page shows a source's average (IMDb's, TMDB's), by that source.
    titles_rated: int
    titles_rated_by_source: dict[str, int]
    reviews: int
    reviews_by_status: dict[str, int]
    providers: int
    availability: int
    articles: int


def _by(queryset: QuerySet[Model], field: str) -> dict[str, int]:
    rows = queryset.order_by().values_list(field).annotate(n=Count("pk")).order_by(field)
    return {str(value): n for value, n in rows}


def catalog_stats() -> CatalogStats:
    """Counts of everything the site shows: twelve queries whatever the catalog's size."""
    kinds = _by(Title.objects.all(), "kind")
    ratings = _by(Rating.objects.all(), "source")
    rated = _by(Title.objects.filter(rating__isnull=False), "rating_source")
    reviews = _by(Review.objects.all(), "status")
    return {
        "titles": sum(kinds.values()),
        "titles_by_kind": kinds,
        "people": Person.objects.count(),
        "credits": Credit.objects.count(),
        "genres": Genre.objects.count(),
        "keywords": Keyword.objects.count(),
        "ratings": sum(ratings.values()),
        "ratings_by_source": ratings,
        "titles_rated": sum(rated.values()),
        "titles_rated_by_source": rated,
        "reviews": sum(reviews.values()),
        "reviews_by_status": reviews,
        "providers": Provider.objects.count(),
        "availability": Availability.objects.count(),
        "articles": Article.objects.count(),
    }

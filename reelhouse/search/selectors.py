"""A plain title, person and article match: full search (typos, accents, stories) comes later."""

from __future__ import annotations

import re
from typing import Any, Literal, TypedDict

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from reelhouse.catalog.models import Title
from reelhouse.editorial.selectors import article_published_list
from reelhouse.people.models import Person

ResultType = Literal["title", "person", "article"]
RESULT_TYPES: tuple[ResultType, ...] = ("title", "person", "article")
QUERY_MAX_LENGTH = 200
_IMDB_ID = re.compile(r"(tt|nm)\d{7,10}")
# "tmdb:862", "movielens:1", "imdb:tt0114709": a title by another site's id.
_EXTERNAL_ID = re.compile(r"(?P<site>tmdb|movielens|imdb):\s*(?P<id>tt\d{7,10}|\d{1,10})")
ExternalSite = Literal["imdb", "tmdb", "movielens"]
_EXTERNAL_FIELDS: dict[str, str] = {
    "imdb": "imdb_id",
    "tmdb": "tmdb_id",
    "movielens": "movielens_id",
}


class SearchResult(TypedDict):
    type: ResultType
    id: int
    name: str
    year: int | None
    url: str


class SearchPage(TypedDict):
    count: int
    results: list[SearchResult]


def search_query_clean(raw: str) -> str:
    """The query as searched: control characters dropped, spaces folded. Raises ValueError."""
    query = " ".join("".join(ch for ch in raw if ch.isprintable()).split())
    if not query:
        raise ValueError("Type something to search for.")
    if len(query) > QUERY_MAX_LENGTH:
        raise ValueError(f"A search is at most {QUERY_MAX_LENGTH} characters.")
    return query


def external_id_parse(query: str) -> tuple[ExternalSite, str | int] | None:
    """("tmdb", 862) for "tmdb:862", ("imdb", "tt0040725") for "tt0040725"; None otherwise."""
    text = query.strip().lower()
    if _IMDB_ID.fullmatch(text) and text.startswith("tt"):
        return "imdb", text
    match = _EXTERNAL_ID.fullmatch(text)
    if match is None:
        return None
    site, value = match["site"], match["id"]
    if site == "imdb":
        return ("imdb", value) if value.startswith("tt") else ("imdb", f"tt{int(value):07d}")
    if value.startswith("tt") or int(value) > 2_147_483_647:
        return None
    return ("tmdb" if site == "tmdb" else "movielens"), int(value)


def _titles_by_external_id(site: ExternalSite, value: str | int) -> QuerySet[Title]:
    return Title.objects.filter(**{_EXTERNAL_FIELDS[site]: value})


def title_id_by_external_id(site: ExternalSite, value: str | int) -> int | None:
    """The id of the title with this IMDb, TMDB or MovieLens id; None when there is none."""
    return _titles_by_external_id(site, value).values_list("pk", flat=True).first()


def _match_rank(field: str, query: str) -> Case:
    return Case(
        When(**{f"{field}__iexact": query}, then=Value(0)),
        When(**{f"{field}__istartswith": query}, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def search(
    query: str, *, types: tuple[ResultType, ...] = RESULT_TYPES, limit: int = 20, offset: int = 0
) -> SearchPage:
    """Titles, then people, then articles matching `query`, best match and best known first.

    Counts and slices each kind in the database (three or six queries whatever the catalog size).
    """
    kinds: list[tuple[str, QuerySet[Any]]] = []
    if "title" in types:
        external = external_id_parse(query)
        if external is not None:
            titles = _titles_by_external_id(*external)
        else:
            titles = Title.objects.filter(
                Q(title__icontains=query) | Q(original_title__icontains=query)
            ).exclude(kind=Title.Kind.EPISODE)
        titles = titles.annotate(match=_match_rank("title", query)).order_by(
            "match", F("rating_votes").desc(nulls_last=True), "-popularity", "title", "id"
        )
        kinds.append(("title", titles))
    if "person" in types:
        people = Person.objects.filter(name__icontains=query)
        people = people.annotate(match=_match_rank("name", query)).order_by(
            "match", "-popularity", "name", "id"
        )
        kinds.append(("person", people))
    if "article" in types:
        articles = article_published_list().filter(headline__icontains=query)
        kinds.append(("article", articles))

    results: list[SearchResult] = []
    total = 0
    for kind, queryset in kinds:
        count = queryset.count()
        start = max(0, offset - total)
        stop = max(0, offset + limit - total)
        total += count
        if start >= count or stop <= start:
            continue
        for row in queryset[start : min(stop, count)]:
            results.append(_result(kind, row))
    return {"count": total, "results": results}


def _result(kind: str, row: Any) -> SearchResult:
    if kind == "title":
        name, year = row.title, row.year
    elif kind == "person":
        name, year = row.name, row.birth_year
    else:
        name, year = row.headline, row.published_at.year if row.published_at else None
    return {"type": kind, "id": row.pk, "name": name, "year": year, "url": row.get_absolute_url()}  # type: ignore[typeddict-item]

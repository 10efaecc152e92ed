"""What pages and the API call to search: query cleaning, external ids, then the search index."""

from __future__ import annotations

import re
from typing import Literal

from django.db.models import QuerySet

from reelhouse.catalog.models import Title
from reelhouse.search import engine
from reelhouse.search.engine import RESULT_TYPES, ResultType, SearchPage, SearchResult

__all__ = ["RESULT_TYPES", "ResultType", "SearchPage", "SearchResult", "search"]

QUERY_MAX_LENGTH = 200
_IMDB_ID = re.compile(r"(tt|nm)\d{7,10}")
# "tmdb:862", "movielens:1", "imdb:tt0114709": a title by another site's id.
_EXTERNAL_ID = re.compile(r"(?P<site>tmdb|movielens|imdb):\s*(?P<id>tt\d{7,10}|\d{1,10})")
_SITE_PREFIX = re.compile(r"(tmdb|movielens|imdb):", re.IGNORECASE)
ExternalSite = Literal["imdb", "tmdb", "movielens"]
_EXTERNAL_FIELDS: dict[str, str] = {
    "imdb": "imdb_id",
    "tmdb": "tmdb_id",
    "movielens": "movielens_id",
}


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


def search(
    query: str, *, types: tuple[ResultType, ...] = RESULT_TYPES, limit: int = 20, offset: int = 0
) -> SearchPage:
    """Titles, people and articles for a cleaned query, best match and best known first.

    An external id (tt0040725, tmdb:19542, movielens:7943) finds its title directly; anything
    else goes to the search index (reelhouse/search/engine.py).
    """
    if _SITE_PREFIX.match(query) and external_id_parse(query) is None:
        return {"count": 0, "results": []}  # "tmdb:" and no valid id after it: no such title
    external = external_id_parse(query) if "title" in types else None
    if external is not None:
        results: list[SearchResult] = [
            {
                "type": "title",
                "id": t.pk,
                "name": t.title,
                "year": t.year,
                "url": t.get_absolute_url(),
            }
            for t in _titles_by_external_id(*external)[:1]
        ]
        return {"count": len(results), "results": results[offset : offset + limit]}
    return engine.search(query, types=types, limit=limit, offset=offset)

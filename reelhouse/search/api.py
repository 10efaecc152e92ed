from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from reelhouse.api.schemas import ERRORS, PageMeta
from reelhouse.catalog.api import TitleCard
from reelhouse.search.discover import (
    MAX_PAGE,
    DiscoverError,
    DiscoverFilters,
    discover_filters_parse,
    discover_page,
)
from reelhouse.search.engine import suggest
from reelhouse.search.selectors import QUERY_MAX_LENGTH, RESULT_TYPES, search, search_query_clean
from reelhouse.search.story import story_status

router = Router(tags=["search"])


class SearchQuery(Schema):
    q: str = Field(..., max_length=QUERY_MAX_LENGTH * 2, description="What to look for")
    type: Literal["title", "person", "article"] | None = Field(
        None, description="Only results of this type"
    )
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(20, ge=1, le=100)


class SearchResult(Schema):
    type: Literal["title", "person", "article"]
    id: int
    name: str = Field(description="A title's title, a person's name, an article's headline")
    year: int | None
    url: str = Field(description="The result's page on this site")


class SearchOut(PageMeta):
    query: str
    results: list[SearchResult]


class SuggestQuery(Schema):
    q: str = Field("", max_length=QUERY_MAX_LENGTH * 2, description="What has been typed so far")


class SuggestOut(Schema):
    query: str
    results: list[SearchResult]


class DiscoverOut(Schema):
    filters: dict[str, Any] = Field(description="The filters applied, defaults included")
    page: int
    per_page: int
    has_next: bool = Field(description=f"Whether another page follows (at most {MAX_PAGE} pages)")
    results: list[TitleCard]


class StoryOut(Schema):
    installed: bool
    message: str


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search")
def search_endpoint(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Titles, people and articles matching the query (typos, accents and prefixes forgiven)."""
    try:
        query = search_query_clean(params.q)
    except ValueError as error:
        raise HttpError(400, str(error)) from error
    found = search(
        query,
        types=(params.type,) if params.type else RESULT_TYPES,
        limit=params.per_page,
        offset=(params.page - 1) * params.per_page,
    )
    return {
        "query": query,
        "count": found["count"],
        "page": params.page,
        "per_page": params.per_page,
        "pages": max(1, -(-found["count"] // params.per_page)),
        "results": found["results"],
    }


@router.get("/search/suggest", response={200: SuggestOut, **ERRORS}, summary="Suggestions")
def suggest_endpoint(
    request: HttpRequest, response: HttpResponse, params: Query[SuggestQuery]
) -> dict[str, Any]:
    """Up to 8 titles and people for a search box, as the user types; none for an empty query."""
    # The same answer for everyone: a browser or a shared cache may keep it for a while.
    response["Cache-Control"] = "public, max-age=300"
    try:
        query = search_query_clean(params.q)
    except ValueError as error:
        if not params.q.strip() or not "".join(ch for ch in params.q if ch.isprintable()).strip():
            return {"query": "", "results": []}
        raise HttpError(400, str(error)) from error
    return {"query": query, "results": suggest(query)}


@router.get("/discover", response={200: DiscoverOut, **ERRORS}, summary="Discover titles")
def discover_endpoint(request: HttpRequest, params: Query[DiscoverFilters]) -> dict[str, Any]:
    """Titles filtered by genre, year or decade, certification, runtime, rating, provider and
    kind (certification and provider in `region`), sorted by popularity, weighted rating or
    release date."""
    try:
        filters = discover_filters_parse(params.model_dump(exclude_none=True))
        page = discover_page(filters, per_page=24)
    except DiscoverError as error:
        raise HttpError(422, str(error)) from error
    return {"filters": filters.model_dump(), **page}


@router.get("/search/story", response={200: StoryOut}, summary="Is story search installed?")
def story_endpoint(request: HttpRequest) -> dict[str, Any]:
    """Whether plot descriptions are searched too (the optional `story` extra)."""
    return dict(story_status())

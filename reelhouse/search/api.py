from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from reelhouse.api.schemas import ERRORS, PageMeta
from reelhouse.search.selectors import QUERY_MAX_LENGTH, RESULT_TYPES, search, search_query_clean

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


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search")
def search_endpoint(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Titles, people and articles whose name contains the query, best match first."""
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

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, Field

from reelhouse.api.schemas import ERRORS, PageMeta, paged
from reelhouse.catalog.documents import title_document_get
from reelhouse.catalog.models import certification_choose
from reelhouse.community.selectors import review_published_list
from reelhouse.lib.http import region_from
from reelhouse.search.selectors import ExternalSite, title_id_by_external_id

router = Router(tags=["titles"])

# Response shapes are plain pydantic models: ninja's Schema wraps every nested dict so that it can
# read ORM attributes, which these precomputed dicts don't need, at 0.5 ms a title.


class Genre(BaseModel):
    name: str
    slug: str


class ProviderOffer(BaseModel):
    name: str
    slug: str
    kind: str = Field(description="stream, free, ads, rent or buy")
    link: str
    logo_url: str


class TitleCard(BaseModel):
    id: int
    title: str
    year: int | None
    kind: str
    url: str
    synopsis: str
    poster_url: str
    rating: float | None
    providers: dict[str, list[ProviderOffer]] = Field(description="Offers by region code")


class RailCard(TitleCard):
    reasons: list[str] = Field(
        description='Why it is on the rail, strongest first: "Same director: Michael Powell"'
    )


class CastMember(BaseModel):
    person_id: int
    name: str
    url: str
    photo_url: str
    character: str
    order: int


class CrewMember(BaseModel):
    person_id: int
    name: str
    url: str
    department: str
    job: str


class Trailer(BaseModel):
    site: str
    key: str
    name: str
    embed_url: str
    watch_url: str


class Relation(BaseModel):
    label: str = Field(description='How it reads from this title: "Reimagined as"')
    kind: str
    title: TitleCard


class ArticleLink(BaseModel):
    headline: str
    slug: str
    url: str
    standfirst: str
    author: str
    published_at: str | None


class ExternalIds(BaseModel):
    imdb: str | None
    tmdb: int | None
    movielens: int | None


class Review(BaseModel):
    id: int
    author: str
    created_at: str
    rating: float | None
    is_spoiler: bool
    headline: str
    text: str


class ReviewSummary(BaseModel):
    count: int
    items: list[Review] = Field(description="The first reviews, oldest first")


class TitleOut(BaseModel):
    id: int
    url: str
    kind: str
    title: str
    original_title: str
    year: int | None
    end_year: int | None
    release_date: str | None
    runtime: int | None = Field(description="Minutes")
    tagline: str
    synopsis: str
    poster_url: str
    backdrop_url: str
    rating: float | None
    rating_votes: int | None
    rating_source: str
    region: str
    certification: str = Field(description='For the region asked; "NR" when none is known')
    certifications: dict[str, str]
    genres: list[Genre]
    keywords: list[str]
    external_ids: ExternalIds
    cast: list[CastMember]
    crew: list[CrewMember]
    trailer: Trailer | None
    providers: list[ProviderOffer] = Field(description="Where to watch in the region asked")
    availability: dict[str, list[ProviderOffer]]
    similar: list[RailCard]
    recommended: list[RailCard]
    relations: list[Relation]
    articles: list[ArticleLink]
    reviews: ReviewSummary


class ReviewPage(PageMeta):
    results: list[Review]


class RegionQuery(Schema):
    region: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 code")


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


def _document(title_id: int) -> dict[str, Any]:
    doc = title_document_get(title_id)
    if doc is None:
        raise Http404(f"No title with id {title_id}.")
    return doc


class LookupQuery(RegionQuery):
    imdb: str | None = Field(None, pattern=r"^tt\d{7,10}$", description="An IMDb id: tt0040725")
    tmdb: int | None = Field(None, ge=1, le=2_147_483_647, description="A TMDB movie id")
    movielens: int | None = Field(None, ge=1, le=2_147_483_647, description="A MovieLens movieId")


# Declared before /titles/{title_id} so that "lookup" is never read as an id.
@router.get(
    "/titles/lookup", response={200: TitleOut, **ERRORS}, summary="A title by an external id"
)
def title_lookup(request: HttpRequest, query: Query[LookupQuery]) -> dict[str, Any]:
    """The title with this IMDb, TMDB or MovieLens id (exactly one), as `GET /titles/{id}`."""
    ids: dict[ExternalSite, str | int | None] = {
        "imdb": query.imdb,
        "tmdb": query.tmdb,
        "movielens": query.movielens,
    }
    given = [(name, value) for name, value in ids.items() if value is not None]
    if len(given) != 1:
        raise HttpError(400, "Give exactly one of imdb, tmdb or movielens.")
    name, value = given[0]
    title_id = title_id_by_external_id(name, value)
    if title_id is None:
        raise Http404(f"No title with {name} id {value}.")
    return _title_body(request, title_id)


@router.get("/titles/{title_id}", response={200: TitleOut, **ERRORS}, summary="A title")
def title_get(request: HttpRequest, title_id: int, query: Query[RegionQuery]) -> dict[str, Any]:
    """Everything the title page shows: cast, crew, where to watch, rails, relations, reviews."""
    return _title_body(request, title_id)


def _title_body(request: HttpRequest, title_id: int) -> dict[str, Any]:
    doc = _document(title_id)
    region = region_from(request)
    return {
        **doc,
        "region": region,
        "certification": certification_choose(doc["certifications"], region),
        "providers": doc["availability"].get(region, []),
    }


@router.get(
    "/titles/{title_id}/reviews", response={200: ReviewPage, **ERRORS}, summary="A title's reviews"
)
def title_reviews(request: HttpRequest, title_id: int, query: Query[PageQuery]) -> dict[str, Any]:
    _document(title_id)
    paginator = Paginator(review_published_list(title_id=title_id), query.per_page)
    page = paginator.page(min(query.page, paginator.num_pages))
    results = (
        [
            {
                "id": r.pk,
                "author": r.author_name,
                "created_at": r.created_at.isoformat(),
                "rating": r.rating,
                "is_spoiler": r.is_spoiler,
                "headline": r.headline,
                "text": r.text,
            }
            for r in page.object_list
        ]
        if query.page <= paginator.num_pages
        else []
    )
    return paged(paginator, query.page, results)

"""/api/v1/me/...: the signed-in member's ratings and watchlist.

Django's session signs the member in, as on the site; PUT and DELETE need the CSRF token
(the `csrftoken` cookie, sent back as an `X-CSRFToken` header).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import SessionAuth
from pydantic import BaseModel, Field

from reelhouse.api.schemas import ERRORS, ErrorOut, PageMeta, paged
from reelhouse.catalog.api import PageQuery, TitleCard
from reelhouse.catalog.documents import title_cards
from reelhouse.community.models import SCORE_MAX, SCORE_MIN, Rating, User, Watchlist
from reelhouse.community.selectors import (
    rating_get_for_user,
    rating_list_for_user,
    title_get_or_404,
    watchlist_get_for_user,
    watchlist_list_for_user,
)
from reelhouse.community.services import (
    rating_delete,
    rating_set,
    watchlist_add,
    watchlist_remove,
)


class SignedIn(SessionAuth):
    """The session of a signed-in member, CSRF-checked on writes.

    Someone not signed in gets 401, before the CSRF check: without a session there is
    nothing to forge, and "sign in first" is the answer that helps them.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


router = Router(tags=["me"], auth=SignedIn())
ME_ERRORS: dict[int, Any] = {**ERRORS, 401: ErrorOut, 403: ErrorOut}


class RatingIn(Schema):
    score: int = Field(
        ge=SCORE_MIN,
        le=SCORE_MAX,
        # Strict: 7.5, "7" or true are mistakes to report, not numbers to guess at.
        strict=True,
        description="The site's 0-10 scale in half stars, a whole number: 1 is ½ star, 10 is 5",
    )


class RatingOut(BaseModel):
    title: TitleCard
    score: float = Field(description="0-10")
    stars: float = Field(description="The same out of 5, in half stars")
    rated_at: dt.datetime


class RatingPage(PageMeta):
    results: list[RatingOut] = Field(description="Newest first")


class WatchlistOut(BaseModel):
    title: TitleCard
    added_at: dt.datetime


class WatchlistPage(PageMeta):
    results: list[WatchlistOut] = Field(description="The latest added first")


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # the router's auth already let only members in
        raise AuthenticationError
    return request.user


def _rating_body(rating: Rating, card: Any) -> dict[str, Any]:
    return {
        "title": card,
        "score": rating.score,
        "stars": rating.stars,
        "rated_at": rating.rated_at,
    }


def _watchlist_body(entry: Watchlist, card: Any) -> dict[str, Any]:
    return {"title": card, "added_at": entry.added_at}


def _page(rows: Any, query: PageQuery, body: Any) -> dict[str, Any]:
    paginator = Paginator(rows, query.per_page)
    results: list[dict[str, Any]] = []
    if query.page <= paginator.num_pages:
        page = list(paginator.page(query.page).object_list)
        cards = title_cards(row.title_id for row in page)
        results = [body(row, cards[row.title_id]) for row in page if row.title_id in cards]
    return paged(paginator, query.page, results)


@router.get("/me/ratings", response={200: RatingPage, **ME_ERRORS}, summary="Your ratings")
def my_ratings(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    return _page(rating_list_for_user(user=_member(request)), query, _rating_body)


@router.get("/me/ratings/{title_id}", response={200: RatingOut, **ME_ERRORS}, summary="Your rating")
def my_rating(request: HttpRequest, title_id: int) -> dict[str, Any]:
    """404 when the title is unknown or you have not rated it."""
    rating = rating_get_for_user(user=_member(request), title_id=title_id)
    return _rating_body(rating, title_cards([title_id])[title_id])


@router.put(
    "/me/ratings/{title_id}",
    response={200: RatingOut, **ME_ERRORS},
    summary="Rate a title, or change your rating",
)
def my_rating_set(request: HttpRequest, title_id: int, rating: RatingIn) -> dict[str, Any]:
    """`{"score": 9}` rates it 4½ stars; a title rated already gets the new score."""
    title = title_get_or_404(title_id)
    row = rating_set(user=_member(request), title=title, score=rating.score)
    return _rating_body(row, title_cards([title_id])[title_id])


@router.delete(
    "/me/ratings/{title_id}", response={204: None, **ME_ERRORS}, summary="Remove your rating"
)
def my_rating_delete(request: HttpRequest, title_id: int) -> Status[None]:
    """204 whether or not you had rated it; 404 for an unknown title."""
    rating_delete(user=_member(request), title=title_get_or_404(title_id))
    return Status(204, None)


@router.get("/me/watchlist", response={200: WatchlistPage, **ME_ERRORS}, summary="Your watchlist")
def my_watchlist(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    return _page(watchlist_list_for_user(user=_member(request)), query, _watchlist_body)


@router.get(
    "/me/watchlist/{title_id}",
    response={200: WatchlistOut, **ME_ERRORS},
    summary="A title on your watchlist",
)
def my_watchlist_entry(request: HttpRequest, title_id: int) -> dict[str, Any]:
    """404 when the title is unknown or not on your watchlist."""
    entry = watchlist_get_for_user(user=_member(request), title_id=title_id)
    return _watchlist_body(entry, title_cards([title_id])[title_id])


@router.put(
    "/me/watchlist/{title_id}",
    response={200: WatchlistOut, 201: WatchlistOut, **ME_ERRORS},
    summary="Add a title to your watchlist",
)
def my_watchlist_add(request: HttpRequest, title_id: int) -> Status[dict[str, Any]]:
    """201 when it is new on your watchlist, 200 when it was there already (its date stays)."""
    entry, created = watchlist_add(user=_member(request), title=title_get_or_404(title_id))
    body = _watchlist_body(entry, title_cards([title_id])[title_id])
    return Status(201 if created else 200, body)


@router.delete(
    "/me/watchlist/{title_id}",
    response={204: None, **ME_ERRORS},
    summary="Take a title off your watchlist",
)
def my_watchlist_remove(request: HttpRequest, title_id: int) -> Status[None]:
    """204 whether or not it was on your watchlist; 404 for an unknown title."""
    watchlist_remove(user=_member(request), title=title_get_or_404(title_id))
    return Status(204, None)

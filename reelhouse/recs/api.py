"""GET /api/v1/recs/for-you: the "For you" page's recommendations as JSON."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from reelhouse.api.schemas import ERRORS
from reelhouse.recs.forms import ForYouParams
from reelhouse.recs.selectors import ForYouError, for_you_get

router = Router(tags=["recommendations"])


class TitleRef(Schema):
    id: int
    title: str
    year: int | None
    url: str


class ForYouItem(TitleRef):
    poster_url: str
    reasons: list[str] = Field(
        description=(
            '"Because you liked X" or "Because it\'s like X on your watchlist", strongest first'
        )
    )


class ForYouOut(Schema):
    rated: int = Field(description="How many titles the profile rated (all left out)")
    watchlisted: int = Field(
        description="How many titles are on the signed-in member's watchlist (all left out)"
    )
    based_on: list[TitleRef] = Field(description="The liked titles used, strongest first")
    watchlist: list[TitleRef] = Field(
        description="The watchlist titles used, the latest added first; they weigh half as much"
    )
    results: list[ForYouItem]


@router.get(
    "/recs/for-you",
    response={200: ForYouOut, **ERRORS},
    summary="Recommendations for a profile",
    description=(
        "For the signed-in user (their ratings and watchlist), an imported profile (`source` and "
        "`user`, e.g. movielens and 42), and/or titles picked by hand (`liked`, repeated, up to "
        '10: the cold start). Read from the stored "you may also like" lists; titles the profile '
        "rated, picked or has on its watchlist are left out."
    ),
)
def for_you(request: HttpRequest, params: Query[ForYouParams]) -> ForYouOut:
    user_id = request.user.pk if request.user.is_authenticated and not params.user else None
    if user_id is None and not params.user and not params.liked:
        raise HttpError(400, "Give source and user, or liked titles, or sign in.")
    try:
        result = for_you_get(
            user_id=user_id, source=params.source, external_user=params.user, liked=params.liked
        )
    except ForYouError as error:
        raise HttpError(404, str(error)) from error
    return ForYouOut(
        rated=result.rated,
        watchlisted=result.watchlisted,
        based_on=[
            TitleRef(id=t["id"], title=t["title"], year=t["year"], url=t["url"])
            for t in result.based_on
        ],
        watchlist=[
            TitleRef(id=t["id"], title=t["title"], year=t["year"], url=t["url"])
            for t in result.watchlist
        ],
        results=[
            ForYouItem(
                id=c["id"],
                title=c["title"],
                year=c["year"],
                url=c["url"],
                poster_url=c["poster_url"],
                reasons=c["reasons"],
            )
            for c in result.items
        ],
    )

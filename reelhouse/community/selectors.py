from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse

from reelhouse.catalog.models import Title
from reelhouse.community.models import Rating, Review, User, Watchlist, stars_label, stars_text


def review_published_list(*, title_id: int) -> QuerySet[Review]:
    return Review.objects.filter(title_id=title_id, status=Review.Status.PUBLISHED).order_by(
        "created_at", "id"
    )


def title_get_or_404(title_id: int) -> Title:
    """The title a member rates or watchlists: only its id and name are read."""
    title = Title.objects.only("pk", "title", "slug").filter(pk=title_id).first()
    if title is None:
        raise Http404(f"No title with id {title_id}.")
    return title


def rating_list_for_user(*, user: User) -> QuerySet[Rating]:
    """A member's ratings, newest first."""
    return Rating.objects.filter(user=user).order_by("-rated_at", "-pk")


def watchlist_list_for_user(*, user: User) -> QuerySet[Watchlist]:
    """A member's watchlist, the latest added first."""
    return Watchlist.objects.filter(user=user).order_by("-added_at", "-pk")


def rating_get_for_user(*, user: User, title_id: int) -> Rating:
    """The member's own rating of a title; Http404 when the title is unknown or unrated."""
    title_get_or_404(title_id)
    rating = Rating.objects.filter(user=user, title_id=title_id).first()
    if rating is None:
        raise Http404(f"You have not rated title {title_id}.")
    return rating


def watchlist_get_for_user(*, user: User, title_id: int) -> Watchlist:
    """The member's own watchlist entry; Http404 when the title is unknown or not on it."""
    title_get_or_404(title_id)
    entry = Watchlist.objects.filter(user=user, title_id=title_id).first()
    if entry is None:
        raise Http404(f"Title {title_id} is not on your watchlist.")
    return entry


@dataclass(frozen=True)
class TitleYou:
    """A title as one member stands with it: their score, and whether they mean to watch it."""

    id: int
    title: str
    year: int | None
    url: str
    poster_url: str
    score: float | None
    is_on_watchlist: bool

    @property
    def stars_text(self) -> str:
        return stars_text(self.score) if self.score is not None else ""

    @property
    def stars_label(self) -> str:
        return stars_label(self.score) if self.score is not None else ""

    @property
    def halves(self) -> int | None:
        """The score as the star widget's value: 1 (½ star) to 10 (5 stars)."""
        return round(self.score) if self.score is not None else None


_TITLE_YOU_FIELDS = ("pk", "title", "year", "slug", "poster_url")


def title_you_get(*, user: User | AnonymousUser, title_id: int) -> TitleYou:
    """The title with the member's rating and watchlist state, in one query. Http404: no title."""
    qs = Title.objects.filter(pk=title_id)
    row: Mapping[str, Any] | None
    if isinstance(user, User):
        qs = qs.annotate(
            your_score=Subquery(
                Rating.objects.filter(user=user, title=OuterRef("pk")).values("score")[:1]
            ),
            is_on_watchlist=Exists(Watchlist.objects.filter(user=user, title=OuterRef("pk"))),
        )
        row = qs.values(*_TITLE_YOU_FIELDS, "your_score", "is_on_watchlist").first()
    else:
        row = qs.values(*_TITLE_YOU_FIELDS).first()
    if row is None:
        raise Http404(f"No title with id {title_id}.")
    return TitleYou(
        id=row["pk"],
        title=row["title"],
        year=row["year"],
        url=reverse("catalog:detail", args=[row["pk"], row["slug"]]),
        poster_url=row["poster_url"],
        score=cast("float | None", row.get("your_score")),
        is_on_watchlist=bool(row.get("is_on_watchlist", False)),
    )

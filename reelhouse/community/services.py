"""Writes of the community domain: accounts, ratings and watchlists."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reelhouse.catalog.models import Title
from reelhouse.community.models import SCORE_MAX, SCORE_MIN, Rating, User, Watchlist

# The source our own members' ratings carry, next to imported ones such as "movielens".
RATING_SOURCE = "reelhouse"


def user_create(*, username: str, password: str) -> User:
    """A new member. The caller has validated the username and password (SignUpForm)."""
    with transaction.atomic():
        return User.objects.create_user(username=username, password=password)


def rating_set(*, user: User, title: Title, score: int) -> Rating:
    """Rate a title, or change the rating: `score` is 1 (½ star) to 10 (5 stars).

    A changed rating counts as new: it moves to the top of the member's ratings. A rated title
    has been seen: it leaves the member's watchlist, as on Letterboxd.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise ValidationError(
            f"A score is a whole number from {SCORE_MIN} (½ star) to {SCORE_MAX} (5 stars).",
            code="score",
        )
    with transaction.atomic():
        rating, _ = Rating.objects.update_or_create(
            user=user,
            title=title,
            defaults={
                "score": float(score),
                "source": RATING_SOURCE,
                "external_user": "",
                "rated_at": timezone.now(),
            },
        )
        Watchlist.objects.filter(user=user, title=title).delete()
    return rating


def rating_delete(*, user: User, title: Title) -> bool:
    """Forget the member's rating of a title. False when there was none."""
    with transaction.atomic():
        deleted, _ = Rating.objects.filter(user=user, title=title).delete()
    return deleted > 0


def watchlist_add(*, user: User, title: Title) -> tuple[Watchlist, bool]:
    """Put a title on the member's watchlist; a title already there keeps its date.

    Returns the entry and whether it is new.
    """
    with transaction.atomic():
        return Watchlist.objects.get_or_create(user=user, title=title)


def watchlist_remove(*, user: User, title: Title) -> bool:
    """Take a title off the member's watchlist. False when it was not on it."""
    with transaction.atomic():
        deleted, _ = Watchlist.objects.filter(user=user, title=title).delete()
    return deleted > 0

"""Members, ratings and watchlist entries for tests."""

from __future__ import annotations

import datetime as dt

from reelhouse.catalog.models import Title
from reelhouse.community.models import Rating, User, Watchlist

# Passes Django's password validators, so the same one works for signing up.
PASSWORD = "plum-orchard-47-lantern"
DAY_ONE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def make_user(username: str = "alice", password: str = PASSWORD) -> User:
    return User.objects.create_user(username=username, password=password)


def make_rating(user: User, title: Title, score: float, *, day: int = 0) -> Rating:
    return Rating.objects.create(
        user=user, title=title, score=score, rated_at=DAY_ONE + dt.timedelta(days=day)
    )


def make_watchlist(user: User, title: Title, *, day: int = 0) -> Watchlist:
    return Watchlist.objects.create(
        user=user, title=title, added_at=DAY_ONE + dt.timedelta(days=day)
    )

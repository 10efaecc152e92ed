from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reelhouse.catalog.models import Title
from reelhouse.community.models import Rating, User, Watchlist, stars_label, stars_text
from reelhouse.community.services import (
    rating_delete,
    rating_set,
    user_create,
    watchlist_add,
    watchlist_remove,
)
from reelhouse.community.tests.factories import PASSWORD, make_watchlist

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "text", "label"),
    [(1, "½", "½ star"), (2, "★", "1 star"), (7, "★★★½", "3½ stars"), (10, "★★★★★", "5 stars")],
)
def test_a_score_reads_as_half_stars(score: int, text: str, label: str) -> None:
    assert stars_text(score) == text
    assert stars_label(score) == label


@pytest.mark.parametrize("score", [0, 11, -1, True, 7.5, "8"])
def test_rating_set_refuses_what_is_not_a_half_star(alice: User, film: Title, score: Any) -> None:
    with pytest.raises(ValidationError):
        rating_set(user=alice, title=film, score=score)
    assert not Rating.objects.exists()


def test_rating_set_then_delete(alice: User, film: Title) -> None:
    rating = rating_set(user=alice, title=film, score=8)
    assert (rating.score, rating.source, rating.external_user) == (8.0, "reelhouse", "")
    assert rating_set(user=alice, title=film, score=3).pk == rating.pk
    assert rating_delete(user=alice, title=film) is True
    assert rating_delete(user=alice, title=film) is False


def test_rating_a_title_takes_it_off_the_watchlist(alice: User, film: Title) -> None:
    watchlist_add(user=alice, title=film)
    rating_set(user=alice, title=film, score=9)
    assert not Watchlist.objects.filter(user=alice, title=film).exists()


def test_watchlist_add_is_idempotent(alice: User, film: Title) -> None:
    entry, created = watchlist_add(user=alice, title=film)
    assert created
    again, created = watchlist_add(user=alice, title=film)
    assert (again.pk, created) == (entry.pk, False)
    assert watchlist_remove(user=alice, title=film) is True
    assert watchlist_remove(user=alice, title=film) is False


def test_the_database_keeps_one_watchlist_row_per_member_and_title(
    alice: User, film: Title
) -> None:
    make_watchlist(alice, film)
    with pytest.raises(IntegrityError), transaction.atomic():
        Watchlist.objects.create(user=alice, title=film)


def test_a_deleted_member_takes_their_watchlist_along(alice: User, film: Title) -> None:
    make_watchlist(alice, film)
    alice.delete()
    assert not Watchlist.objects.exists()


def test_user_create_hashes_the_password(db: None) -> None:
    carol = user_create(username="carol", password=PASSWORD)
    assert carol.password != PASSWORD
    assert carol.check_password(PASSWORD)

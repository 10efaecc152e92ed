from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reelhouse.community.models import Rating, User, Watchlist
from reelhouse.lib.testing import page_text
from reelhouse.recs.selectors import for_you_get
from reelhouse.recs.services import recs_build
from reelhouse.recs.tests.factories import RATED_AT, Planted, planted_catalog

pytestmark = pytest.mark.django_db

API = "/api/v1/recs/for-you"
PAGE = "/recs/for-you/"


@pytest.fixture
def planted(db: None) -> Planted:
    planted = planted_catalog()
    recs_build(quiet=True)
    return planted


def _ids(body: dict[str, Any]) -> list[int]:
    return [r["id"] for r in body["results"]]


def test_it_recommends_what_a_profile_has_not_rated_and_says_why(
    client: Client, planted: Planted
) -> None:
    # Fan b0 liked Ballet 1-5, skipped Ballet 0 and rated Western 0 low.
    response = client.get(API, {"source": "movielens", "user": "b0"})
    assert response.status_code == 200
    body = response.json()
    assert body["rated"] == 6
    ids = _ids(body)
    assert ids[0] == planted.ballet[0].pk
    rated = {t.pk for t in planted.ballet[1:]} | {planted.westerns[0].pk}
    assert not rated & set(ids)
    reasons = body["results"][0]["reasons"]
    assert reasons
    assert all(r.startswith("Because you liked Ballet ") for r in reasons)
    assert {t["title"] for t in body["based_on"]} == {f"Ballet {i}" for i in range(1, 6)}


def test_the_page_shows_the_same_without_javascript(client: Client, planted: Planted) -> None:
    response = client.get(PAGE, {"source": "movielens", "user": "b0"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ballet 0" in html
    assert "Because you liked Ballet " in html
    assert "<script" not in html.split("<main", 1)[1]


def test_a_new_visitor_picks_a_few_films_and_gets_their_neighbours(
    client: Client, planted: Planted
) -> None:
    picked = [planted.westerns[0].pk, planted.westerns[1].pk]
    body = client.get(API, {"liked": picked}).json()
    ids = _ids(body)
    assert not set(picked) & set(ids)
    assert set(ids[:4]) == {t.pk for t in planted.westerns[2:]}
    assert body["rated"] == 0
    page = client.get(PAGE, {"liked": picked}).content.decode()
    assert "Because you liked Western " in page


def test_the_page_offers_films_to_pick_when_it_knows_nothing(
    client: Client, planted: Planted
) -> None:
    html = client.get(PAGE).content.decode()
    assert 'name="liked"' in html
    assert "Pick up to 10 films you love" in html


def test_a_signed_in_user_gets_recommendations_from_their_ratings(
    client: Client, planted: Planted
) -> None:
    alice = User.objects.create_user("alice", password="x")
    for t in planted.westerns[:3]:
        Rating.objects.create(title=t, user=alice, score=9.0, rated_at=RATED_AT)
    client.force_login(alice)
    body = client.get(API).json()
    ids = _ids(body)
    assert set(ids[:3]) == {t.pk for t in planted.westerns[3:]}
    assert body["rated"] == 3
    assert "Because you liked Western " in client.get(PAGE).content.decode()


def test_it_reads_a_constant_number_of_queries(client: Client, planted: Planted) -> None:
    counts = []
    for picked in (planted.ballet[:1], planted.ballet[:2] + planted.westerns[:3]):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(API, {"liked": [t.pk for t in picked]})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 6


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str)
    error: dict[str, Any] = body["error"]
    return error


def test_api_errors_take_the_api_shape(client: Client, planted: Planted) -> None:
    assert _error(client.get(API), 400)["code"] == "bad_request"
    too_many = {"liked": [planted.ballet[0].pk] * 11}
    assert _error(client.get(API, too_many), 422)["details"]
    assert _error(client.get(API, {"source": "movielens"}), 422)["code"] == "invalid"
    assert _error(client.get(API, {"liked": "x"}), 422)["code"] == "invalid"
    nobody = _error(client.get(API, {"source": "movielens", "user": "nobody"}), 404)
    assert nobody["message"] == "No ratings for movielens user nobody."
    assert _error(client.get(API, {"liked": 999_999}), 404)["message"] == "No title with id 999999."


def test_the_page_rejects_what_the_api_rejects(client: Client, planted: Planted) -> None:
    assert client.get(PAGE, {"liked": [planted.ballet[0].pk] * 11}).status_code == 400
    assert client.get(PAGE, {"liked": "x"}).status_code == 400
    assert client.get(PAGE, {"source": "movielens", "user": "nobody"}).status_code == 404


# --- A member's watchlist ---------------------------------------------------------------------


def _member(username: str = "alice") -> User:
    return User.objects.create_user(username, password="x")


def test_a_members_watchlist_seeds_recommendations_and_stays_out_of_them(
    client: Client, planted: Planted
) -> None:
    alice = _member()
    wished = planted.westerns[:2]
    for day, t in enumerate(wished):
        Watchlist.objects.create(user=alice, title=t, added_at=RATED_AT + dt.timedelta(days=day))
    client.force_login(alice)
    body = client.get(API).json()
    ids = _ids(body)
    assert not {t.pk for t in wished} & set(ids)
    assert set(ids[:4]) == {t.pk for t in planted.westerns[2:]}
    assert body["rated"] == 0
    assert body["watchlisted"] == 2
    # The latest added first.
    assert [t["title"] for t in body["watchlist"]] == ["Western 1", "Western 0"]
    assert body["based_on"] == []
    reasons = [r for item in body["results"][:4] for r in item["reasons"]]
    assert reasons
    assert all(
        re.fullmatch(r"Because it's like Western [01] on your watchlist", r) for r in reasons
    )
    page = page_text(client.get(PAGE))
    assert "From your 2 titles on your watchlist ; all of them are left out." in page
    assert "Because you mean to watch Western 1 , Western 0 ." in page
    assert "Because it's like Western 1 on your watchlist" in page


def test_what_a_member_liked_weighs_more_than_their_watchlist(
    client: Client, planted: Planted
) -> None:
    alice = _member()
    Rating.objects.create(title=planted.ballet[0], user=alice, score=9.0, rated_at=RATED_AT)
    Watchlist.objects.create(user=alice, title=planted.westerns[0], added_at=RATED_AT)
    client.force_login(alice)
    body = client.get(API).json()
    results = body["results"]
    # Each seed's own first neighbour: the liked one's ranks first, the watchlist one's next.
    assert [r["title"] for r in results[:2]] == ["Ballet 2", "Western 2"]
    assert results[0]["reasons"][0] == "Because you liked Ballet 0"
    assert results[1]["reasons"][0] == "Because it's like Western 0 on your watchlist"
    assert [t["title"] for t in body["based_on"]] == ["Ballet 0"]
    assert [t["title"] for t in body["watchlist"]] == ["Western 0"]
    assert "From your 1 rating and 1 title on your watchlist" in page_text(client.get(PAGE))


def test_a_title_rated_low_is_no_seed_even_on_the_watchlist(
    client: Client, planted: Planted
) -> None:
    alice = _member()
    Rating.objects.create(title=planted.westerns[0], user=alice, score=4.0, rated_at=RATED_AT)
    Watchlist.objects.create(user=alice, title=planted.westerns[0], added_at=RATED_AT)
    client.force_login(alice)
    body = client.get(API).json()
    assert body["results"] == []
    assert body["watchlist"] == []
    assert (body["rated"], body["watchlisted"]) == (1, 1)


def test_another_members_watchlist_changes_nothing(client: Client, planted: Planted) -> None:
    alice, bob = _member("alice"), _member("bob")
    Rating.objects.create(title=planted.ballet[0], user=alice, score=9.0, rated_at=RATED_AT)
    client.force_login(alice)
    before = client.get(API).json()
    for t in planted.westerns:
        Watchlist.objects.create(user=bob, title=t, added_at=RATED_AT)
    assert client.get(API).json() == before


def test_five_queries_at_most_whatever_the_size_of_a_members_profile(planted: Planted) -> None:
    counts = []
    for name, size in (("small", 1), ("large", 4)):
        member = _member(name)
        for t in planted.ballet[:size]:
            Rating.objects.create(title=t, user=member, score=9.0, rated_at=RATED_AT)
        for t in planted.westerns[:size]:
            Watchlist.objects.create(user=member, title=t, added_at=RATED_AT)
        with CaptureQueriesContext(connection) as queries:
            result = for_you_get(user_id=member.pk, liked=[planted.unrated.pk])
        assert result.items
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 5

"""Your ratings and Your watchlist: newest first, paginated, the member's own only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reelhouse.catalog.models import Title
from reelhouse.catalog.tests.factories import make_title
from reelhouse.community.models import User
from reelhouse.community.tests.factories import make_rating, make_watchlist
from reelhouse.community.views import PER_PAGE
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db

RATINGS = "/me/ratings/"
WATCHLIST = "/me/watchlist/"


def _titles(response: Any) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<h3 class="card-title">([^<]+?)(?: <span|</h3>)', html)


def test_your_ratings_newest_first_with_stars(alice_client: Client, alice: User) -> None:
    old, new = make_title("Old Love"), make_title("New Love")
    make_rating(alice, old, 10.0, day=1)
    make_rating(alice, new, 5.0, day=2)
    response = alice_client.get(RATINGS)
    assert response.status_code == 200
    assert _titles(response) == ["New Love", "Old Love"]
    text = page_text(response)
    assert "Your ratings 2" in text
    assert "You gave it 2½ stars Jan 3, 2024" in text
    assert "★★½" in response.content.decode()


def test_your_watchlist_latest_first_with_a_remove_button(
    alice_client: Client, alice: User
) -> None:
    first, second = make_title("First Wish"), make_title("Second Wish")
    make_watchlist(alice, first, day=1)
    make_watchlist(alice, second, day=5)
    response = alice_client.get(WATCHLIST)
    assert _titles(response) == ["Second Wish", "First Wish"]
    html = response.content.decode()
    assert f'action="/title/{first.pk}/watchlist/delete/"' in html
    assert 'name="next" value="/me/watchlist/"' in html
    assert "Added Jan 6, 2024 Remove Second Wish from your watchlist" in page_text(response)


def test_the_lists_show_only_the_members_own(
    alice_client: Client, alice: User, bob: User, film: Title
) -> None:
    make_rating(bob, film, 9.0)
    make_watchlist(bob, film)
    assert "You have not rated anything yet." in page_text(alice_client.get(RATINGS))
    assert "Your watchlist is empty." in page_text(alice_client.get(WATCHLIST))


def test_the_lists_are_paginated(alice_client: Client, alice: User) -> None:
    for i in range(PER_PAGE + 2):
        make_watchlist(alice, make_title(f"Wish {i:02}"), day=i)
    first = alice_client.get(WATCHLIST)
    assert len(_titles(first)) == PER_PAGE
    assert "Page 1 of 2" in page_text(first)
    second = alice_client.get(WATCHLIST + "?page=2")
    assert _titles(second) == ["Wish 01", "Wish 00"]
    assert 'rel="prev" href="?page=1"' in second.content.decode()


def test_a_page_past_the_end_goes_to_the_last(alice_client: Client, alice: User) -> None:
    make_rating(alice, make_title(), 8.0)
    response = alice_client.get(RATINGS + "?page=3")
    assert response.status_code == 302
    assert response["Location"] == RATINGS + "?page=1"


@pytest.mark.parametrize("page", ["0", "x", "-1", "99999999"])
def test_a_bad_page_is_400(alice_client: Client, page: str) -> None:
    assert alice_client.get(RATINGS, {"page": page}).status_code == 400
    assert alice_client.get(WATCHLIST, {"page": page}).status_code == 400


def test_a_visitor_is_asked_to_sign_in(client: Client) -> None:
    for url in (RATINGS, WATCHLIST):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/sign-in/?next={url}"


def test_the_lists_are_private(alice_client: Client) -> None:
    for url in (RATINGS, WATCHLIST):
        response = alice_client.get(url)
        assert "private" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]


def test_the_header_says_which_list_you_are_on(alice_client: Client) -> None:
    html = alice_client.get(WATCHLIST).content.decode()
    assert f'<a href="{WATCHLIST}" aria-current="page">Watchlist</a>' in html
    assert f'<a href="{RATINGS}">Ratings</a>' in html


def test_the_lists_read_a_constant_number_of_queries(alice_client: Client, alice: User) -> None:
    counts = []
    for size in (1, 12):
        for _ in range(size):
            film = make_title()
            make_rating(alice, film, 8.0)
            make_watchlist(alice, film)
        for url in (RATINGS, WATCHLIST):
            with CaptureQueriesContext(connection) as queries:
                alice_client.get(url)
            counts.append(len(queries))
    assert counts[:2] == counts[2:]

from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.catalog.tests.factories import make_title
from reelhouse.conftest import Showcase
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db


def test_the_api_finds_titles_people_and_articles(client: Client, showcase: Showcase) -> None:
    body = client.get("/api/v1/search", {"q": "red shoes"}).json()
    first = body["results"][0]
    assert first == {
        "type": "title",
        "id": showcase.red_shoes.pk,
        "name": "The Red Shoes",
        "year": 1948,
        "url": showcase.red_shoes.get_absolute_url(),
    }
    assert {r["type"] for r in body["results"]} == {"title", "article"}
    people = client.get("/api/v1/search", {"q": "moira", "type": "person"}).json()
    assert [r["name"] for r in people["results"]] == ["Moira Shearer"]


def test_exact_and_prefix_matches_come_first(client: Client, db: None) -> None:
    make_title("The Shoes of the Fisherman", year=1968, rating_votes=10_000)
    make_title("Shoes", year=1916)
    names = [r["name"] for r in client.get("/api/v1/search", {"q": "shoes"}).json()["results"]]
    assert names == ["Shoes", "The Shoes of the Fisherman"]


def test_it_finds_a_title_by_imdb_id(client: Client, db: None) -> None:
    film = make_title("Found By Id", imdb_id="tt0040725")
    results = client.get("/api/v1/search", {"q": "tt0040725"}).json()["results"]
    assert [r["id"] for r in results] == [film.pk]


def test_it_pages_results(client: Client, db: None) -> None:
    for n in range(5):
        make_title(f"Paged {n}", rating_votes=100 - n)
    params = {"q": "paged", "per_page": "2", "page": "3"}
    body = client.get("/api/v1/search", params).json()
    assert (body["count"], body["pages"]) == (5, 3)
    assert [r["name"] for r in body["results"]] == ["Paged 4"]


@pytest.mark.parametrize(
    "query",
    ["' OR 1=1 --", "%", "_", "\x00\x07red", "Robert'); DROP TABLE catalog_title;--"],
)
def test_odd_queries_are_searched_safely(client: Client, showcase: Showcase, query: str) -> None:
    response = client.get("/api/v1/search", {"q": query})
    assert response.status_code == 200
    assert client.get("/search/", {"q": query}).status_code == 200


def test_a_very_long_query_is_a_clear_400(client: Client, db: None) -> None:
    response = client.get("/api/v1/search", {"q": "a" * 300})
    assert response.status_code == 400
    assert "at most 200 characters" in response.json()["error"]["message"]
    too_long = client.get("/api/v1/search", {"q": "a" * 10_000})
    assert too_long.status_code == 422
    assert client.get("/search/", {"q": "a" * 10_000}).status_code == 400


def test_the_search_page_lists_results_with_links(client: Client, showcase: Showcase) -> None:
    response = client.get("/search/", {"q": "shoes"})
    assert "Results for “shoes” 3 found" in page_text(response)
    assert showcase.red_shoes.get_absolute_url() in response.content.decode()


def test_the_search_page_says_when_nothing_matches(client: Client, db: None) -> None:
    assert "Nothing matches “zzzz”" in page_text(client.get("/search/", {"q": "zzzz"}))
    assert client.get("/search/", {"q": "x", "page": "abc"}).status_code == 400


@pytest.mark.parametrize(
    "query", ["tmdb:19542", "TMDB: 19542", "movielens:7943", "imdb:tt0040725", "imdb:40725"]
)
def test_it_finds_a_title_by_another_sites_id(client: Client, db: None, query: str) -> None:
    film = make_title("Found By Id", imdb_id="tt0040725", tmdb_id=19542, movielens_id=7943)
    make_title("Other", imdb_id="tt0000001", tmdb_id=7943, movielens_id=19542)
    results = client.get("/api/v1/search", {"q": query}).json()["results"]
    assert [r["id"] for r in results] == [film.pk]


def test_an_unknown_external_id_finds_nothing(client: Client, db: None) -> None:
    make_title("tmdb:1 is also a name")
    body = client.get("/api/v1/search", {"q": "tmdb:99999999999"}).json()
    assert body["count"] == 0

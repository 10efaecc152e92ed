from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.catalog.tests.factories import make_title
from reelhouse.conftest import Showcase

pytestmark = pytest.mark.django_db


@pytest.fixture
def red_shoes(showcase: Showcase) -> int:
    film = showcase.red_shoes
    film.imdb_id, film.tmdb_id, film.movielens_id = "tt0040725", 19542, 7943
    film.save()
    return film.pk


@pytest.mark.parametrize(
    "params", [{"imdb": "tt0040725"}, {"tmdb": "19542"}, {"movielens": "7943"}]
)
def test_it_finds_a_title_by_any_external_id(
    client: Client, red_shoes: int, params: dict[str, str]
) -> None:
    body = client.get("/api/v1/titles/lookup", params).json()
    assert body == client.get(f"/api/v1/titles/{red_shoes}").json()
    assert body["title"] == "The Red Shoes"
    assert body["external_ids"] == {"imdb": "tt0040725", "tmdb": 19542, "movielens": 7943}


def test_it_answers_for_the_region_asked(client: Client, red_shoes: int) -> None:
    body = client.get("/api/v1/titles/lookup", {"imdb": "tt0040725", "region": "gb"}).json()
    assert body["region"] == "GB"


@pytest.mark.parametrize("params", [{}, {"imdb": "tt0040725", "tmdb": "19542"}])
def test_it_wants_exactly_one_id(client: Client, red_shoes: int, params: dict[str, str]) -> None:
    response = client.get("/api/v1/titles/lookup", params)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "bad_request",
            "message": "Give exactly one of imdb, tmdb or movielens.",
        }
    }


@pytest.mark.parametrize("params", [{"imdb": "0040725"}, {"tmdb": "abc"}, {"movielens": "0"}])
def test_it_refuses_an_id_of_the_wrong_shape(
    client: Client, db: None, params: dict[str, str]
) -> None:
    response = client.get("/api/v1/titles/lookup", params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["details"][0]["location"][-1]) == ("invalid", next(iter(params)))


def test_an_unknown_id_is_not_found(client: Client, db: None) -> None:
    make_title(imdb_id="tt0000001")
    response = client.get("/api/v1/titles/lookup", {"tmdb": "404"})
    assert response.status_code == 404
    assert response.json()["error"] == {
        "status": 404,
        "code": "not_found",
        "message": "No title with tmdb id 404.",
    }


def test_titles_by_number_still_answer(client: Client, db: None) -> None:
    film = make_title("Lookup")  # a title called "Lookup" is not the endpoint
    assert client.get(f"/api/v1/titles/{film.pk}").json()["title"] == "Lookup"
    assert client.get("/api/v1/titles/999999").status_code == 404

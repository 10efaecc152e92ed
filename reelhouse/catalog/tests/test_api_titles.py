from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.catalog.tests.factories import make_rail, make_review, make_title
from reelhouse.conftest import Showcase

pytestmark = pytest.mark.django_db


def test_it_returns_everything_the_page_shows(client: Client, showcase: Showcase) -> None:
    film = showcase.red_shoes
    body = client.get(f"/api/v1/titles/{film.pk}").json()
    assert body["title"] == "The Red Shoes"
    assert body["release_date"] == "1948-10-22"
    assert body["certification"] == "NR"
    assert body["rating"] == 8.1
    assert body["url"] == film.get_absolute_url()
    assert body["cast"][0]["name"] == "Moira Shearer"
    assert body["cast"][0]["character"] == "Victoria Page"
    assert len(body["cast"]) == 10
    assert {c["job"] for c in body["crew"]} >= {"Director", "Screenplay"}
    assert [c["title"] for c in body["similar"]][:2] == ["Amadeus", "Mambo Italiano"]
    assert body["similar"][0]["providers"]["US"][0]["name"] == "Prime Video"
    assert body["recommended"][0]["title"] == "Black Narcissus"
    assert body["similar"][0]["reasons"] == ["Picked by our editors"]
    assert body["relations"] == [
        {"label": "Reimagined as", "kind": "reimagining_of", "title": body["relations"][0]["title"]}
    ]
    assert body["relations"][0]["title"]["year"] == 2025
    assert body["trailer"] is None
    assert body["articles"][0]["slug"] == showcase.article.slug
    assert body["reviews"]["count"] == 8


def test_it_answers_for_the_region_asked(client: Client) -> None:
    film = make_title()
    other = make_rail(film, "similar", 1, region="GB")[0]
    assert client.get(f"/api/v1/titles/{other.pk}").json()["providers"] == []
    body = client.get(f"/api/v1/titles/{other.pk}", {"region": "gb"}).json()
    assert body["region"] == "GB"
    assert body["providers"][0]["name"] == "Prime Video"


def test_it_pages_through_reviews(client: Client) -> None:
    film = make_title()
    for n in range(5):
        make_review(film, f"Review number {n}")
    first = client.get(f"/api/v1/titles/{film.pk}/reviews", {"per_page": 2}).json()
    assert (first["count"], first["pages"], first["page"]) == (5, 3, 1)
    assert [r["text"] for r in first["results"]] == ["Review number 0", "Review number 1"]
    last = client.get(f"/api/v1/titles/{film.pk}/reviews", {"per_page": 2, "page": 3}).json()
    assert [r["text"] for r in last["results"]] == ["Review number 4"]
    beyond = client.get(f"/api/v1/titles/{film.pk}/reviews", {"page": 9}).json()
    assert beyond["results"] == []


def test_it_leaves_unpublished_reviews_out(client: Client) -> None:
    film = make_title()
    make_review(film, "Pending", status="pending")
    assert client.get(f"/api/v1/titles/{film.pk}/reviews").json()["count"] == 0


def test_an_unknown_title_is_a_404_in_the_error_shape(client: Client) -> None:
    response = client.get("/api/v1/titles/987654")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "No title with id 987654."}
    }
    assert client.get("/api/v1/titles/987654/reviews").status_code == 404


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/titles/{pk}", {"region": "USA"}),
        ("/api/v1/titles/{pk}/reviews", {"page": "0"}),
        ("/api/v1/titles/{pk}/reviews", {"page": "x"}),
        ("/api/v1/titles/{pk}/reviews", {"per_page": "1000"}),
    ],
)
def test_malformed_parameters_are_422_with_details(
    client: Client, path: str, params: dict[str, str]
) -> None:
    film = make_title()
    response = client.get(path.format(pk=film.pk), params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"][0]["location"][-1] in params

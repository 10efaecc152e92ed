from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.conftest import Showcase
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db


def test_it_suggests_titles_and_people_as_you_type(client: Client, showcase: Showcase) -> None:
    response = client.get("/api/v1/search/suggest", {"q": "red sh"})
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    body = response.json()
    assert body["results"][0]["name"] == "The Red Shoes"
    assert body["results"][0]["url"] == showcase.red_shoes.get_absolute_url()
    assert {r["type"] for r in body["results"]} <= {"title", "person"}
    people = client.get("/api/v1/search/suggest", {"q": "leonide mas"}).json()["results"]
    assert [p["name"] for p in people] == ["Léonide Massine"]


@pytest.mark.parametrize(
    "query", ["", "   ", "\x00\x01", '"', "*", "NEAR", "-", ":", "^", "' OR 1=1"]
)
def test_odd_or_empty_input_suggests_nothing_or_something_never_an_error(
    client: Client, showcase: Showcase, query: str
) -> None:
    response = client.get("/api/v1/search/suggest", {"q": query})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 8


def test_a_too_long_suggestion_query_is_a_clear_error(client: Client, db: None) -> None:
    response = client.get("/api/v1/search/suggest", {"q": "a" * 300})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert client.get("/api/v1/search/suggest", {"q": "a" * 10_000}).status_code == 422


def test_every_page_loads_the_suggestions_script_and_keeps_the_plain_form(
    client: Client, db: None
) -> None:
    html = client.get("/search/").content.decode()
    assert "js/search.js" in html
    assert 'action="/search/" method="get"' in html
    assert 'name="q"' in html
    assert "Search" in page_text(client.get("/search/"))

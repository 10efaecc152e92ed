from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.catalog.tests.factories import make_person, make_title
from reelhouse.conftest import Showcase
from reelhouse.lib.testing import page_text
from reelhouse.people.models import Credit

pytestmark = pytest.mark.django_db


def test_it_shows_a_filmography(client: Client, showcase: Showcase) -> None:
    person = showcase.moira_shearer
    text = page_text(client.get(person.get_absolute_url()))
    assert "Moira Shearer" in text
    assert "1948 The Red Shoes Victoria Page" in text


def test_it_groups_crew_jobs_by_department_newest_first(client: Client, showcase: Showcase) -> None:
    powell = showcase.red_shoes.credits.get(job="Director", person__name="Michael Powell").person
    text = page_text(client.get(powell.get_absolute_url()))
    assert "Directing 1951 The Tales of Hoffmann Director 1948 The Red Shoes Director" in text


def test_it_lists_one_line_per_title_with_all_its_roles(client: Client) -> None:
    person, film = make_person("Ann Two-Roles"), make_title("Twins")
    for order, character in enumerate(["Mara", "Vera"]):
        Credit.objects.create(
            title=film, person=person, kind="cast", character=character, order=order
        )
    text = page_text(client.get(person.get_absolute_url()))
    assert "2000 Twins Mara, Vera" in text


def test_it_lists_articles_that_name_the_person(client: Client, showcase: Showcase) -> None:
    guadagnino = showcase.article.people.get()
    assert showcase.article.headline in page_text(client.get(guadagnino.get_absolute_url()))


def test_it_redirects_to_the_canonical_address(client: Client) -> None:
    person = make_person("Léonide Massine")
    response = client.get(f"/person/{person.pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/person/{person.pk}-leonide-massine/"


def test_an_unknown_person_is_a_404(client: Client) -> None:
    assert client.get("/person/987654-nobody/").status_code == 404


def test_the_api_returns_a_person_with_filmography(client: Client, showcase: Showcase) -> None:
    person = showcase.moira_shearer
    body = client.get(f"/api/v1/people/{person.pk}").json()
    assert body["name"] == "Moira Shearer"
    assert body["url"] == person.get_absolute_url()
    assert body["filmography"]["acting"][0]["title"] == "The Red Shoes"
    assert body["filmography"]["acting"][0]["roles"] == ["Victoria Page"]


def test_the_api_answers_404_for_an_unknown_person(client: Client) -> None:
    response = client.get("/api/v1/people/987654")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No person with id 987654."

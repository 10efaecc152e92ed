"""Rating a title with the page's form: set, change, remove; no JavaScript needed."""

from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.catalog.models import Title
from reelhouse.community.models import Rating, User
from reelhouse.community.tests.factories import make_rating
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db


def _rate(film: Title) -> str:
    return f"/title/{film.pk}/rating/"


def _unrate(film: Title) -> str:
    return f"/title/{film.pk}/rating/delete/"


def test_it_rates_in_half_stars_on_the_0_10_scale(
    alice_client: Client, alice: User, film: Title
) -> None:
    response = alice_client.post(_rate(film), {"score": "9", "next": film.get_absolute_url()})
    assert response.status_code == 303
    assert response["Location"] == film.get_absolute_url()
    rating = Rating.objects.get(user=alice, title=film)
    assert rating.score == 9.0
    assert rating.stars == 4.5
    assert rating.source == "reelhouse"


def test_it_changes_a_rating_rather_than_adding_one(
    alice_client: Client, alice: User, film: Title
) -> None:
    make_rating(alice, film, 4.0)
    alice_client.post(_rate(film), {"score": "1"})
    rating = Rating.objects.get(user=alice, title=film)
    assert rating.score == 1.0
    assert rating.rated_at.year > 2024


def test_without_next_it_returns_to_the_titles_own_forms(alice_client: Client, film: Title) -> None:
    response = alice_client.post(_rate(film), {"score": "6", "next": "https://evil.example/"})
    assert response["Location"] == f"/title/{film.pk}/you/"


@pytest.mark.parametrize("score", ["", "0", "11", "7.5", "x", "-2"])
def test_a_bad_score_is_a_clear_400_and_changes_nothing(
    alice_client: Client, alice: User, film: Title, score: str
) -> None:
    make_rating(alice, film, 4.0)
    response = alice_client.post(_rate(film), {"score": score})
    assert response.status_code == 400
    assert "Choose a rating from ½ to 5 stars." in page_text(response)
    assert Rating.objects.get(user=alice, title=film).score == 4.0


def test_it_removes_a_rating(alice_client: Client, alice: User, bob: User, film: Title) -> None:
    make_rating(alice, film, 8.0)
    make_rating(bob, film, 6.0)
    response = alice_client.post(_unrate(film), {"next": film.get_absolute_url()})
    assert response.status_code == 303
    assert not Rating.objects.filter(user=alice).exists()
    assert Rating.objects.filter(user=bob).exists()
    # Removing what is not there is no error.
    assert alice_client.post(_unrate(film)).status_code == 303


def test_a_visitor_is_asked_to_sign_in_and_brought_back(client: Client, film: Title) -> None:
    response = client.post(_rate(film), {"score": "8"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/sign-in/?next=/title/{film.pk}/you/"
    assert not Rating.objects.exists()


def test_only_post_changes_anything(alice_client: Client, film: Title) -> None:
    assert alice_client.get(_rate(film) + "?score=8").status_code == 405
    assert alice_client.get(_unrate(film)).status_code == 405
    assert not Rating.objects.exists()


def test_an_unknown_title_is_404(alice_client: Client) -> None:
    assert alice_client.post("/title/987654/rating/", {"score": "8"}).status_code == 404
    assert alice_client.post("/title/987654/rating/delete/").status_code == 404


def test_it_needs_the_csrf_token(alice: User, film: Title) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(_rate(film), {"score": "8"}).status_code == 403
    assert not Rating.objects.exists()

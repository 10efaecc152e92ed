"""Adding a title to the watchlist and taking it off with the page's forms."""

from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.catalog.models import Title
from reelhouse.community.models import User, Watchlist
from reelhouse.community.tests.factories import DAY_ONE, make_watchlist

pytestmark = pytest.mark.django_db


def _add(film: Title) -> str:
    return f"/title/{film.pk}/watchlist/"


def _remove(film: Title) -> str:
    return f"/title/{film.pk}/watchlist/delete/"


def test_it_adds_a_title_and_goes_back(alice_client: Client, alice: User, film: Title) -> None:
    response = alice_client.post(_add(film), {"next": film.get_absolute_url()})
    assert response.status_code == 303
    assert response["Location"] == film.get_absolute_url()
    assert Watchlist.objects.filter(user=alice, title=film).count() == 1


def test_adding_twice_keeps_one_entry_and_its_date(
    alice_client: Client, alice: User, film: Title
) -> None:
    make_watchlist(alice, film)
    alice_client.post(_add(film))
    entry = Watchlist.objects.get(user=alice, title=film)
    assert entry.added_at == DAY_ONE


def test_it_takes_a_title_off_only_the_members_own_list(
    alice_client: Client, alice: User, bob: User, film: Title
) -> None:
    make_watchlist(alice, film)
    make_watchlist(bob, film)
    response = alice_client.post(_remove(film), {"next": "/me/watchlist/"})
    assert response.status_code == 303
    assert response["Location"] == "/me/watchlist/"
    assert not Watchlist.objects.filter(user=alice).exists()
    assert Watchlist.objects.filter(user=bob).exists()


def test_a_visitor_is_asked_to_sign_in(client: Client, film: Title) -> None:
    response = client.post(_add(film))
    assert response["Location"] == f"/accounts/sign-in/?next=/title/{film.pk}/you/"
    assert not Watchlist.objects.exists()


def test_an_unknown_title_is_404_and_get_is_405(alice_client: Client, film: Title) -> None:
    assert alice_client.post("/title/987654/watchlist/").status_code == 404
    assert alice_client.get(_add(film)).status_code == 405
    assert not Watchlist.objects.exists()

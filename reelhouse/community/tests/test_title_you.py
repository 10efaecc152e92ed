"""The member's part of a title page: the fragment, its no-JavaScript page, and a title page
that stays the same for everyone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reelhouse.catalog.models import Title
from reelhouse.community.http import SIGNED_IN_COOKIE
from reelhouse.community.models import User
from reelhouse.community.tests.factories import make_rating, make_watchlist
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db


def _fragment(film: Title) -> str:
    return f"/title/{film.pk}/you/fragment/"


def _page(film: Title) -> str:
    return f"/title/{film.pk}/you/"


def test_the_title_page_is_the_same_bytes_signed_in_or_not(
    client: Client, alice_client: Client, film: Title
) -> None:
    make_rating(User.objects.get(username="alice"), film, 9.0)
    url = film.get_absolute_url()
    anonymous = Client().get(url)
    member = alice_client.get(url)
    assert member.content == anonymous.content
    assert "Cookie" not in member.get("Vary", "")
    assert not member.cookies


def test_the_title_page_links_to_the_fragment_and_to_its_page(client: Client, film: Title) -> None:
    html = client.get(film.get_absolute_url()).content.decode()
    assert f'data-fragment="{_fragment(film)}"' in html
    assert f'<a href="{_page(film)}">Rate The Red Shoes or add it to your watchlist</a>' in html
    assert '<script src="/static/js/fragments.js" defer></script>' in html


def test_a_signed_in_title_page_reads_one_query(alice_client: Client, film: Title) -> None:
    url = film.get_absolute_url()
    alice_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        alice_client.get(url)
    # The document alone: the page never looks at the session.
    assert len(queries) == 1


def test_the_fragment_shows_the_members_rating_and_watchlist(
    alice_client: Client, alice: User, film: Title
) -> None:
    make_rating(alice, film, 7.0)
    make_watchlist(alice, film)
    response = alice_client.get(_fragment(film))
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert "Your rating : 3½ stars" in text
    assert f'value="7" id="score-{film.pk}-7" checked' in html
    assert "Change rating" in text
    assert "Remove rating" in text
    assert "On your watchlist Remove from watchlist" in text
    assert 'data-status="Your rating: 3½ stars. On your watchlist."' in html
    # The forms return to the title page when posted without JavaScript.
    assert f'name="next" value="{film.get_absolute_url()}"' in html
    assert "<html" not in html


def test_the_fragment_offers_to_rate_and_add_when_there_is_nothing_yet(
    alice_client: Client, film: Title
) -> None:
    text = page_text(alice_client.get(_fragment(film)))
    assert "Rate The Red Shoes" in text
    assert "Save rating" in text
    assert "Remove rating" not in text
    assert "Add to watchlist" in text


def test_the_fragment_is_private_and_never_stored(alice_client: Client, film: Title) -> None:
    response = alice_client.get(_fragment(film))
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_the_fragment_shows_nothing_of_another_member(
    client: Client, alice: User, bob: User, film: Title
) -> None:
    make_rating(alice, film, 10.0)
    make_watchlist(alice, film)
    client.force_login(bob)
    text = page_text(client.get(_fragment(film)))
    assert "Your rating" not in text
    assert "Add to watchlist" in text


def test_the_fragment_is_empty_for_a_visitor_and_clears_a_stale_hint(
    client: Client, film: Title
) -> None:
    client.cookies[SIGNED_IN_COOKIE] = "1"
    response = client.get(_fragment(film))
    assert response.status_code == 204
    assert response.cookies[SIGNED_IN_COOKIE].value == ""


def test_an_unknown_title_is_404(alice_client: Client) -> None:
    assert alice_client.get("/title/987654/you/fragment/").status_code == 404
    assert alice_client.get("/title/987654/you/").status_code == 404


def test_the_fragment_reads_a_constant_number_of_queries(
    alice_client: Client, alice: User, film: Title
) -> None:
    counts = []
    for rated in (False, True):
        if rated:
            make_rating(alice, film, 8.0)
            make_watchlist(alice, film)
        with CaptureQueriesContext(connection) as queries:
            alice_client.get(_fragment(film))
        counts.append(len(queries))
    # The session, the member, and the title with their rating and watchlist state.
    assert counts == [3, 3]


def test_the_page_without_javascript_has_the_same_forms(
    alice_client: Client, alice: User, film: Title
) -> None:
    make_watchlist(alice, film)
    response = alice_client.get(_page(film))
    assert response.status_code == 200
    text = page_text(response)
    assert "← The Red Shoes (1948)" in text
    assert "Rate The Red Shoes" in text
    assert "On your watchlist" in text
    html = response.content.decode()
    # Posted without JavaScript, the forms come back to this page.
    assert f'name="next" value="{_page(film)}"' in html
    assert "private" in response["Cache-Control"]
    assert response.cookies[SIGNED_IN_COOKIE].value == "1"


def test_the_page_asks_a_visitor_to_sign_in_first(client: Client, film: Title) -> None:
    response = client.get(_page(film))
    assert response.status_code == 200
    text = page_text(response)
    assert "Sign in or create an account to rate The Red Shoes and keep a watchlist." in text
    assert f'href="/accounts/sign-in/?next={_page(film)}"' in response.content.decode()
    assert "Save rating" not in text

from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.community.http import SIGNED_IN_COOKIE
from reelhouse.community.models import User
from reelhouse.community.tests.factories import PASSWORD
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
SIGN_OUT = "/accounts/sign-out/"


def test_it_signs_in_and_goes_back(client: Client, alice: User) -> None:
    response = client.post(
        SIGN_IN, {"username": "alice", "password": PASSWORD, "next": "/me/ratings/"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/me/ratings/"
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert response.cookies[SIGNED_IN_COOKIE].value == "1"


def test_it_keeps_next_from_the_address(client: Client) -> None:
    html = client.get(SIGN_IN + "?next=/title/7-x/").content.decode()
    assert 'name="next" value="/title/7-x/"' in html
    assert 'href="/accounts/sign-up/?next=/title/7-x/"' in html


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_it_never_sends_anyone_to_another_site(client: Client, alice: User, next_url: str) -> None:
    response = client.post(SIGN_IN, {"username": "alice", "password": PASSWORD, "next": next_url})
    assert response["Location"] == "/"


def test_a_wrong_password_is_a_clear_400(client: Client, alice: User) -> None:
    response = client.post(SIGN_IN, {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert "Please enter a correct username and password." in page_text(response)
    assert "_auth_user_id" not in client.session
    assert SIGNED_IN_COOKIE not in response.cookies


def test_missing_fields_are_named(client: Client) -> None:
    response = client.post(SIGN_IN, {})
    assert response.status_code == 400
    assert page_text(response).count("This field is required.") == 2


def test_it_needs_the_csrf_token(alice: User) -> None:
    response = Client(enforce_csrf_checks=True).post(
        SIGN_IN, {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_a_signed_in_member_sees_who_they_are_and_gets_the_hint_back(
    alice_client: Client,
) -> None:
    response = alice_client.get(SIGN_IN)
    assert "You are signed in as alice" in page_text(response)
    assert response.cookies[SIGNED_IN_COOKIE].value == "1"


def test_sign_out_asks_first_then_signs_out_on_post(alice_client: Client) -> None:
    page = alice_client.get(SIGN_OUT)
    assert page.status_code == 200
    assert "_auth_user_id" in alice_client.session
    alice_client.cookies[SIGNED_IN_COOKIE] = "1"
    response = alice_client.post(SIGN_OUT)
    assert response.status_code == 303
    assert response["Location"] == "/"
    assert "_auth_user_id" not in alice_client.session
    # Cleared: the browser stops asking for the member's fragments.
    assert response.cookies[SIGNED_IN_COOKIE].value == ""
    assert response.cookies[SIGNED_IN_COOKIE]["max-age"] == 0


def test_sign_out_when_signed_out_goes_home(client: Client) -> None:
    assert client.get(SIGN_OUT)["Location"] == "/"


def test_the_header_links_to_sign_in_and_up_from_the_page_you_are_on(client: Client) -> None:
    html = client.get("/search/?q=x").content.decode()
    assert 'href="/accounts/sign-in/?next=/search/%3Fq%3Dx"' in html
    assert 'href="/accounts/sign-up/?next=/search/%3Fq%3Dx"' in html
    assert 'data-fragment="/accounts/menu/"' in html


def test_the_menu_fragment_is_the_members_own(alice_client: Client) -> None:
    response = alice_client.get("/accounts/menu/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Watchlist Ratings Signed in as alice Sign out" in text
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_the_menu_fragment_is_empty_for_a_visitor_and_clears_a_stale_hint(
    client: Client,
) -> None:
    client.cookies[SIGNED_IN_COOKIE] = "1"
    response = client.get("/accounts/menu/")
    assert response.status_code == 204
    assert response.cookies[SIGNED_IN_COOKIE].value == ""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.test import Client

from reelhouse.community import views
from reelhouse.community.http import SIGNED_IN_COOKIE
from reelhouse.community.models import User
from reelhouse.community.tests.factories import PASSWORD
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db

URL = "/accounts/sign-up/"


def _form(
    username: str = "carol", password: str = PASSWORD, again: str | None = None
) -> dict[str, str]:
    return {"username": username, "password1": password, "password2": again or password}


def test_it_shows_the_form(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'autocomplete="new-password"' in html
    # Django's validators explain themselves next to the password.
    assert "Your password must contain at least 8 characters." in page_text(response)


def test_it_creates_the_account_signs_in_and_goes_back(client: Client) -> None:
    response = client.post(URL + "?next=/title/1-x/", _form())
    assert response.status_code == 303
    assert response["Location"] == "/title/1-x/"
    carol = User.objects.get(username="carol")
    assert carol.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(carol.pk)
    assert response.cookies[SIGNED_IN_COOKIE].value == "1"
    assert not response.cookies[SIGNED_IN_COOKIE]["httponly"]


def test_it_goes_home_rather_than_to_another_site(client: Client) -> None:
    response = client.post(URL, {**_form(), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("short1!", None, "This password is too short. It must contain at least 8 characters."),
        ("password123", None, "This password is too common."),
        ("8812345678901", None, "This password is entirely numeric."),
        ("carol1234", None, "The password is too similar to the username."),
        (PASSWORD, PASSWORD + "x", "The two password fields didn\u2019t match."),
    ],
)
def test_it_explains_a_password_it_refuses(
    client: Client, password: str, again: str | None, message: str
) -> None:
    response = client.post(URL, _form(password=password, again=again))
    assert response.status_code == 400
    text = page_text(response)
    assert message in text
    assert "Please fix what is marked below." in text
    assert 'aria-invalid="true"' in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_a_username_is_taken_whatever_its_case(client: Client, alice: User) -> None:
    response = client.post(URL, _form(username="Alice"))
    assert response.status_code == 400
    assert "A user with that username already exists." in page_text(response)
    assert User.objects.count() == 1


def test_it_refuses_a_username_with_spaces(client: Client) -> None:
    response = client.post(URL, _form(username="carol smith"))
    assert response.status_code == 400
    assert "Enter a valid username." in page_text(response)


def test_it_needs_the_csrf_token(db: None) -> None:
    response = Client(enforce_csrf_checks=True).post(URL, _form())
    assert response.status_code == 403
    assert not User.objects.exists()


def test_a_signed_in_member_is_sent_on(alice_client: Client) -> None:
    response = alice_client.get(URL + "?next=/me/watchlist/")
    assert response.status_code == 302
    assert response["Location"] == "/me/watchlist/"


def test_a_username_taken_meanwhile_is_a_form_error_not_a_500(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def taken(**kwargs: str) -> User:
        raise IntegrityError("UNIQUE constraint failed: community_user.username")

    monkeypatch.setattr(views, "user_create", taken)
    response = client.post(URL, _form())
    assert response.status_code == 400
    assert "Someone took that username a moment ago. Try another." in page_text(response)
    assert "_auth_user_id" not in client.session

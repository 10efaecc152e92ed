"""/api/v1/me/...: the signed-in member's ratings and watchlist as JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reelhouse.catalog.models import Title
from reelhouse.catalog.tests.factories import make_title
from reelhouse.community.models import Rating, User, Watchlist
from reelhouse.community.tests.factories import DAY_ONE, make_rating, make_watchlist

pytestmark = pytest.mark.django_db

API = "/api/v1/me"


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    error: dict[str, Any] = body["error"]
    return error


def _put(client: Client, path: str, body: Any = None, **extra: Any) -> Any:
    return client.put(path, body, content_type="application/json", **extra)


# --- Ratings --------------------------------------------------------------------------------


def test_it_rates_reads_and_removes_a_rating(
    alice_client: Client, alice: User, film: Title
) -> None:
    url = f"{API}/ratings/{film.pk}"
    response = _put(alice_client, url, {"score": 7})
    assert response.status_code == 200
    body = response.json()
    assert body["score"] == 7.0
    assert body["stars"] == 3.5
    assert body["title"]["id"] == film.pk
    assert body["title"]["title"] == "The Red Shoes"
    assert body["title"]["url"] == film.get_absolute_url()
    assert Rating.objects.get(user=alice, title=film).source == "reelhouse"

    assert alice_client.get(url).json()["score"] == 7.0
    assert _put(alice_client, url, {"score": 10}).json()["stars"] == 5.0
    assert Rating.objects.filter(user=alice).count() == 1

    assert alice_client.delete(url).status_code == 204
    assert not Rating.objects.filter(user=alice).exists()
    assert alice_client.delete(url).status_code == 204
    assert _error(alice_client.get(url), 404)["message"] == f"You have not rated title {film.pk}."


@pytest.mark.parametrize("score", [0, 11, 7.5, -1, "x", None, True])
def test_a_bad_score_is_422_and_changes_nothing(
    alice_client: Client, film: Title, score: Any
) -> None:
    error = _error(_put(alice_client, f"{API}/ratings/{film.pk}", {"score": score}), 422)
    assert error["code"] == "invalid"
    assert error["details"][0]["location"] == ["body", "rating", "score"]
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"), [("{}", 422), ("[]", 422), ("", 422), ("{", 400), ("score=8", 400)]
)
def test_a_body_without_a_score_is_4xx(
    alice_client: Client, film: Title, body: str, status: int
) -> None:
    response = alice_client.put(f"{API}/ratings/{film.pk}", body, content_type="application/json")
    _error(response, status)
    assert not Rating.objects.exists()


def test_a_wrong_method_is_405(alice_client: Client, film: Title) -> None:
    response = alice_client.post(f"{API}/ratings/{film.pk}", {"score": 8})
    assert _error(response, 405)["code"] == "method_not_allowed"
    assert set(response["Allow"].split(", ")) == {"GET", "PUT", "DELETE"}


def test_an_unknown_title_is_404(alice_client: Client) -> None:
    for method in ("get", "put", "delete"):
        response = getattr(alice_client, method)(
            f"{API}/ratings/987654", {"score": 8}, content_type="application/json"
        )
        assert _error(response, 404)["message"] == "No title with id 987654."
    for method in ("get", "put", "delete"):
        response = getattr(alice_client, method)(f"{API}/watchlist/987654")
        assert _error(response, 404)["message"] == "No title with id 987654."


def test_your_ratings_newest_first_and_paginated(alice_client: Client, alice: User) -> None:
    films = [make_title(f"Film {i}") for i in range(3)]
    for day, film in enumerate(films):
        make_rating(alice, film, 8.0, day=day)
    body = alice_client.get(f"{API}/ratings", {"per_page": 2}).json()
    assert body["count"] == 3
    assert body["pages"] == 2
    assert [r["title"]["title"] for r in body["results"]] == ["Film 2", "Film 1"]
    assert body["results"][0]["rated_at"].startswith("2024-01-03T00:00:00")
    last = alice_client.get(f"{API}/ratings", {"per_page": 2, "page": 2}).json()
    assert [r["title"]["title"] for r in last["results"]] == ["Film 0"]
    beyond = alice_client.get(f"{API}/ratings", {"per_page": 2, "page": 3}).json()
    assert beyond["results"] == []
    assert _error(alice_client.get(f"{API}/ratings", {"per_page": 0}), 422)["details"]


# --- Watchlist ------------------------------------------------------------------------------


def test_it_adds_reads_and_removes_a_watchlist_title(
    alice_client: Client, alice: User, film: Title
) -> None:
    url = f"{API}/watchlist/{film.pk}"
    assert _error(alice_client.get(url), 404)["message"] == (
        f"Title {film.pk} is not on your watchlist."
    )
    first = _put(alice_client, url)
    assert first.status_code == 201
    assert first.json()["title"]["id"] == film.pk
    again = _put(alice_client, url)
    assert again.status_code == 200
    assert again.json()["added_at"] == first.json()["added_at"]
    assert alice_client.get(url).status_code == 200
    assert Watchlist.objects.filter(user=alice).count() == 1
    assert alice_client.delete(url).status_code == 204
    assert alice_client.delete(url).status_code == 204
    assert not Watchlist.objects.exists()


def test_your_watchlist_latest_first(alice_client: Client, alice: User) -> None:
    for day, name in enumerate(["Older", "Newer"]):
        make_watchlist(alice, make_title(name), day=day)
    body = alice_client.get(f"{API}/watchlist").json()
    assert body["count"] == 2
    assert [r["title"]["title"] for r in body["results"]] == ["Newer", "Older"]
    assert body["results"][1]["added_at"].startswith(DAY_ONE.date().isoformat())


# --- Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/ratings"),
        ("get", "/ratings/{id}"),
        ("put", "/ratings/{id}"),
        ("delete", "/ratings/{id}"),
        ("get", "/watchlist"),
        ("get", "/watchlist/{id}"),
        ("put", "/watchlist/{id}"),
        ("delete", "/watchlist/{id}"),
    ],
)
def test_signed_out_it_is_401_in_the_error_shape(film: Title, method: str, path: str) -> None:
    # A CSRF-checking client: a visitor without a session hears "sign in", not "CSRF".
    client = Client(enforce_csrf_checks=True)
    url = API + path.format(id=film.pk)
    response = getattr(client, method)(url, {"score": 8}, content_type="application/json")
    error = _error(response, 401)
    assert error["code"] == "unauthorized"
    assert error["message"] == "Sign in first."
    assert not Rating.objects.exists()
    assert not Watchlist.objects.exists()


def test_writes_need_the_csrf_token(alice: User, film: Title) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    url = f"{API}/ratings/{film.pk}"
    assert _error(_put(client, url, {"score": 8}), 403)["code"] == "forbidden"
    assert _error(client.delete(f"{API}/watchlist/{film.pk}"), 403)["code"] == "forbidden"
    assert not Rating.objects.exists()
    # Reads need no token; with the token from the cookie, writes go through.
    assert client.get(f"{API}/ratings").status_code == 200
    client.get("/accounts/sign-in/")
    token = client.cookies["csrftoken"].value
    assert _put(client, url, {"score": 8}, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_a_member_never_sees_anothers_rows(
    alice_client: Client, alice: User, bob: User, film: Title
) -> None:
    make_rating(bob, film, 9.0)
    make_watchlist(bob, film)
    assert alice_client.get(f"{API}/ratings").json()["count"] == 0
    assert alice_client.get(f"{API}/watchlist").json()["count"] == 0
    assert alice_client.get(f"{API}/ratings/{film.pk}").status_code == 404
    alice_client.delete(f"{API}/ratings/{film.pk}")
    alice_client.delete(f"{API}/watchlist/{film.pk}")
    assert Rating.objects.filter(user=bob).exists()
    assert Watchlist.objects.filter(user=bob).exists()


def test_the_lists_read_a_constant_number_of_queries(alice_client: Client, alice: User) -> None:
    counts = []
    for size in (1, 15):
        for _ in range(size):
            film = make_title()
            make_rating(alice, film, 8.0)
            make_watchlist(alice, film)
        for path in ("/ratings", "/watchlist"):
            with CaptureQueriesContext(connection) as queries:
                assert alice_client.get(API + path).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:]


def test_the_openapi_document_describes_the_endpoints(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {"get", "put", "delete"} <= set(paths["/api/v1/me/ratings/{title_id}"])
    assert {"get", "put", "delete"} <= set(paths["/api/v1/me/watchlist/{title_id}"])
    assert {"200", "401", "403", "404", "422"} <= set(
        paths["/api/v1/me/ratings/{title_id}"]["put"]["responses"]
    )

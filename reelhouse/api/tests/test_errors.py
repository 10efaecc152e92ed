from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SHAPE = {"status", "code", "message"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/nothing-here", 404),
        ("/api/v1/titles/abc", 422),
        ("/api/v1/titles/1/", 404),
        ("/api/v1/search", 422),
        ("/api/v1/search?q=%20", 400),
        ("/api/v1/search?q=x&type=planet", 422),
    ],
)
def test_every_error_has_one_shape(client: Client, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= SHAPE
    assert error["status"] == status


def test_undecodable_query_bytes_are_searched_not_crashed_on(client: Client) -> None:
    response = client.get("/api/v1/search?q=%ED%A0%80%00")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_wrong_method_is_405_in_the_error_shape(client: Client) -> None:
    response = client.post("/api/v1/search?q=x")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_the_openapi_document_describes_every_endpoint(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Reelhouse API"
    assert set(spec["paths"]) >= {
        "/api/v1/titles/{title_id}",
        "/api/v1/titles/{title_id}/reviews",
        "/api/v1/people/{person_id}",
        "/api/v1/articles/{slug}",
        "/api/v1/search",
    }
    responses = spec["paths"]["/api/v1/titles/{title_id}"]["get"]["responses"]
    assert {"200", "404", "422"} <= set(responses)


def _directives(policy: str) -> dict[str, str]:
    return dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())


def test_the_docs_page_needs_no_outside_script(client: Client) -> None:
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"


def test_healthz_reports_the_database(client: Client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True


def test_healthz_is_503_when_the_database_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DatabaseError
    from django.db.backends.utils import CursorWrapper

    def broken(*args: object, **kwargs: object) -> None:
        raise DatabaseError("gone")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"

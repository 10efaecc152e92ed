from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from reelhouse.catalog.models import Availability, Certification, Genre
from reelhouse.catalog.tests.factories import make_provider, make_title
from reelhouse.lib.testing import page_text
from reelhouse.search.discover import discover_rebuild
from reelhouse.search.models import DiscoverEntry, DiscoverStats

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db: None) -> dict[str, int]:
    drama = Genre.objects.create(name="Drama", slug="drama")
    provider = make_provider("Max")
    made = {}
    for n, (name, year, votes, rating, runtime, kind) in enumerate(
        [
            ("Crowd Pleaser", 1999, 900_000, 8.5, 120, "movie"),
            ("Ten Fans", 2001, 10, 10.0, 90, "movie"),
            ("Solid Classic", 1948, 200_000, 8.1, 133, "movie"),
            ("Long Series", 2010, 50_000, 7.0, 50, "series"),
            ("Unrated", 1950, None, None, 80, "movie"),
        ]
    ):
        title = make_title(
            name,
            year=year,
            rating_votes=votes,
            rating=rating,
            runtime=runtime,
            kind=kind,
            popularity=100 - n * 10,
            release_date=dt.date(year, 6, 1),
        )
        made[name] = title.pk
        if name in {"Solid Classic", "Ten Fans"}:
            title.genres.add(drama)
            Certification.objects.create(title=title, region="GB", value="PG")
            Availability.objects.create(title=title, provider=provider, region="GB", kind="stream")
    discover_rebuild()
    return made


def titles(client: Client, **params: str) -> list[str]:
    response = client.get("/api/v1/discover", params)
    assert response.status_code == 200, response.content
    return [r["title"] for r in response.json()["results"]]


def test_it_sorts_by_popularity_by_default(client: Client, catalog: dict[str, int]) -> None:
    assert titles(client) == [
        "Crowd Pleaser",
        "Ten Fans",
        "Solid Classic",
        "Long Series",
        "Unrated",
    ]


def test_ten_votes_of_ten_do_not_beat_many_votes(client: Client, catalog: dict[str, int]) -> None:
    stats = DiscoverStats.objects.get()
    assert stats.min_votes > 10
    assert 8 < stats.mean_rating < 9
    ranked = titles(client, sort="rating")
    assert ranked[0] == "Crowd Pleaser"
    assert "Unrated" not in ranked
    entry = DiscoverEntry.objects.get(title_id=catalog["Ten Fans"])
    assert entry.weighted == pytest.approx(stats.mean_rating, abs=0.01)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"genre": "drama"}, ["Ten Fans", "Solid Classic"]),
        ({"decade": "1940s"}, ["Solid Classic"]),
        ({"year": "2001"}, ["Ten Fans"]),
        ({"kind": "series"}, ["Long Series"]),
        ({"runtime_min": "100", "runtime_max": "130"}, ["Crowd Pleaser"]),
        ({"rating_min": "8", "rating_max": "9"}, ["Crowd Pleaser", "Solid Classic"]),
        ({"certification": "pg", "region": "gb"}, ["Ten Fans", "Solid Classic"]),
        ({"certification": "PG"}, []),
        (
            {"provider": "max", "region": "GB", "genre": "drama", "decade": "1940s"},
            ["Solid Classic"],
        ),
        (
            {"sort": "release", "kind": "movie"},
            ["Ten Fans", "Crowd Pleaser", "Unrated", "Solid Classic"],
        ),
    ],
)
def test_filters_combine(
    client: Client, catalog: dict[str, int], params: dict[str, str], expected: list[str]
) -> None:
    assert titles(client, **params) == expected


def test_every_filter_lives_in_the_url_and_pages(client: Client, catalog: dict[str, int]) -> None:
    response = client.get("/discover/", {"kind": "movie", "page": "1", "genre": ""})
    assert response.status_code == 200
    text = page_text(response)
    assert "Crowd Pleaser" in text
    body = client.get("/api/v1/discover", {"kind": "movie"}).json()
    assert (body["page"], body["has_next"]) == (1, False)
    assert client.get("/api/v1/discover", {"page": "2"}).json()["results"] == []


def test_the_charts(client: Client, catalog: dict[str, int]) -> None:
    top = page_text(client.get("/discover/top-rated/"))
    assert "Top rated" in top
    assert top.index("Crowd Pleaser") < top.index("Ten Fans")
    popular = page_text(client.get("/discover/popular/"))
    assert "Most popular" in popular
    assert popular.index("Crowd Pleaser") < popular.index("Ten Fans")


@pytest.mark.parametrize(
    "params",
    [
        {"genre": "no-such-genre"},
        {"genre": "<script>"},
        {"year": "nineteen"},
        {"year": "99999"},
        {"decade": "1945s"},
        {"year": "1950", "decade": "1950s"},
        {"runtime_min": "-5"},
        {"runtime_min": "120", "runtime_max": "60"},
        {"rating_min": "11"},
        {"rating_min": "nan"},
        {"provider": "nobody"},
        {"region": "Narnia"},
        {"kind": "episode"},
        {"sort": "random()"},
        {"page": "0"},
        {"page": "51"},
        {"certification": "'; DROP TABLE x; --"},
    ],
)
def test_nonsense_filters_are_clear_errors(
    client: Client, catalog: dict[str, int], params: dict[str, str]
) -> None:
    page = client.get("/discover/", params)
    assert page.status_code == 400
    assert "That filter doesn't work" in page_text(page)
    api = client.get("/api/v1/discover", params)
    assert api.status_code == 422
    assert api.json()["error"]["code"] == "invalid"


def test_the_index_follows_a_title_edit(client: Client, catalog: dict[str, int]) -> None:
    title = make_title("Newcomer", popularity=1000, year=2020)
    assert titles(client)[0] == "Newcomer"
    title.popularity = 0
    title.save()
    assert titles(client)[0] == "Crowd Pleaser"

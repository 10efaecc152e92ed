from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reelhouse.catalog.tests.factories import make_title
from reelhouse.community.models import Rating
from reelhouse.conftest import Showcase
from reelhouse.importers.selectors import catalog_stats

pytestmark = pytest.mark.django_db


def _rate(title_id: int, user: str) -> None:
    Rating.objects.create(
        title_id=title_id,
        source="movielens",
        external_user=user,
        score=7.0,
        rated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )


def test_it_prints_what_the_catalog_holds(showcase: Showcase) -> None:
    make_title("A Series", kind="series", rating=7.5, rating_votes=900, rating_source="imdb")
    _rate(showcase.red_shoes.pk, "1")
    out = StringIO()
    call_command("stats", stdout=out)
    lines = [" ".join(line.split()) for line in out.getvalue().splitlines()]
    assert lines[:3] == ["titles 23", "movie 22", "series 1"]
    assert "people 15" in lines
    assert "ratings 1" in lines
    assert "movielens 1" in lines
    rated = next(n for n, line in enumerate(lines) if line.startswith("titles with a source's"))
    assert "imdb 1" in lines[rated + 1 : lines.index("reviews 8")]
    assert "reviews 8" in lines
    assert "availability rows 13" in lines
    assert "articles 1" in lines


def test_it_answers_in_json_for_scripts(showcase: Showcase) -> None:
    _rate(showcase.red_shoes.pk, "1")
    _rate(showcase.red_shoes.pk, "2")
    out = StringIO()
    call_command("stats", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["titles"] == 22
    assert body["titles_by_kind"] == {"movie": 22}
    assert body["ratings_by_source"] == {"movielens": 2}
    assert body["titles_rated"] == sum(body["titles_rated_by_source"].values())
    assert body["reviews_by_status"] == {"published": 8}
    assert set(body) >= {"people", "credits", "providers", "availability", "articles"}


def test_its_queries_do_not_grow_with_the_catalog(db: None) -> None:
    with CaptureQueriesContext(connection) as empty:
        catalog_stats()
    for n in range(5):
        _rate(make_title(kind="series" if n % 2 else "movie").pk, str(n))
    with CaptureQueriesContext(connection) as fuller:
        catalog_stats()
    assert len(fuller) == len(empty) <= 12

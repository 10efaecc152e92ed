from __future__ import annotations

import pytest

from reelhouse.catalog.merge import fields_merge, genre_name, title_match_key, title_normalize
from reelhouse.catalog.tests.factories import make_title


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("The Red Shoes", "red shoes"),
        ("Red Shoes, The", "red shoes"),
        ("City of God (Cidade de Deus)", "city of god"),
        ("Amélie", "amelie"),
        ("I Know Where I'm Going!", "i know where i m going"),
        ("Mr. Arkadin", "mr arkadin"),
        ("Homme et une femme, Un", "homme et une femme"),
        ("(500) Days of Summer", "500 days of summer"),
        ("Love & Death", "love and death"),
    ],
)
def test_titles_normalize_to_what_spellings_share(raw: str, normal: str) -> None:
    assert title_normalize(raw) == normal


def test_the_match_key_holds_title_and_year() -> None:
    assert title_match_key("Red Shoes, The", 1948) == title_match_key("The Red Shoes", 1948)
    assert title_match_key("The Red Shoes", 1948) != title_match_key("The Red Shoes", 2025)
    assert title_match_key("Untitled", None) == "untitled|"


def test_a_source_fills_what_is_empty_and_records_itself() -> None:
    changes, sources = fields_merge({"synopsis": ""}, {}, {"synopsis": "A story."}, "imdb")
    assert changes == {"synopsis": "A story."}
    assert sources == {"synopsis": "imdb"}


def test_a_lower_source_never_overwrites_a_higher_one() -> None:
    current = {"synopsis": "Written by an editor.", "runtime": 133}
    sources = {"synopsis": "showcase", "runtime": "tmdb"}
    changes, new_sources = fields_merge(
        current, sources, {"synopsis": "x", "runtime": 136}, "ggplot2movies"
    )
    assert changes == {}
    assert new_sources == sources


def test_the_same_source_updates_what_changed() -> None:
    changes, _ = fields_merge({"runtime": 100}, {"runtime": "imdb"}, {"runtime": 101}, "imdb")
    assert changes == {"runtime": 101}


def test_nothing_changes_when_nothing_differs() -> None:
    current = {"runtime": 100, "year": 1948}
    sources = {"runtime": "imdb", "year": "imdb"}
    assert fields_merge(current, sources, dict(current), "imdb") == ({}, sources)


def test_empty_values_never_erase() -> None:
    changes, _ = fields_merge(
        {"tagline": "Kept."}, {"tagline": "tmdb"}, {"tagline": "", "runtime": None}, "tmdb"
    )
    assert changes == {}


def test_imdb_ratings_outrank_tmdb_ratings_and_move_as_a_group() -> None:
    current = {"rating": 7.9, "rating_votes": 800, "rating_source": "tmdb"}
    sources = {"rating": "tmdb", "rating_votes": "tmdb", "rating_source": "tmdb"}
    incoming = {"rating": 8.1, "rating_votes": 48213, "rating_source": "imdb"}
    changes, new_sources = fields_merge(current, sources, incoming, "imdb")
    assert changes == incoming
    assert set(new_sources.values()) == {"imdb"}
    back, _ = fields_merge(
        incoming, new_sources, {"rating": 7.0, "rating_votes": 10, "rating_source": "tmdb"}, "tmdb"
    )
    assert back == {}


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Sci-Fi", "Science Fiction"),
        ("Children", "Family"),
        ("Drama", "Drama"),
        ("(no genres listed)", None),
        ("Film-Noir", "Film Noir"),
    ],
)
def test_genres_take_one_name(raw: str, name: str | None) -> None:
    assert genre_name(raw) == name


@pytest.mark.django_db
def test_a_saved_title_keeps_its_match_key() -> None:
    film = make_title("Red Shoes, The", year=1948)
    assert film.match_key == "red shoes|1948"
    film.title = "The Red Shoes Restored"
    film.save(update_fields=["title"])
    film.refresh_from_db()
    assert film.match_key == "red shoes restored|1948"


def test_a_group_belongs_to_its_strongest_owner() -> None:
    current = {"rating": 8.1, "rating_votes": None, "rating_source": "showcase"}
    sources = {"rating": "showcase", "rating_source": "showcase"}
    incoming = {"rating": 8.0, "rating_votes": 2049, "rating_source": "ggplot2movies"}
    assert fields_merge(current, sources, incoming, "ggplot2movies") == ({}, sources)


def test_a_source_taking_a_group_clears_what_it_does_not_know() -> None:
    current = {"rating": 7.0, "rating_votes": 12, "rating_source": "movielens"}
    sources = dict.fromkeys(current, "movielens")
    changes, _ = fields_merge(current, sources, {"rating": 8.0, "rating_source": "tmdb"}, "tmdb")
    assert changes == {"rating": 8.0, "rating_votes": None, "rating_source": "tmdb"}

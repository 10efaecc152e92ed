from __future__ import annotations

import pytest

from reelhouse.catalog.models import AlternativeTitle
from reelhouse.catalog.tests.factories import make_person, make_title
from reelhouse.conftest import Showcase
from reelhouse.editorial.models import Article
from reelhouse.search import engine
from reelhouse.search.engine import search, suggest

pytestmark = pytest.mark.django_db


def names(query: str, **kwargs: object) -> list[str]:
    return [r["name"] for r in search(query, **kwargs)["results"]]  # type: ignore[arg-type]


def test_it_keeps_the_selectors_result_shape(showcase: Showcase) -> None:
    first = search("red shoes")["results"][0]
    assert first == {
        "type": "title",
        "id": showcase.red_shoes.pk,
        "name": "The Red Shoes",
        "year": 1948,
        "url": showcase.red_shoes.get_absolute_url(),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("red shoos", "The Red Shoes"),
        ("notting hil", "Notting Hill"),
        ("amadeos", "Amadeus"),
        ("leonide massine", "Léonide Massine"),
        ("LÉONIDE MASSINE", "Léonide Massine"),
        ("red sh", "The Red Shoes"),
        ("tales of hofman", "The Tales of Hoffmann"),
    ],
)
def test_it_forgives_typos_accents_case_and_unfinished_words(
    showcase: Showcase, query: str, expected: str
) -> None:
    assert names(query)[0] == expected


def test_a_year_in_the_query_picks_the_film_of_that_year(showcase: Showcase) -> None:
    assert search("red shoes 2025")["results"][0]["id"] == showcase.red_shoes_2025.pk
    assert search("red shoes 1948")["results"][0]["id"] == showcase.red_shoes.pk


def test_the_famous_film_beats_an_obscure_namesake(db: None) -> None:
    obscure = make_title("Amadeus", year=2011, rating_votes=12)
    famous = make_title("Amadeus", year=1984, rating_votes=450_000, rating=8.4)
    assert [r["id"] for r in search("amadeus")["results"]] == [famous.pk, obscure.pk]


def test_an_exact_title_beats_a_longer_famous_one(db: None) -> None:
    make_title("The Shoes of the Fisherman", year=1968, rating_votes=10_000)
    make_title("Shoes", year=1916)
    assert names("shoes") == ["Shoes", "The Shoes of the Fisherman"]


def test_a_name_and_a_word_more_finds_the_name(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    make_title("The Red Shoes", year=1948, rating_votes=10)
    for n in range(6):
        make_title(f"The Famous Film {n}", rating_votes=100_000)
    # Fewer candidates than famous films holding "the": "any of the words" finds only those.
    monkeypatch.setattr(engine, "MAX_RESULTS", 5)
    assert names("the red shoes powell")[0] == "The Red Shoes"


def test_it_matches_original_and_alternative_titles(db: None) -> None:
    film = make_title("Spirited Away", original_title="Sen to Chihiro no kamikakushi")
    AlternativeTitle.objects.create(title=film, name="Le Voyage de Chihiro", ordering=1)
    assert names("chihiro no kamikakushi")[0] == "Spirited Away"
    assert names("voyage de chihiro")[0] == "Spirited Away"


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("tt0040725", "imdb_id", "tt0040725"),
        ("tmdb:19542", "tmdb_id", 19542),
        ("movielens:1", "movielens_id", 1),
    ],
)
def test_it_finds_titles_by_external_id(db: None, query: str, field: str, value: object) -> None:
    film = make_title("Found By Id", **{field: value})
    make_title("Decoy")
    assert [r["id"] for r in search(query)["results"]] == [film.pk]


def test_it_filters_types_and_pages(showcase: Showcase) -> None:
    assert {r["type"] for r in search("red shoes", types=("article",))["results"]} == {"article"}
    everything = search("red shoes")
    second = search("red shoes", limit=1, offset=1)
    assert second["count"] == everything["count"] == 3
    assert second["results"] == everything["results"][1:2]


def test_suggestions_are_titles_and_people(showcase: Showcase) -> None:
    found = suggest("mo")
    assert found
    assert {r["type"] for r in found} <= {"title", "person"}
    assert [r["name"] for r in suggest("moira sh")] == ["Moira Shearer"]
    assert len(suggest("e")) <= 8


def test_the_index_follows_edits(db: None) -> None:
    film = make_title("Quiet Harbour")
    assert names("harbour") == ["Quiet Harbour"]
    film.title = "Loud Harbour"
    film.save()
    assert names("harbour") == ["Loud Harbour"]
    AlternativeTitle.objects.create(title=film, name="Puerto Ruidoso", ordering=1)
    assert names("puerto ruidoso") == ["Loud Harbour"]
    film.delete()
    assert names("harbour") == []
    person = make_person("Zoë Quillfeather")
    assert names("zoe quillfeather") == ["Zoë Quillfeather"]
    person.delete()
    assert names("quillfeather") == []


def test_only_published_articles_are_found(showcase: Showcase) -> None:
    article = Article.objects.get()
    article.status = Article.Status.DRAFT
    article.save()
    assert "article" not in {r["type"] for r in search("red shoes")["results"]}


@pytest.mark.parametrize(
    "query",
    [
        '"red',
        "red*",
        "NEAR(red shoes)",
        "-red",
        "names:red",
        "^red",
        "red AND OR NOT",
        "' OR 1=1 --",
        "Robert'); DROP TABLE search_document;--",
        "\x00\x07red",
        "%_%",
        "a" * 200,
        "ﬁlm ✓ 🎬",
        "   ",
        "red " * 50,
    ],
)
def test_odd_queries_are_searched_safely(showcase: Showcase, query: str) -> None:
    page = search(query)
    assert page["count"] == len(page["results"]) or page["count"] > len(page["results"])
    suggest(query)

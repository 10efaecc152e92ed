from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from reelhouse.catalog.models import Availability, Title, TitleRelation
from reelhouse.community.models import Review
from reelhouse.conftest import Showcase
from reelhouse.importers.demo import showcase_load
from reelhouse.people.models import Credit

pytestmark = pytest.mark.django_db

SEED_CAST = [
    ("Moira Shearer", "Victoria Page"),
    ("Adolf Wohlbrück", "Boris Lermontov"),
    ("Marius Goring", "Julian Craster"),
    ("Léonide Massine", "Grischa Ljubov"),
    ("Robert Helpmann", "Ivan Boleslawsky"),
    ("Albert Bassermann", "Sergei Ratov"),
    ("Esmond Knight", "Livy"),
    ("Ludmilla Tchérina", "Irina Boronskaja"),
    ("Bill Shine", "Her Mate"),
    ("Austin Trevor", "Prof. Palmer"),
]
SEED_SIMILAR = [
    ("Amadeus", 1984, "Prime Video"),
    ("Mambo Italiano", 2003, "Prime Video"),
    ("Asher", 2018, "Starz"),
    ("Just a Question of Love", 2000, None),
    ("Bend It Like Beckham", 2003, "Prime Video"),
    ("Bandyta", 1997, None),
    ("Love Actually", 2003, "Prime Video"),
    ("Notting Hill", 1999, "Prime Video"),
    ("Song of Norway", 1970, None),
    ("Flashdance", 1983, "Prime Video"),
]
SEED_RECOMMENDED = [
    ("Black Narcissus", 1947, "Max"),
    ("Der Fuehrer's Face", 1943, None),
    ("The Set-Up", 1949, "Max"),
    ("Force of Evil", 1948, None),
    ("The Tales of Hoffmann", 1951, None),
    ("Wagon Master", 1950, None),
    ("Love Affair", 1939, "Prime Video"),
    ("I Know Where I'm Going!", 1947, "MGM+"),
    ("Mr. Arkadin", 1955, "Max"),
    ("Captain Blood", 1935, "Max"),
]


def _rail(title: Title, kind: str) -> list[tuple[str, int | None, str | None]]:
    rail = []
    for rel in TitleRelation.objects.filter(source=title, kind=kind).select_related("target"):
        offer = Availability.objects.filter(title=rel.target, region="US").first()
        rail.append((rel.target.title, rel.target.year, offer.provider.name if offer else None))
    return rail


def test_it_carries_the_reference_pages_facts(showcase: Showcase) -> None:
    film = showcase.red_shoes
    assert film.release_date == dt.date(1948, 10, 22)
    assert film.certification("US") == "NR"
    assert film.rating == 8.1
    cast = Credit.objects.filter(title=film, kind="cast").order_by("order")
    assert [(c.person.name, c.character) for c in cast] == SEED_CAST
    assert _rail(film, "similar") == SEED_SIMILAR
    assert _rail(film, "recommended") == SEED_RECOMMENDED


def test_search_and_the_api_find_the_reference_title_by_its_imdb_id(
    showcase: Showcase, client: Client
) -> None:
    # The issue's own example: q=tt0040725 finds that title.
    assert showcase.red_shoes.imdb_id == "tt0040725"
    results = client.get("/api/v1/search", {"q": "tt0040725"}).json()["results"]
    assert [r["id"] for r in results] == [showcase.red_shoes.pk]
    found = client.get("/api/v1/titles/lookup", {"imdb": "tt0040725"}).json()
    assert found["id"] == showcase.red_shoes.pk


def test_it_takes_over_the_title_an_imdb_import_made(db: None) -> None:
    # IMDb's spelling differs; the id says it is the same film, and the showcase's facts win.
    imported = Title.objects.create(
        title="Red Shoes", year=1948, imdb_id="tt0040725", slug="red-shoes", field_sources={}
    )
    showcase_load()
    film = Title.objects.get(imdb_id="tt0040725")
    assert film.pk == imported.pk
    assert (film.title, film.year, film.slug) == ("The Red Shoes", 1948, "the-red-shoes")
    assert Title.objects.filter(title="The Red Shoes", year=1948).count() == 1


def test_it_links_the_2025_reimagining_and_its_article(showcase: Showcase) -> None:
    relation = TitleRelation.objects.get(kind="reimagining_of")
    assert (relation.source, relation.target) == (showcase.red_shoes_2025, showcase.red_shoes)
    directors = Credit.objects.filter(title=showcase.red_shoes_2025, job="Director")
    assert [c.person.name for c in directors] == ["Luca Guadagnino"]
    assert set(showcase.article.titles.all()) == {showcase.red_shoes, showcase.red_shoes_2025}
    assert [p.name for p in showcase.article.people.all()] == ["Luca Guadagnino"]


def test_it_has_eight_reviews_in_the_seeds_shape(showcase: Showcase) -> None:
    reviews = list(Review.objects.filter(title=showcase.red_shoes).order_by("created_at"))
    assert [r.created_at.date() for r in reviews] == [
        dt.date(1948, 10, day) for day in range(22, 30)
    ]
    lengths = [len(r.text) for r in reviews]
    assert all(n < 60 for n in lengths[:2])
    assert 120 < lengths[2] < 420
    assert all(n > 560 for n in lengths[3:])


def test_loading_twice_changes_nothing(showcase: Showcase) -> None:
    counts = (
        Title.objects.count(),
        Credit.objects.count(),
        Review.objects.count(),
        TitleRelation.objects.count(),
        Availability.objects.count(),
    )
    showcase_load()
    assert counts == (
        Title.objects.count(),
        Credit.objects.count(),
        Review.objects.count(),
        TitleRelation.objects.count(),
        Availability.objects.count(),
    )

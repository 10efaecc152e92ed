from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from reelhouse.catalog.documents import RAIL_LENGTH, title_document_get
from reelhouse.catalog.models import Title
from reelhouse.conftest import Showcase
from reelhouse.importers.demo import SHOWCASE_PATH
from reelhouse.recs.services import recs_build
from reelhouse.recs.tests.factories import Planted, planted_catalog


def _seed_titles(kind: str) -> list[str]:
    data = json.loads(Path(SHOWCASE_PATH).read_text(encoding="utf-8"))
    names = {t["key"]: t["title"] for t in data["titles"]}
    return [names[key] for key in data[kind]["the-red-shoes-1948"]]


@pytest.fixture
def built_showcase(showcase: Showcase) -> Showcase:
    recs_build(quiet=True)
    return showcase


def test_the_reference_rails_keep_their_seeds_first_and_are_full(
    built_showcase: Showcase,
) -> None:
    doc = title_document_get(built_showcase.red_shoes.pk)
    assert doc is not None
    for rail, kind in (("similar", "similar"), ("recommended", "recommended")):
        seeds = _seed_titles(kind)
        cards = doc[rail]
        assert len(cards) == RAIL_LENGTH
        assert [c["title"] for c in cards[: len(seeds)]] == seeds
        assert all(c["reasons"] == ["Picked by our editors"] for c in cards[: len(seeds)])
        computed = cards[len(seeds) :]
        assert all(c["reasons"] for c in computed)
        assert built_showcase.red_shoes.pk not in {c["id"] for c in cards}
        assert len({c["id"] for c in cards}) == RAIL_LENGTH


def test_the_reference_similar_rail_explains_the_remake(built_showcase: Showcase) -> None:
    doc = title_document_get(built_showcase.red_shoes.pk)
    assert doc is not None
    by_title = {(c["title"], c["year"]): c for c in doc["similar"]}
    remake = by_title[("The Red Shoes", 2025)]
    assert "Both about ballet" in remake["reasons"]
    hoffmann = by_title[("The Tales of Hoffmann", 1951)]
    assert "Same director: Michael Powell" in hoffmann["reasons"]


def test_the_title_page_shows_reasons(built_showcase: Showcase, client: Client) -> None:
    response = client.get(built_showcase.red_shoes.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="card-reason"' in html
    assert "Picked by our editors" in html
    assert "Same director: Michael Powell" in html
    assert "Why it is here: " in html


@pytest.mark.django_db
def test_a_title_with_no_ratings_gets_a_you_may_also_like_rail(client: Client) -> None:
    planted: Planted = planted_catalog()
    recs_build(quiet=True)
    doc = title_document_get(planted.unrated.pk)
    assert doc is not None
    assert doc["recommended"]
    assert doc["recommended"][0]["reasons"]
    response = client.get(Title.objects.get(pk=planted.unrated.pk).get_absolute_url())
    assert "Same director: Ada Director" in response.content.decode()

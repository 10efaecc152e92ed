from __future__ import annotations

import importlib.util
import os
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from reelhouse.catalog.models import Keyword
from reelhouse.catalog.tests.factories import make_title
from reelhouse.conftest import Showcase
from reelhouse.search import story
from reelhouse.search.engine import search, search_explained
from reelhouse.search.models import BuildCheckpoint, StoryEmbedding

pytestmark = pytest.mark.django_db


@pytest.fixture
def installed() -> None:
    if not story.story_is_installed():
        if os.environ.get("REELHOUSE_REQUIRE_STORY") == "1":
            pytest.fail("REELHOUSE_REQUIRE_STORY=1 but the `story` extra is not installed")
        pytest.skip("story search is not installed (the `story` extra: tokenizers and the model)")


@pytest.fixture
def not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name in story.REQUIRED else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_without_the_extra_search_works_and_says_story_search_is_missing(
    client: Client, showcase: Showcase, not_installed: None
) -> None:
    assert client.get("/api/v1/search/story").json() == {
        "installed": False,
        "message": story.story_status()["message"],
    }
    assert "Story search is not installed" in client.get("/search/").content.decode()
    page = search("the ballerina who can't stop dancing")
    assert page["count"] >= 0
    assert search("red shoes")["results"][0]["id"] == showcase.red_shoes.pk
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("search", "embed", "--quiet", stderr=err)
    assert exit_info.value.code == 2
    assert "Story search is not installed" in err.getvalue()


def test_the_text_is_synopsis_tagline_and_keywords() -> None:
    assert story.story_text(" A dancer. ", "Dreams.", ["ballet", "ballerina"]) == (
        "A dancer.\nDreams.\nballet, ballerina."
    )
    assert story.story_text("", "", []) == ""


def test_the_embed_job_skips_unchanged_titles_and_titles_without_a_story(
    installed: None,
) -> None:
    dancer = make_title("Dancer", synopsis="A ballerina dances until she drops.")
    make_title("Silent", synopsis="", tagline="")
    out = StringIO()
    call_command("search", "embed", "--quiet", stdout=out)
    assert "Story embeddings: 1 titles embedded." in out.getvalue()
    vector = np.frombuffer(bytes(StoryEmbedding.objects.get(title=dancer).vector), dtype="<f4")
    assert vector.shape == (384,)
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert story.story_embed_all(quiet=True) == 0  # nothing changed
    dancer.synopsis = "A boxer fights one last fight."
    dancer.save()
    assert story.story_embed_all(quiet=True) == 1
    assert story.story_embed_all(quiet=True, restart=True) == 1


def test_the_embed_bar_counts_stories_not_titles(
    installed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counted in titles, a first batch of a few stories read as 0% with minutes to go.
    make_title("Dancer", synopsis="A ballerina dances until she drops.")
    make_title("Sailor", synopsis="").keywords.add(Keyword.objects.create(name="sea"))
    for n in range(6):
        make_title(f"Silent {n}", synopsis="", tagline="")
    bars: list[Bar] = []

    def progress(label: str, total: int | None, **_: object) -> Bar:
        bars.append(Bar(total))
        return bars[-1]

    monkeypatch.setattr(story, "Progress", progress)
    monkeypatch.setattr(story, "BATCH", 3)
    assert story.story_embed_all() == 2
    (bar,) = bars
    assert bar.total == 2
    assert bar.updates[-1] == (2, 2)


class Bar:
    """What a Progress was told."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.updates: list[tuple[int, int | None]] = []

    def update(self, rows: int, done: int | None = None) -> None:
        self.updates.append((rows, done))

    def finish(self) -> None:
        pass


def test_an_interrupted_embed_resumes_after_its_last_batch(
    installed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = [make_title(f"Story {n}", synopsis=f"Story number {n} of a sailor.") for n in range(5)]
    monkeypatch.setattr(story, "BATCH", 2)
    real = story._texts
    calls = 0

    def failing(after: int, limit: int) -> list[tuple[int, str]]:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return real(after, limit)

    monkeypatch.setattr(story, "_texts", failing)
    with pytest.raises(KeyboardInterrupt):
        story.story_embed_all(quiet=True)
    assert StoryEmbedding.objects.count() == 4
    assert BuildCheckpoint.objects.get(job="embed").after == titles[3].pk
    monkeypatch.setattr(story, "_texts", real)
    assert story.story_embed_all(quiet=True) == 5  # counted with the batches already done
    assert StoryEmbedding.objects.count() == 5


def test_story_queries_find_the_film_and_names_still_win(
    installed: None, showcase: Showcase
) -> None:
    story.story_embed_all(quiet=True)
    top3 = [r["id"] for r in search("the ballerina who can't stop dancing")["results"][:3]]
    assert showcase.red_shoes.pk in top3
    assert search("the red shoes")["results"][0]["type"] == "title"
    assert [r["name"] for r in search("notting hill")["results"][:1]] == ["Notting Hill"]


def test_a_description_ranks_by_story_not_by_names_sharing_its_common_words(
    installed: None, showcase: Showcase
) -> None:
    # Well-known films whose names hold "the", "who", "cant", "stop" or "dancing": on the demo
    # catalog, names like these outranked The Red Shoes (1948), whose story the query tells.
    for name, votes in [
        ("Can't Stop the Music", 20_000),
        ("The Man Who Wasn't There", 120_000),
        ("The Spy Who Loved Me", 100_000),
        ("Stop Making Sense", 30_000),
        ("Dancing Lady", 5_000),
        ("The Who Sell Out", 9_000),
    ]:
        make_title(name, rating_votes=votes, rating=7.0, synopsis="")
    story.story_embed_all(quiet=True)
    results = search_explained("the ballerina who can't stop dancing", limit=3)
    # Flashdance, a dancer's story too, may come between them.
    assert {showcase.red_shoes.pk, showcase.red_shoes_2025.pk} <= {r["id"] for r in results}
    assert results[0]["story_weight"] > 0.5


def test_a_name_typed_in_full_is_ranked_by_name_without_embedding_the_query(
    installed: None, showcase: Showcase, monkeypatch: pytest.MonkeyPatch
) -> None:
    story.story_embed_all(quiet=True)

    def not_called(query: str, *, limit: int = 50) -> list[tuple[int, float]]:
        raise AssertionError(f"{query!r} was embedded")

    monkeypatch.setattr(story, "story_search", not_called)
    for query, expected in [
        ("bend it like beckham", "Bend It Like Beckham"),
        ("i know where im going", "I Know Where I'm Going!"),
        # A whole name and a word more is still that name.
        ("love actually christmas", "Love Actually"),
        ("the red shoes powell", "The Red Shoes"),
    ]:
        results = search_explained(query, limit=1)
        assert [r["name"] for r in results] == [expected]
        assert results[0]["story_weight"] == 0


def test_the_encoder_runs_a_text_through_the_model_once(
    installed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = story.encoder()
    calls: list[int] = []
    real = model._encode

    def counted(texts: list[str], *, batch_size: int) -> np.ndarray:
        calls.append(len(texts))
        return real(texts, batch_size=batch_size)

    monkeypatch.setattr(model, "_encode", counted)
    first = model.encode(["a ballet dancer", "a lighthouse keeper"])
    again = model.encode(["a lighthouse keeper", "a ballet dancer", "a harbour town"])
    assert calls == [2, 1]
    assert np.array_equal(first[1], again[0])
    assert np.array_equal(first[0], again[1])

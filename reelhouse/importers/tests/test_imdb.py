from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from reelhouse.catalog.models import AlternativeTitle, Genre, Title
from reelhouse.catalog.tests.factories import make_title
from reelhouse.importers import files, imdb
from reelhouse.importers.models import ImportCheckpoint
from reelhouse.importers.tests.imdb_fixtures import (
    HEADERS,
    LONG_NCONST,
    LONG_TCONST,
    ROWS,
    N,
    basics_rows,
    bomb_write,
    broken_rows_write,
    imdb_files_write,
    latin1_write,
    long_line_write,
    truncated_write,
    tsv_gz_write,
)
from reelhouse.lib.text import slugify
from reelhouse.people.models import Credit, Person

pytestmark = pytest.mark.django_db


def import_imdb(directory: Path, *args: str) -> str:
    out = StringIO()
    call_command("import", "imdb", str(directory), "--quiet", *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {
        "titles": Title.objects.count(),
        "genres": Title.genres.through.objects.count(),
        "akas": AlternativeTitle.objects.count(),
        "people": Person.objects.count(),
        "credits": Credit.objects.count(),
    }


def credits_of(tconst: str) -> list[tuple[Any, ...]]:
    return list(
        Credit.objects.filter(title__imdb_id=tconst)
        .order_by("order")
        .values_list("person__imdb_id", "kind", "character", "order", "department", "job", "source")
    )


def test_it_imports_the_facts_of_every_file(tmp_path: Path) -> None:
    out = import_imdb(imdb_files_write(tmp_path / "imdb"))

    lantern = Title.objects.get(imdb_id="tt9900001")
    assert (lantern.kind, lantern.format, lantern.year, lantern.runtime) == (
        "movie",
        "movie",
        1948,
        97,
    )
    assert (lantern.rating, lantern.rating_votes, lantern.rating_source) == (7.9, 880, "imdb")
    assert sorted(lantern.genres.values_list("name", flat=True)) == ["Drama", "Film Noir"]
    assert lantern.match_key == "lantern keeper|1948"
    assert lantern.field_sources["title"] == "imdb"

    remake = Title.objects.get(imdb_id="tt9900002")
    assert remake.original_title == "Der Laternenwärter"
    assert remake.runtime is None  # \N in a numeric column
    assert remake.rating is None  # no ratings row
    assert "Science Fiction" in remake.genres.values_list("name", flat=True)

    series = Title.objects.get(imdb_id="tt9900003")
    assert (series.title, series.kind, series.format) == ('"Harbor Lights"', "series", "tvSeries")
    assert series.end_year == 2022

    short = Title.objects.get(imdb_id=LONG_TCONST)
    assert (short.title, short.kind, short.format, short.year) == (
        "Хранитель фонаря",
        "movie",
        "short",
        None,
    )
    assert not Title.objects.filter(imdb_id="tt9900006").exists()  # a videoGame
    assert "1 videoGame titles skipped" in out

    # name.basics starts with a byte order mark; its nameless person is rejected, not fatal.
    ilse = Person.objects.get(imdb_id="nm9900010")
    assert (ilse.name, ilse.birth_year, ilse.death_year) == ("Ilse Brandauer", 1901, 1979)
    assert (ilse.professions, ilse.known_for) == ("director,writer", "Directing")
    assert Person.objects.get(imdb_id=LONG_NCONST).known_for == "Acting"
    assert not Person.objects.filter(imdb_id="nm9900099").exists()
    assert "1 rejected no primaryName" in out

    akas = list(
        AlternativeTitle.objects.filter(title=remake).values_list(
            "ordering", "name", "region", "language", "types", "attributes", "is_original"
        )
    )
    assert akas == [
        (1, "Der Laternenwärter", "", "", "original", "", True),
        (2, "The Lantern Keeper", "US", "", "imdbDisplay", "", False),
        (3, "Хранитель фонаря", "UA", "uk", "imdbDisplay,tv", "", False),
        (4, "Der Laternenwärter (2025)", "DE", "", "", "literal title", False),
    ]
    assert "1 unresolved titleId not in the catalog" in out

    assert credits_of("tt9900001") == [
        ("nm9900020", "cast", "Mara Vale / Young Mara", 1, "", "", "imdb"),
        ("nm9900021", "cast", "Harbor Master", 2, "", "", "imdb"),
        ("nm9900010", "crew", "", 3, "Directing", "Director", "imdb"),
        ("nm9900011", "crew", "", 4, "Writing", "screenplay", "imdb"),
    ]
    # title.crew adds the writers the principals leave out, and no one twice.
    assert credits_of("tt9900002") == [
        (LONG_NCONST, "cast", "Хранительница", 1, "", "", "imdb"),
        ("nm9900013", "crew", "", 2, "Directing", "Director", "imdb"),
        ("nm9900020", "crew", "", 3, "Art", "Production Designer", "imdb"),
        ("nm9900013", "crew", "", imdb.WRITERS_ORDER, "Writing", "Writer", "imdb"),
        ("nm9900011", "crew", "", imdb.WRITERS_ORDER + 1, "Writing", "Writer", "imdb"),
    ]
    principals = out.split("title.principals.tsv.gz:")[1].splitlines()[0]
    assert "1 unresolved nconst not among the people" in principals


def test_a_new_title_takes_what_imdb_lacks_from_the_database_defaults(tmp_path: Path) -> None:
    # The importer writes only TITLE_COLUMNS: every other column needs a database default.
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, "catalog_title")
    left_out = {c.name for c in described if not c.null_ok} - {"id", *imdb.TITLE_COLUMNS}
    assert left_out >= {"synopsis", "popularity", "created_at", "updated_at"}
    assert not [c.name for c in described if c.name in left_out and c.default is None]

    started = timezone.now()
    import_imdb(imdb_files_write(tmp_path / "imdb"), "--no-search-index")
    lantern = Title.objects.get(imdb_id="tt9900001")
    assert (lantern.synopsis, lantern.tagline, lantern.poster_url, lantern.popularity) == (
        "",
        "",
        "",
        0.0,
    )
    # Read back as aware datetimes, from the import's own clock (SQLite's is UTC too).
    assert started <= lantern.created_at <= timezone.now()
    assert lantern.updated_at >= lantern.created_at


def test_it_imports_episodes_only_with_the_flag(tmp_path: Path) -> None:
    directory = imdb_files_write(tmp_path / "imdb")
    out = import_imdb(directory)
    assert not Title.objects.filter(kind="episode").exists()
    assert "2 tvEpisode titles skipped (use --episodes)" in out
    assert "title.episode.tsv.gz: 0 rows read, 0 written, 1 skipped" in out

    import_imdb(directory, "--episodes")

    series = Title.objects.get(imdb_id="tt9900003")
    pilot = Title.objects.get(imdb_id="tt9900004")
    assert (pilot.kind, pilot.parent, pilot.season_number, pilot.episode_number) == (
        "episode",
        series,
        1,
        1,
    )
    assert pilot.rating == 7.0
    assert credits_of("tt9900004")[0][2] == 'Captain "Red" Olsen'
    second = Title.objects.get(imdb_id="tt9900005")
    assert (second.parent, second.season_number) == (series, None)


@pytest.mark.parametrize("reordered", [False, True])
def test_episodes_left_out_are_counted_and_a_broken_one_still_rejected(
    tmp_path: Path, reordered: bool
) -> None:
    # Without --episodes an episode row is recognised before it is split; in a file whose
    # columns come in another order, after. Both ways count the same.
    rows = [
        *ROWS["title.basics"],
        ("tt9900007", "tvEpisode", "Broken", "Broken", "0", "2019", N, "47"),  # a column short
        ("tt9900008", "movie", "tvEpisode", "tvEpisode", "0", "2001", N, "90", "Drama"),
    ]
    header = HEADERS["title.basics"]
    if reordered:
        order = [1, 0, *range(2, len(header))]
        header = tuple(header[i] for i in order)
        rows = [tuple(row[i] for i in order if i < len(row)) for row in rows]
    directory = tmp_path / "imdb"
    directory.mkdir()
    tsv_gz_write(directory / "title.basics.tsv.gz", header, rows)

    out = import_imdb(directory)

    assert "2 tvEpisode titles skipped (use --episodes)" in out
    assert "1 rejected 8 columns instead of 9" in out
    assert not Title.objects.filter(kind="episode").exists()
    assert Title.objects.get(imdb_id="tt9900008").title == "tvEpisode"


def test_the_title_page_shows_the_imported_cast(tmp_path: Path, client: Client) -> None:
    import_imdb(imdb_files_write(tmp_path / "imdb"))
    title = Title.objects.get(imdb_id="tt9900001")

    page = client.get(title.get_absolute_url())

    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert "Noor Haddad as Mara Vale / Young Mara" in text
    assert "Emil Sorensen as Harbor Master" in text
    assert "Ilse Brandauer" in text


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    directory = imdb_files_write(tmp_path / "imdb")
    import_imdb(directory, "--episodes")
    counts = table_counts()
    stamps = dict(Title.objects.values_list("imdb_id", "updated_at"))

    again = import_imdb(directory, "--episodes")
    assert again.count("file already imported and unchanged") == 7
    # Even when every file is read again (as a changed file would be), nothing is written.
    ImportCheckpoint.objects.all().delete()
    reread = import_imdb(directory, "--episodes")

    assert re.findall(r"(\d+) written", reread) == ["0"] * 7
    assert table_counts() == counts
    assert dict(Title.objects.values_list("imdb_id", "updated_at")) == stamps


def test_a_newer_file_updates_what_changed(tmp_path: Path, client: Client) -> None:
    directory = imdb_files_write(tmp_path / "imdb")
    import_imdb(directory)
    lantern = Title.objects.get(imdb_id="tt9900001")
    assert b"7.9" in client.get(lantern.get_absolute_url()).content  # builds its document
    stamps = dict(Title.objects.values_list("imdb_id", "updated_at"))

    ratings = [("tt9900001", "8.4", "1200"), *ROWS["title.ratings"][1:]]
    principals = [
        ("tt9900001", "1", "nm9900020", "actress", "\\N", '["Mara Vale"]'),
        *ROWS["title.principals"][1:],
    ]
    basics = [
        (*ROWS["title.basics"][0][:7], "101", "Drama"),
        *ROWS["title.basics"][1:],
    ]
    imdb_files_write(
        directory,
        {"title.ratings": ratings, "title.principals": principals, "title.basics": basics},
        names=["title.ratings", "title.principals", "title.basics"],
    )
    import_imdb(directory)

    lantern.refresh_from_db()
    assert (lantern.rating, lantern.rating_votes, lantern.runtime) == (8.4, 1200, 101)
    assert list(lantern.genres.values_list("name", flat=True)) == ["Drama"]
    assert credits_of("tt9900001")[0][2] == "Mara Vale"
    assert lantern.updated_at > stamps["tt9900001"]
    unchanged = Title.objects.exclude(imdb_id="tt9900001").values_list("imdb_id", "updated_at")
    assert dict(unchanged) == {k: v for k, v in stamps.items() if k != "tt9900001"}
    page = client.get(lantern.get_absolute_url()).content.decode()
    assert "8.4" in page
    assert "Mara Vale</span>" in page


def test_it_merges_into_a_title_another_source_created(tmp_path: Path) -> None:
    existing = make_title(
        "Lantern Keeper",
        year=None,
        imdb_id="tt9900001",
        tmdb_id=900001,
        synopsis="A keeper of lanterns.",
        rating=6.1,
        rating_votes=40,
        rating_source="tmdb",
        field_sources={
            "title": "showcase",
            "synopsis": "tmdb",
            "rating": "tmdb",
            "rating_votes": "tmdb",
            "rating_source": "tmdb",
        },
    )

    import_imdb(imdb_files_write(tmp_path / "imdb"))

    assert Title.objects.filter(imdb_id="tt9900001").count() == 1
    merged = Title.objects.get(imdb_id="tt9900001")
    assert merged.pk == existing.pk
    assert merged.title == "Lantern Keeper"  # the showcase outranks IMDb
    assert (merged.year, merged.runtime, merged.synopsis) == (1948, 97, "A keeper of lanterns.")
    assert (merged.rating, merged.rating_votes, merged.rating_source) == (7.9, 880, "imdb")
    assert merged.match_key == "lantern keeper|1948"
    assert merged.field_sources["title"] == "showcase"
    assert merged.field_sources["year"] == "imdb"
    assert sorted(merged.genres.values_list("name", flat=True)) == ["Drama", "Film Noir"]
    assert len(credits_of("tt9900001")) == 4


def test_it_reads_any_subset_of_the_files(tmp_path: Path) -> None:
    directory = imdb_files_write(tmp_path / "imdb", names=["title.basics", "title.ratings"])

    out = import_imdb(directory)

    assert out.count("not in the directory: skipped") == 5
    assert Title.objects.get(imdb_id="tt9900001").rating == 7.9


def test_it_refuses_a_directory_without_imdb_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=f"{re.escape(str(tmp_path))}: none of IMDb's files"):
        import_imdb(tmp_path)


def _wrong_header(path: Path) -> None:
    tsv_gz_write(path, ("tconst", "titleType", "title"), [("tt9900001", "movie", "Lantern")])


@pytest.mark.parametrize(
    ("write", "line", "message"),
    [
        (_wrong_header, "1", "unexpected header"),
        (latin1_write, "3", "not UTF-8"),
        (lambda path: truncated_write(path, basics_rows(3000)), r"\d+", "truncated or corrupt"),
        (long_line_write, "2", "line longer than"),
        (bomb_write, r"\d+", "decompression bomb"),
        (broken_rows_write, r"\d+", "malformed rows"),
    ],
    ids=["wrong-header", "latin-1", "truncated-gzip", "10-MB-line", "gzip-bomb", "broken-rows"],
)
def test_a_malformed_file_stops_with_its_name_and_line(
    tmp_path: Path, write: Any, line: str, message: str
) -> None:
    directory = tmp_path / "imdb"
    directory.mkdir()
    path = directory / "title.basics.tsv.gz"
    write(path)

    with pytest.raises(CommandError, match=rf"title\.basics\.tsv\.gz:{line}: .*{message}"):
        import_imdb(directory, "--batch-rows", "500")

    # What was committed is whole batches, and the checkpoint says how far they went.
    checkpoint = ImportCheckpoint.objects.get(name="title.basics.tsv.gz")
    assert Title.objects.count() == checkpoint.rows_done
    assert checkpoint.finished_at is None

    rows = basics_rows(3000)
    tsv_gz_write(path, HEADERS["title.basics"], rows)
    import_imdb(directory, "--batch-rows", "500")
    assert Title.objects.count() == len(rows)
    assert Title.objects.filter(imdb_id__in=[r[0] for r in rows]).count() == len(rows)


def _sqlite_dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "titles": """
            SELECT t.imdb_id, t.kind, t.format, t.title, t.original_title, t.slug, t.match_key,
                   t.year, t.end_year, t.runtime, t.is_adult, t.rating, t.rating_votes,
                   t.rating_source, p.imdb_id, t.season_number, t.episode_number, t.field_sources
            FROM catalog_title t LEFT JOIN catalog_title p ON p.id = t.parent_id""",
        "genres": """
            SELECT t.imdb_id, g.name FROM catalog_title_genres tg
            JOIN catalog_title t ON t.id = tg.title_id
            JOIN catalog_genre g ON g.id = tg.genre_id""",
        "akas": """
            SELECT t.imdb_id, a.ordering, a.name, a.region, a.language, a.types, a.attributes,
                   a.is_original
            FROM catalog_alternativetitle a JOIN catalog_title t ON t.id = a.title_id""",
        "people": """
            SELECT imdb_id, name, slug, birth_year, death_year, professions, known_for,
                   field_sources
            FROM people_person""",
        "credits": """
            SELECT t.imdb_id, p.imdb_id, c.kind, c.character, c."order", c.department, c.job,
                   c.source
            FROM people_credit c JOIN catalog_title t ON t.id = c.title_id
            JOIN people_person p ON p.id = c.person_id""",
        "indexes": "SELECT name FROM sqlite_master WHERE type = 'index'",
    }
    with sqlite3.connect(path) as db:
        return {name: sorted(db.execute(sql).fetchall()) for name, sql in queries.items()}


def _episode_rows(count: int) -> list[tuple[str, ...]]:
    return [
        (
            f"tt{20_000_000 + i}",
            "tvEpisode",
            f"Episode {i}",
            f"Episode {i}",
            "0",
            "2001",
            N,
            "42",
            N,
        )
        for i in range(count)
    ]


def _basics_in_small_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, ...]]
) -> Path:
    """A directory with a title.basics of these rows, read a few rows at a time."""
    monkeypatch.setattr(files, "BLOCK_BYTES", 1024)
    directory = tmp_path / "imdb"
    directory.mkdir()
    tsv_gz_write(directory / "title.basics.tsv.gz", HEADERS["title.basics"], rows)
    return directory


def test_a_stop_among_episodes_left_out_names_the_line_it_stopped_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Episodes are left out a block of lines at a time: a rejected row still knows its line.
    broken = [("tt9900999", "movie", "Only three columns")] * 150
    directory = _basics_in_small_blocks(tmp_path, monkeypatch, [*_episode_rows(50), *broken])

    # The header, 50 episodes, then the 101st broken row.
    with pytest.raises(CommandError, match=r"title\.basics\.tsv\.gz:152: 101 malformed rows"):
        import_imdb(directory)


def test_a_resumed_import_counts_the_episodes_it_left_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles, episodes = basics_rows(60), _episode_rows(60)
    rows = [row for pair in zip(titles, episodes, strict=True) for row in pair]
    directory = _basics_in_small_blocks(tmp_path, monkeypatch, rows)
    write, batches = imdb._Importer._titles_write, []

    def failing_third(self: Any, batch: Any, stats: Any) -> None:
        batches.append(batch)
        if len(batches) == 3:
            raise RuntimeError("the disk is full")
        write(self, batch, stats)

    monkeypatch.setattr(imdb._Importer, "_titles_write", failing_third)
    with pytest.raises(RuntimeError, match="the disk is full"):
        import_imdb(directory, "--batch-rows", "10")
    assert Title.objects.count() == 20
    monkeypatch.setattr(imdb._Importer, "_titles_write", write)

    out = import_imdb(directory, "--batch-rows", "10")

    assert "120 rows read, 60 written, 60 tvEpisode titles skipped" in out
    assert set(Title.objects.values_list("imdb_id", flat=True)) == {row[0] for row in titles}


def test_an_import_killed_midway_and_rerun_equals_a_clean_import(tmp_path: Path) -> None:
    directory = imdb_files_write(tmp_path / "imdb")
    env = {**os.environ, "REELHOUSE_VAR_DIR": str(tmp_path / "var")}

    def reelhouse(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own command, arguments from the test
            # Checks before the subcommand's arguments: they would load every app's URLs.
            [sys.executable, "-m", "reelhouse", args[0], "--skip-checks", *args[1:]],
            env={**env, "DATABASE_URL": f"sqlite:///{database}"},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    clean, killed = tmp_path / "clean.sqlite3", tmp_path / "killed.sqlite3"
    migrated = reelhouse(clean, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    shutil.copy(clean, killed)
    command = ("import", "imdb", str(directory), "--quiet", "--episodes", "--batch-rows", "2")

    # Killed inside title.basics (its indexes set aside), then inside title.principals.
    for stop_after in ("2", "9"):
        run = reelhouse(killed, *command, "--stop-after-batches", stop_after)
        assert run.returncode == -signal.SIGKILL, run.stderr
    finished = reelhouse(killed, *command)
    assert finished.returncode == 0, finished.stderr
    once = reelhouse(clean, *command)
    assert once.returncode == 0, once.stderr

    resumed = _sqlite_dump(killed)
    assert resumed == _sqlite_dump(clean)
    assert {"title_popular", "title_match_key", "title_episodes"} <= {
        name for (name,) in resumed["indexes"]
    }
    assert len(resumed["credits"]) == 10


def test_it_loads_many_titles_in_batches(tmp_path: Path) -> None:
    directory = tmp_path / "imdb"
    directory.mkdir()
    rows = basics_rows(2_500)
    tsv_gz_write(directory / "title.basics.tsv.gz", HEADERS["title.basics"], rows)

    out = import_imdb(directory, "--batch-rows", "1000")

    assert "2,500 rows read, 2,500 written" in out
    assert Title.objects.filter(imdb_id__startswith="tt1").count() == 2_500
    assert Genre.objects.filter(name="Documentary").exists()
    title = Title.objects.get(imdb_id=rows[7][0])
    assert (title.title, title.slug, title.runtime) == (rows[7][2], slugify(rows[7][2]), None)
    assert title.created_at == title.updated_at


def test_titles_keep_backslashes_and_null_lookalikes_verbatim(tmp_path: Path) -> None:
    # PostgreSQL's COPY text treats backslashes as escapes: the importer must escape them.
    directory = tmp_path / "imdb"
    directory.mkdir()
    rows = basics_rows(2)
    rows[0] = (rows[0][0], "movie", "AC\\DC: Live", "\\N\\N", *rows[0][4:])
    rows[1] = (rows[1][0], "movie", "Trailing \\", "x\\ty", *rows[1][4:])
    tsv_gz_write(directory / "title.basics.tsv.gz", HEADERS["title.basics"], rows)

    import_imdb(directory)

    first, second = (Title.objects.get(imdb_id=row[0]) for row in rows)
    assert (first.title, first.original_title) == ("AC\\DC: Live", "\\N\\N")
    assert (second.title, second.original_title) == ("Trailing \\", "x\\ty")


def test_a_title_repeated_in_a_later_batch_is_merged_not_duplicated(tmp_path: Path) -> None:
    directory = tmp_path / "imdb"
    directory.mkdir()
    rows = basics_rows(5)
    again = (rows[1][0], rows[1][1], "Renamed\\Later", *rows[1][3:])
    tsv_gz_write(directory / "title.basics.tsv.gz", HEADERS["title.basics"], [*rows, again])

    out = import_imdb(directory, "--batch-rows", "2")

    assert "6 rows read" in out
    assert Title.objects.filter(imdb_id__in=[r[0] for r in rows]).count() == 5
    assert Title.objects.get(imdb_id=rows[1][0]).title == "Renamed\\Later"


def test_an_import_does_not_wait_for_djangos_system_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def checks(**kwargs: Any) -> list[Any]:
        raise AssertionError("system checks ran")

    monkeypatch.setattr("django.core.management.base.checks.run_checks", checks)
    directory = imdb_files_write(tmp_path / "imdb", names=["title.basics"])
    # What `reelhouse import ...` runs (run_from_argv), short of closing the connections.
    command = load_command_class("reelhouse.importers", "import")
    parser = command.create_parser("reelhouse", "import")
    options = vars(parser.parse_args(["imdb", str(directory), "--quiet", "--no-search-index"]))
    command.execute(*options.pop("args", ()), **{"skip_checks": False, **options})
    assert Title.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_genre_lists_are_stored_again_after_a_rollback_or_on_a_new_connection() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's way of writing genre links")
    for name in ("Drama", "Comedy"):
        Genre.objects.create(name=name, slug=name.lower())
    importer = imdb._Importer(episodes=False, stop_after_batches=None)
    rolled_back, after, reconnected = make_title(), make_title(), make_title()

    def genres(title: Title) -> list[str]:
        return sorted(title.genres.values_list("name", flat=True))

    def batch_failing_after_its_links() -> None:
        with transaction.atomic():
            importer._genre_links_sqlite([(rolled_back.pk, "Drama,Comedy")])
            raise RuntimeError("the checkpoint could not be saved")

    with pytest.raises(RuntimeError):
        batch_failing_after_its_links()
    assert genres(rolled_back) == []
    # The list's rows went with the rollback: this batch stores them again.
    with transaction.atomic():
        importer._genre_links_sqlite([(after.pk, "Drama,Comedy")])
    assert genres(after) == ["Comedy", "Drama"]
    # A new connection starts without the temporary table. (Django keeps the tests' in-memory
    # database open across close(): this is what a reconnect looks like to the importer.)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE temp.import_genre_lists")
    importer.genre_lists_connection = object()
    with transaction.atomic():
        importer._genre_links_sqlite([(reconnected.pk, "Drama,Comedy")])
    assert genres(reconnected) == ["Comedy", "Drama"]

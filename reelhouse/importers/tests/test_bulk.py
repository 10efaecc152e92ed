from __future__ import annotations

import json
import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reelhouse.catalog.models import Genre, Title
from reelhouse.catalog.tests.factories import make_title
from reelhouse.importers import bulk, imdb
from reelhouse.importers.bulk import (
    Analyzer,
    rows_insert,
    rows_update,
    set_aside,
    set_aside_restore,
)
from reelhouse.importers.models import SetAside
from reelhouse.importers.runs import FileImport, ImportStats, file_import
from reelhouse.importers.tests.imdb_fixtures import imdb_files_write
from reelhouse.people.models import Credit

pytestmark = pytest.mark.django_db(transaction=True)

NAMED = {index.name for index in Title._meta.indexes}
GENRES = Title.genres.through


def _schema(model: type[models.Model]) -> tuple[set[str], set[str], set[str]]:
    """The table's (non-unique indexes, unique indexes, foreign keys), by name."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    plain = {n for n, c in constraints.items() if c["index"] and not c["unique"]}
    unique = {n for n, c in constraints.items() if c["unique"] and not c["primary_key"]}
    keys = {n for n, c in constraints.items() if c["foreign_key"]}
    return plain, unique, keys


def test_it_inserts_and_updates_rows_in_bulk() -> None:
    now = timezone.now()
    columns = [
        "title",
        "slug",
        "match_key",
        "kind",
        "format",
        "original_title",
        "synopsis",
        "tagline",
        "original_language",
        "is_adult",
        "poster_url",
        "backdrop_url",
        "rating_source",
        "popularity",
        "field_sources",
        "created_at",
        "updated_at",
    ]
    rows = [
        (
            f"T{n}",
            f"t{n}",
            f"t{n}|",
            "movie",
            "",
            "",
            "",
            "",
            "",
            False,
            "",
            "",
            "",
            0.0,
            "{}",
            now,
            now,
        )
        for n in range(3)
    ]
    rows_insert(Title, columns, rows)
    assert sorted(Title.objects.values_list("title", flat=True)) == ["T0", "T1", "T2"]
    first = Title.objects.get(title="T0")
    rows_update(Title, ["synopsis"], [("Updated.", first.pk)])
    first.refresh_from_db()
    assert first.synopsis == "Updated."


@pytest.mark.parametrize("update_from", [True, False], ids=["update-from", "sqlite-before-3.33"])
def test_an_update_batch_takes_each_keys_last_row_and_any_column_set(
    update_from: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "SQLITE_UPDATE_FROM", update_from)
    first, second = (Title.objects.create(title=name, slug=name) for name in ("A", "B"))
    with transaction.atomic():  # as in an import: several shapes in one transaction
        rows_update(
            Title,
            ["synopsis", "year"],
            [("Old.", 1950, first.pk), ("New.", 1951, first.pk), ("Other.", None, second.pk)],
        )
        rows_update(Title, ["field_sources"], [(json.dumps({"year": "imdb"}), first.pk)])
    rows_update(Title, ["tagline"], [("Tag", second.slug)], key="slug")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.synopsis, first.year, first.field_sources) == ("New.", 1951, {"year": "imdb"})
    assert (second.synopsis, second.year, second.tagline) == ("Other.", None, "Tag")


def test_a_large_batch_of_updates_is_counted_before_postgresql_plans_its_join(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner and its temporary tables")
    monkeypatch.setattr(bulk, "STAGED_ANALYZE_ROWS", 3)
    titles = [make_title() for _ in range(3)]

    def statements(updates: list[tuple[Any, ...]]) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            rows_update(Title, ["year"], updates)
        return [q["sql"].split()[0] for q in captured if q["sql"].split()[0] != "SAVEPOINT"]

    small = statements([(1990, titles[0].pk), (1991, titles[1].pk)])
    large = statements([(2000 + n, title.pk) for n, title in enumerate(titles)])

    assert "ANALYZE" not in small
    assert large.index("ANALYZE") < large.index("UPDATE")
    assert set(Title.objects.values_list("year", flat=True)) == {2000, 2001, 2002}


def test_secondary_indexes_and_foreign_keys_come_back_after_a_bulk_load() -> None:
    before = {model: _schema(model) for model in (Title, GENRES)}
    assert before[Title][0] >= NAMED
    with set_aside(Title, when=True), set_aside(GENRES, when=True):
        for model in (Title, GENRES):
            plain, unique, keys = _schema(model)
            assert not plain  # every plain index is gone for the load...
            assert unique == before[model][1]  # ...but the unique ones guard it
            if connection.vendor == "postgresql":
                assert not keys  # checked in one pass when added back
        assert SetAside.objects.count() >= len(NAMED)
    assert {model: _schema(model) for model in (Title, GENRES)} == before
    assert not SetAside.objects.exists()


def test_a_load_keeps_the_indexes_it_names() -> None:
    before = _schema(Title)
    with set_aside(Title, when=True, keep=["title_episodes"]):
        assert _schema(Title)[0] == {"title_episodes"}
        assert not SetAside.objects.filter(name="title_episodes").exists()
    assert _schema(Title) == before


def test_an_imdb_titles_load_keeps_on_sqlite_only_the_indexes_new_titles_append_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every new title has the same key in these two (no parent, no votes yet): they grow at
    # their end, cheaper kept than built again after the load. PostgreSQL builds them faster.
    present: list[set[str]] = []
    write = imdb._Importer._titles_write

    def spied(self: Any, batch: Any, stats: Any) -> None:
        present.append(_schema(Title)[0])
        write(self, batch, stats)

    monkeypatch.setattr(imdb._Importer, "_titles_write", spied)
    directory = imdb_files_write(tmp_path / "imdb", names=["title.basics"])
    call_command("import", "imdb", str(directory), "--quiet", "--no-search-index")

    kept = {"title_episodes", "title_popular"} if connection.vendor == "sqlite" else set()
    assert present == [kept]
    assert _schema(Title)[0] >= NAMED


def _primary_key(model: type[models.Model]) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {n for n, c in constraints.items() if c["primary_key"]}


def test_a_load_that_cannot_repeat_a_row_builds_its_unique_constraints_after_too() -> None:
    before = (_schema(GENRES), _primary_key(GENRES))
    assert before[0][1]
    assert before[1]
    with set_aside(GENRES, when=True, unique=True):
        plain, unique, _ = _schema(GENRES)
        assert not plain
        if connection.vendor == "postgresql":
            assert (unique, _primary_key(GENRES)) == (set(), set())
        else:  # SQLite's primary key is the table's rowid; its unique indexes stay
            assert (unique, _primary_key(GENRES)) == (before[0][1], before[1])
    assert (_schema(GENRES), _primary_key(GENRES)) == before
    assert not SetAside.objects.exists()


def test_an_imdb_titles_load_writes_genre_rows_without_their_unique_constraint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    present: list[set[str]] = []
    write = imdb._Importer._titles_write

    def spied(self: Any, batch: Any, stats: Any) -> None:
        present.append(_schema(GENRES)[1] | _primary_key(GENRES))
        write(self, batch, stats)

    monkeypatch.setattr(imdb._Importer, "_titles_write", spied)
    before = _schema(GENRES)[1] | _primary_key(GENRES)
    directory = imdb_files_write(tmp_path / "imdb", names=["title.basics"])
    call_command("import", "imdb", str(directory), "--quiet", "--no-search-index")

    assert present == [set() if connection.vendor == "postgresql" else before]
    assert _schema(GENRES)[1] | _primary_key(GENRES) == before
    assert GENRES.objects.exists()


def _analyzed(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s",
            [model._meta.db_table],
        )
        return int(cursor.fetchone()[0])


def test_postgresql_builds_each_tables_indexes_on_a_connection_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's ANALYZE and concurrent index builds")
    built_by: dict[str, int] = {}
    restore = bulk._table_restore

    def spied(items: list[SetAside]) -> list[str]:
        built_by[items[0].table] = threading.get_ident()
        return restore(items)

    monkeypatch.setattr(bulk, "_table_restore", spied)
    before = {model: (_schema(model), _analyzed(model)) for model in (Title, GENRES)}

    with set_aside(Title, when=True), set_aside(GENRES, when=True):
        pass

    assert set(built_by) == {Title._meta.db_table, GENRES._meta.db_table}
    assert len({*built_by.values(), threading.get_ident()}) == 3
    for model, (schema, analyzed) in before.items():
        assert _schema(model) == schema
        assert _analyzed(model) == analyzed + 1  # once, after its rebuild
    assert not SetAside.objects.exists()


def test_set_aside_does_nothing_unless_asked() -> None:
    before = _schema(Title)
    with set_aside(Title, when=False):
        assert _schema(Title) == before


def test_a_load_killed_before_the_rebuild_gets_its_indexes_back() -> None:
    before = _schema(GENRES)
    context = set_aside(GENRES, when=True)
    context.__enter__()  # the process "dies" here: __exit__ never runs
    assert _schema(GENRES) != before
    built = set_aside_restore()
    assert built
    assert all(name.startswith(GENRES._meta.db_table) for name in built)
    assert _schema(GENRES) == before
    assert set_aside_restore() == []


def test_the_next_import_rebuilds_what_a_killed_one_set_aside(tmp_path: Path) -> None:
    before = _schema(GENRES)
    killed = set_aside(GENRES, when=True)
    killed.__enter__()  # the process dies before the rebuild (keep a reference: no cleanup)
    directory = imdb_files_write(tmp_path / "imdb", names=["title.ratings"])
    out = StringIO()

    call_command("import", "imdb", str(directory), "--quiet", "--no-search-index", stdout=out)

    assert "Built again what a killed import had set aside" in out.getvalue()
    assert _schema(GENRES) == before


def _keys_checked() -> bool:
    """SQLite: does this connection check foreign keys?"""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        return bool(cursor.fetchone()[0])


def test_a_load_into_a_table_it_reads_sets_aside_its_foreign_keys_only() -> None:
    before = _schema(Credit)
    with set_aside(Credit, when=True, keys_only=True):
        plain, unique, keys = _schema(Credit)
        assert (plain, unique) == before[:2]  # the load looks rows up by these
        if connection.vendor == "postgresql":
            assert keys == set()
        else:  # part of the table: this connection stops checking them instead
            assert keys == before[2]
            assert not _keys_checked()
    assert _schema(Credit) == before
    assert not SetAside.objects.exists()
    if connection.vendor == "sqlite":
        assert _keys_checked()


def test_sqlite_checks_foreign_keys_again_when_the_outermost_load_ends() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's connection-wide foreign key checking")
    with set_aside(Title, when=True):
        with set_aside(GENRES, when=True):
            assert not _keys_checked()
        assert not _keys_checked()  # the titles are still loading
    assert _keys_checked()


def test_sqlite_checks_foreign_keys_again_even_when_the_rebuild_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's connection-wide foreign key checking")

    def failing() -> list[str]:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(bulk, "set_aside_restore", failing)
    with pytest.raises(RuntimeError), set_aside(Credit, when=True, keys_only=True):
        pass
    assert _keys_checked()


def test_a_foreign_key_broken_during_the_load_comes_back_enforced_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    title = Title.objects.create(title="T", slug="t", match_key="t|", field_sources={})
    genre = Genre.objects.create(name="Drama", slug="drama")
    with set_aside(GENRES, when=True, keys_only=True):
        GENRES.objects.create(title=title, genre=genre)
        with connection.cursor() as cursor:  # a genre deleted under the load's feet
            cursor.execute("DELETE FROM catalog_genre WHERE id = %s", [genre.pk])
    if connection.vendor == "postgresql":
        assert "VALIDATE CONSTRAINT" in caplog.text
    else:
        assert "catalog_title_genres: rows whose foreign keys point at rows deleted" in caplog.text
    assert len(_schema(GENRES)[2]) == 2  # both keys are back...
    assert not SetAside.objects.exists()
    other = Title.objects.create(title="U", slug="u", match_key="u|", field_sources={})
    # ...and enforced: the keys are deferred, checked as the transaction commits.
    with pytest.raises(IntegrityError), transaction.atomic():
        GENRES.objects.create(title=other, genre_id=genre.pk)


def test_an_imdb_credits_load_checks_its_foreign_keys_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, set[str]] = {}

    def watched(job: FileImport[Any]) -> ImportStats:
        seen[job.path.name] = _schema(Credit)[2]
        return file_import(job)

    monkeypatch.setattr(imdb, "file_import", watched)
    directory = imdb_files_write(tmp_path / "imdb")
    call_command("import", "imdb", str(directory), "--quiet", "--no-search-index")
    keys = _schema(Credit)[2]
    assert len(keys) == 2
    expected = set() if connection.vendor == "postgresql" else keys
    assert seen["title.principals.tsv.gz"] == seen["title.crew.tsv.gz"] == expected
    assert Credit.objects.exists()


def test_the_analyzer_refreshes_the_planners_row_count_as_a_load_doubles() -> None:
    analyzer = Analyzer(GENRES, first=3)
    title = Title.objects.create(title="T", slug="t", match_key="t|", field_sources={})
    for genre in range(3):
        GENRES.objects.create(
            title=title, genre=Genre.objects.create(name=f"G{genre}", slug=f"g{genre}")
        )

    analyzer.grew(2)
    assert _planner_rows(GENRES) in (None, -1.0, 0.0)
    analyzer.grew(1)
    if connection.vendor == "postgresql":
        assert _planner_rows(GENRES) == 3.0
    assert analyzer.next_at == 6


def _planner_rows(model: type[models.Model]) -> float | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return float(cursor.fetchone()[0])

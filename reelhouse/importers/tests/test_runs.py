from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from reelhouse.catalog.models import Keyword
from reelhouse.importers.bulk import BULK_WAL_PAGES
from reelhouse.importers.files import ImportFileError, LineReader
from reelhouse.importers.models import ImportCheckpoint
from reelhouse.importers.runs import (
    BULK_GC_THRESHOLD,
    FileImport,
    ImportStats,
    RowChecker,
    Skipped,
    file_import,
    header_check,
)

pytestmark = pytest.mark.django_db


class CrashError(Exception):
    pass


def _parse(reader: LineReader, checker: RowChecker) -> Iterator[str]:
    for number, line in reader:
        if number == 1:
            header_check(reader.path, line, ["keyword"])
        elif line.startswith("!"):
            checker.reject("starts with !")
        else:
            yield line


def _parse_leaving_out_runs(reader: LineReader, checker: RowChecker) -> Iterator[str | Skipped]:
    """`_parse`, and rows starting with "-" are left out, a run of them at once."""
    run = 0
    for row in _parse_leaving_out_one_by_one(reader, checker):
        if row is None:
            run += 1
            continue
        if run:
            yield Skipped(run)
            run = 0
        yield row
    if run:
        yield Skipped(run)


def _parse_leaving_out_one_by_one(reader: LineReader, checker: RowChecker) -> Iterator[str | None]:
    """`_parse`, and a None for each row starting with "-" (how IMDb's parser once did it)."""
    for row in _parse(reader, checker):
        if row.startswith("-"):
            checker.stats.notes["left out"] += 1
            yield None
        else:
            yield row


def _job(
    path: Path,
    *,
    crash_on: str | None = None,
    ahead: bool = False,
    parse: Any = _parse,
    batches: list[list[Any]] | None = None,
) -> FileImport[str]:
    def write(batch: list[str], stats: ImportStats) -> None:
        if batches is not None:
            batches.append(batch)
        if crash_on in batch:
            raise CrashError
        names = [name for name in batch if name is not None]
        Keyword.objects.bulk_create([Keyword(name=name) for name in names])
        stats.written += len(names)

    return FileImport("test", path, parse, write, batch_rows=10, quiet=True, parse_ahead=ahead)


def _file(tmp_path: Path, rows: list[str], name: str = "keywords.tsv") -> Path:
    path = tmp_path / name
    path.write_text("keyword\n" + "".join(f"{row}\n" for row in rows))
    return path


def test_it_imports_a_file_and_then_has_nothing_to_do(tmp_path: Path) -> None:
    path = _file(tmp_path, [f"k{n}" for n in range(25)])
    stats = file_import(_job(path))
    assert (stats.rows, stats.written) == (25, 25)
    again = file_import(_job(path))
    assert again.written == 0
    assert "nothing to do" in again.summary()
    assert Keyword.objects.count() == 25


def test_a_crashed_import_resumes_after_its_last_batch(tmp_path: Path) -> None:
    names = [f"k{n}" for n in range(35)]
    path = _file(tmp_path, names)
    with pytest.raises(CrashError):
        file_import(_job(path, crash_on="k25"))
    assert Keyword.objects.count() == 20  # two whole batches, nothing of the third
    assert ImportCheckpoint.objects.get().rows_done == 20
    stats = file_import(_job(path))
    assert sorted(Keyword.objects.values_list("name", flat=True)) == sorted(names)
    assert (stats.rows, stats.written) == (35, 35)


def test_a_changed_file_is_imported_again(tmp_path: Path) -> None:
    path = _file(tmp_path, ["a", "b"])
    file_import(_job(path))
    Keyword.objects.all().delete()
    _file(tmp_path, ["a", "b", "c"])
    assert file_import(_job(path)).written == 3


def test_a_few_bad_rows_are_counted(tmp_path: Path) -> None:
    path = _file(tmp_path, ["a", "!bad", "b"])
    stats = file_import(_job(path))
    assert stats.rejected == {"starts with !": 1}
    assert "1 rejected starts with !" in stats.summary()


def test_too_many_bad_rows_stop_the_import(tmp_path: Path) -> None:
    path = _file(tmp_path, ["!bad"] * 150)
    with pytest.raises(ImportFileError, match=r"keywords.tsv:\d+: 101 malformed rows so far"):
        file_import(_job(path))


def test_a_wrong_header_names_the_file_and_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "keywords.tsv"
    path.write_text("word\na\n")
    with pytest.raises(
        ImportFileError, match=r"keywords.tsv:1: unexpected header: missing keyword"
    ):
        file_import(_job(path))
    assert Keyword.objects.count() == 0


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        file_import(_job(tmp_path / "nope.tsv"))


@pytest.fixture(params=[False, True], ids=["here", "ahead"])
def ahead(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def test_parsing_ahead_imports_the_same_rows(tmp_path: Path, ahead: bool) -> None:
    names = [f"k{n}" for n in range(35)]
    path = _file(tmp_path, [*names[:20], "!bad", *names[20:]])
    stats = file_import(_job(path, ahead=ahead))
    assert sorted(Keyword.objects.values_list("name", flat=True)) == sorted(names)
    assert (stats.rows, stats.written, stats.rejected) == (35, 35, {"starts with !": 1})


def test_a_resumed_import_counts_each_bad_row_once(tmp_path: Path, ahead: bool) -> None:
    names = [f"k{n}" for n in range(35)]
    path = _file(tmp_path, ["!early", *names[:25], "!late", *names[25:]])
    with pytest.raises(CrashError):
        file_import(_job(path, crash_on="k25", ahead=ahead))
    stats = file_import(_job(path, ahead=ahead))
    assert stats.rejected == {"starts with !": 2}
    assert ImportCheckpoint.objects.get().stats["rejected"] == {"starts with !": 2}


def test_rows_left_out_in_runs_count_as_read_and_reach_no_batch(
    tmp_path: Path, ahead: bool
) -> None:
    names = [f"k{n}" for n in range(25)]
    path = _file(tmp_path, [*names[:12], *["-"] * 30, *names[12:], "-", "-"])
    batches: list[list[Any]] = []

    stats = file_import(_job(path, ahead=ahead, parse=_parse_leaving_out_runs, batches=batches))

    assert (stats.rows, stats.written, stats.notes) == (57, 25, {"left out": 32})
    assert [len(batch) for batch in batches] == [10, 10, 5]
    assert all(isinstance(name, str) for batch in batches for name in batch)
    assert ImportCheckpoint.objects.get().rows_done == 57


def test_a_resume_inside_a_run_of_rows_left_out_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    # An import by a parser that left rows out one by one committed its first batch in the
    # middle of such a run; the parser that resumes it leaves the whole run out at once.
    names = [f"k{n}" for n in range(20)]
    path = _file(tmp_path, ["!early", *names[:7], *["-"] * 5, *names[7:]])
    with pytest.raises(CrashError):
        file_import(_job(path, crash_on="k9", parse=_parse_leaving_out_one_by_one))
    assert ImportCheckpoint.objects.get().rows_done == 10  # 3 of the 5 rows left out

    stats = file_import(_job(path, parse=_parse_leaving_out_runs))

    assert sorted(Keyword.objects.values_list("name", flat=True)) == sorted(names)
    assert (stats.rows, stats.written) == (25, 20)
    assert stats.rejected == {"starts with !": 1}  # counted before the checkpoint, and once


def test_a_file_error_found_ahead_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "keywords.tsv"
    path.write_bytes(b"keyword\nok\n\xe9\n")
    with pytest.raises(ImportFileError, match=r"keywords.tsv:3: not UTF-8"):
        file_import(_job(path, ahead=True))


def test_the_collector_keeps_out_of_a_load_and_comes_back_after(tmp_path: Path) -> None:
    seen = []

    def write(batch: list[str], stats: ImportStats) -> None:
        seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))

    before = gc.get_threshold()
    file_import(FileImport("test", _file(tmp_path, ["a", "b"]), _parse, write, quiet=True))
    assert seen == [(BULK_GC_THRESHOLD, True)]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_load_runs_with_its_bulk_settings_and_puts_them_back(tmp_path: Path) -> None:
    setting, bulk = (
        ("PRAGMA wal_autocheckpoint", str(BULK_WAL_PAGES))
        if connection.vendor == "sqlite"
        else ("SHOW synchronous_commit", "off")
    )

    def current() -> str:
        with connection.cursor() as cursor:
            cursor.execute(setting)
            return str(cursor.fetchone()[0])

    seen = []
    before = current()
    path = _file(tmp_path, ["a"])
    file_import(FileImport("test", path, _parse, lambda *_: seen.append(current())))
    assert seen == [bulk]
    assert current() == before != bulk

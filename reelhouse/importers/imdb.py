"""IMDb's non-commercial datasets: `reelhouse import imdb DIR`.

DIR holds any subset of the seven `.tsv.gz` files (plain `.tsv` works too); they are imported in
dependency order, each through `file_import`, so a killed import resumes and a repeated one
changes nothing. Rows are split on tabs with no quoting (double quotes are ordinary characters)
and `\\N` means null.

What lands where:
- title.basics -> Title (movies and series; episodes only with --episodes; other types such as
  videoGame are skipped and counted), its genres.
- name.basics -> Person. A row without a primaryName is rejected (counted): a person with no
  name cannot be shown, and credits pointing at it are then counted as unresolved.
- title.akas -> AlternativeTitle, one per (title, ordering).
- title.crew -> crew credits (Directing/Director, Writing/Writer) for people whom the principals
  do not already credit in that department.
- title.principals -> cast (character = the characters joined with " / ") and crew credits.
- title.episode (with --episodes) -> each episode's series, season and episode number.
- title.ratings -> the rating, its vote count and rating_source "imdb". Popularity is left to
  the sources that publish one.

Every credit written here has source "imdb". Principals keep IMDb's ordering as `order`; the
credits taken from title.crew come after them (`CREW_FILE_ORDER` and up), which is how each file
replaces only its own credits. Principals and akas are read one title at a time (the files are
sorted by title), so a title's rows are never split across two batches; for these two files the
"rows" a summary counts are titles. References to titles or people that are not in the database
are counted in the file's `unresolved` and never stop the import.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import re
import signal
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar, cast

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from reelhouse.catalog.documents import title_documents_invalidate
from reelhouse.catalog.merge import (
    fields_merge,
    genre_name,
    match_key_join,
    title_match_key,
    title_normalize,
)
from reelhouse.catalog.models import AlternativeTitle, Genre, Title
from reelhouse.importers.bulk import (
    Analyzer,
    any_of,
    any_values,
    copy_text,
    ids_allocate,
    json_object,
    rows_insert,
    rows_select,
    rows_update,
    set_aside,
    set_aside_restore,
    sqlite_rows_insert,
)
from reelhouse.importers.files import ImportFileError, LineReader
from reelhouse.importers.runs import (
    FileImport,
    ImportStats,
    RowChecker,
    Skipped,
    file_import,
    header_check,
)
from reelhouse.lib.text import slugify
from reelhouse.people.models import Credit, Person

SOURCE = "imdb"
NULL = "\\N"

BASICS = "title.basics"
NAMES = "name.basics"
AKAS = "title.akas"
CREW = "title.crew"
PRINCIPALS = "title.principals"
EPISODES = "title.episode"
RATINGS = "title.ratings"
# Dependency order: titles and people first, then what points at them.
FILES = (BASICS, NAMES, AKAS, CREW, PRINCIPALS, EPISODES, RATINGS)

COLUMNS: dict[str, tuple[str, ...]] = {
    BASICS: (
        "tconst",
        "titleType",
        "primaryTitle",
        "originalTitle",
        "isAdult",
        "startYear",
        "endYear",
        "runtimeMinutes",
        "genres",
    ),
    NAMES: (
        "nconst",
        "primaryName",
        "birthYear",
        "deathYear",
        "primaryProfession",
        "knownForTitles",
    ),
    AKAS: (
        "titleId",
        "ordering",
        "title",
        "region",
        "language",
        "types",
        "attributes",
        "isOriginalTitle",
    ),
    CREW: ("tconst", "directors", "writers"),
    PRINCIPALS: ("tconst", "ordering", "nconst", "category", "job", "characters"),
    EPISODES: ("tconst", "parentTconst", "seasonNumber", "episodeNumber"),
    RATINGS: ("tconst", "averageRating", "numVotes"),
}

# Rows per batch (one transaction each): rows written, not those left out (title.basics' episodes);
# for akas and principals, titles per batch.
BATCH_ROWS: dict[str, int] = {
    BASICS: 10_000,
    NAMES: 5_000,
    AKAS: 5_000,
    CREW: 20_000,
    PRINCIPALS: 5_000,
    EPISODES: 20_000,
    RATINGS: 20_000,
}

# The table each of these files fills or updates, whose foreign keys a load sets aside (on
# PostgreSQL; on SQLite its connection stops checking them) and checks once at the end: IMDb's
# files are whole dumps, never a day's changes, and checking every row's keys at each commit was
# a fifth of the time of the credits files on PostgreSQL, a tenth on SQLite (200,000 titles).
CHECKED_AFTER: dict[str, type[models.Model]] = {
    AKAS: AlternativeTitle,
    CREW: Credit,
    PRINCIPALS: Credit,
    EPISODES: Title,
}

KINDS: dict[str, str] = {
    "movie": Title.Kind.MOVIE,
    "short": Title.Kind.MOVIE,
    "tvMovie": Title.Kind.MOVIE,
    "video": Title.Kind.MOVIE,
    "tvSpecial": Title.Kind.MOVIE,
    "tvShort": Title.Kind.MOVIE,
    "tvSeries": Title.Kind.SERIES,
    "tvMiniSeries": Title.Kind.SERIES,
    "tvEpisode": Title.Kind.EPISODE,
}
KNOWN_FOR = {
    "actor": "Acting",
    "actress": "Acting",
    "director": "Directing",
    "writer": "Writing",
    "producer": "Production",
}
# title.basics' type of an episode, with the tab that ends it.
EPISODE_TYPE = "tvEpisode\t"
EPISODES_SKIPPED = "tvEpisode titles skipped (use --episodes)"
CAST_CATEGORIES = frozenset({"actor", "actress", "self"})
DEPARTMENTS = {
    "director": "Directing",
    "writer": "Writing",
    "producer": "Production",
    "composer": "Sound",
    "cinematographer": "Camera",
    "editor": "Editing",
    "production_designer": "Art",
    "casting_director": "Production",
}
# Credits from title.crew sort after every principal (IMDb orders principals from 1 to ~10s).
CREW_FILE_ORDER = 10_000
WRITERS_ORDER = CREW_FILE_ORDER + 5_000

# The database's limits; IMDb holds a few values past them (runtimes of thousands of hours).
YEAR_MIN, YEAR_MAX = 1870, 2200
SMALLINT_MAX = 32_767

TITLE_FIELDS = (
    "kind",
    "format",
    "title",
    "original_title",
    "is_adult",
    "year",
    "end_year",
    "runtime",
)
PERSON_FIELDS = ("name", "birth_year", "death_year", "professions", "known_for")
# A new title's columns after its id, in the order the parser gives their values (TitleRow's
# fields). The columns IMDb knows nothing about (synopsis, poster...) and the timestamps are left
# to their database defaults: on PostgreSQL that took a third off COPY's time per row.
TITLE_COLUMNS = (
    "imdb_id",
    "kind",
    "format",
    "title",
    "original_title",
    "slug",
    "match_key",
    "year",
    "end_year",
    "runtime",
    "is_adult",
    "field_sources",
)
AKA_FIELDS = ("name", "region", "language", "types", "attributes", "is_original")

Row = TypeVar("Row")


class TitleRow(NamedTuple):
    """A title.basics row as the parser leaves it: the values of TITLE_COLUMNS."""

    tconst: str
    kind: str
    format: str
    title: str
    original_title: str
    slug: str
    match_key: str
    year: int | None
    end_year: int | None
    runtime: int | None
    is_adult: bool
    field_sources: str  # JSON: each field IMDb gave a value for, with "imdb"


# What the parser yields for each row of title.basics it keeps: (tconst, genres, values): IMDb's
# genres, and the TITLE_COLUMNS values as a plain tuple on SQLite, or as a line of COPY text on
# PostgreSQL. The parser runs in its own process and does all the work per row; the writer adds
# ids and hands whole batches to the database.
ParsedTitle = tuple[str, str | None, tuple[Any, ...] | str]


def _title_row(values: tuple[Any, ...] | str) -> TitleRow:
    """The TitleRow in a ParsedTitle's values (a title the database has already: a merge)."""
    if isinstance(values, tuple):
        return TitleRow._make(values[: len(TitleRow._fields)])
    fields = values.removesuffix("\n").split("\t")
    text = [re.sub(r"\\(.)", _copy_unescape, f) for f in fields[:7]]
    year, end_year, runtime = (None if f == NULL else int(f) for f in fields[7:10])
    return TitleRow._make([*text, year, end_year, runtime, fields[10] == "t", fields[11]])


def _copy_unescape(match: re.Match[str]) -> str:
    return {"t": "\t", "n": "\n", "r": "\r"}.get(match.group(1), match.group(1))


class NameRow(NamedTuple):
    nconst: str
    name: str
    birth_year: int | None
    death_year: int | None
    professions: str


class AkaRow(NamedTuple):
    ordering: int
    name: str
    region: str
    language: str
    types: str
    attributes: str
    is_original: bool


class CrewRow(NamedTuple):
    tconst: str
    directors: list[str]
    writers: list[str]


class PrincipalRow(NamedTuple):
    ordering: int
    nconst: str
    kind: str
    character: str
    department: str
    job: str


class EpisodeRow(NamedTuple):
    tconst: str
    parent: str
    season: int | None
    episode: int | None


class RatingRow(NamedTuple):
    tconst: str
    rating: float
    votes: int


@dataclass
class Group(Generic[Row]):
    """A title's consecutive rows (akas or principals), so a batch never splits a title."""

    tconst: str
    rows: list[Row] = field(default_factory=list)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--episodes",
        action="store_true",
        help="Also import TV episodes (tvEpisode titles and title.episode); many millions of rows",
    )
    # For tests: small batches, and a crash (SIGKILL) once this many batches have committed.
    parser.add_argument("--batch-rows", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--stop-after-batches", type=int, default=None, help=argparse.SUPPRESS)


def run(
    path: Path,
    *,
    quiet: bool,
    episodes: bool = False,
    batch_rows: int | None = None,
    stop_after_batches: int | None = None,
    **options: Any,
) -> list[tuple[str, ImportStats]]:
    directory = Path(path)
    if not directory.is_dir():
        raise ImportFileError(directory, None, "not a directory")
    found = {name: file for name in FILES if (file := _find(directory, name))}
    if not found:
        raise ImportFileError(
            directory,
            None,
            "none of IMDb's files (title.basics.tsv.gz, name.basics.tsv.gz, title.akas.tsv.gz, "
            "title.crew.tsv.gz, title.principals.tsv.gz, title.episode.tsv.gz, "
            "title.ratings.tsv.gz) is in this directory",
        )
    importer = _Importer(episodes=episodes, stop_after_batches=stop_after_batches)
    results: list[tuple[str, ImportStats]] = []
    try:
        for name in FILES:
            file = found.get(name)
            if file is None:
                stats = ImportStats()
                stats.notes["not in the directory: skipped"] += 1
                results.append((f"{name}.tsv.gz", stats))
            elif name == EPISODES and not episodes:
                stats = ImportStats()
                stats.notes["skipped: episodes are imported with --episodes"] += 1
                results.append((file.name, stats))
            else:
                results.append((file.name, importer.file_run(name, file, quiet, batch_rows)))
    finally:
        if not connection.in_atomic_block:
            set_aside_restore()
    return results


def _find(directory: Path, name: str) -> Path | None:
    for suffix in (".tsv.gz", ".tsv"):
        file = directory / f"{name}{suffix}"
        if file.is_file():
            return file
    return None


# --- Parsing -------------------------------------------------------------------------------------


def _layout(
    reader: LineReader, name: str
) -> tuple[Iterator[tuple[int, str]], int, list[int] | None]:
    """A file's data lines after its checked header; the header's width; where each of
    COLUMNS[name] is in a row, or None if the file has them in that order."""
    lines = iter(reader)
    first = next(lines, None)
    if first is None:
        raise ImportFileError(reader.path, 1, "the file is empty: no header")
    return lines, *_header(reader, first[1], name)


def _layout_blocks(
    reader: LineReader, name: str
) -> tuple[Iterator[tuple[int, list[str]]], int, list[int] | None]:
    """`_layout` a block of lines at a time (LineReader.blocks)."""
    blocks = reader.blocks()
    first = next(blocks, None)
    if first is None:
        raise ImportFileError(reader.path, 1, "the file is empty: no header")
    number, lines = first
    width, pick = _header(reader, lines[0], name)
    return itertools.chain([(number + 1, lines[1:])], blocks), width, pick


def _header(reader: LineReader, line: str, name: str) -> tuple[int, list[int] | None]:
    expected = COLUMNS[name]
    columns = header_check(reader.path, line, expected)
    pick = None if tuple(columns) == expected else [columns.index(c) for c in expected]
    return len(columns), pick


def _fields(line: str, width: int, pick: list[int] | None, checker: RowChecker) -> list[str] | None:
    """A line's fields in COLUMNS order, or None for a line of the wrong width (rejected)."""
    fields = line.split("\t")
    if len(fields) != width:
        if line:
            checker.reject(f"{len(fields)} columns instead of {width}")
        return None
    return fields if pick is None else [fields[i] for i in pick]


def _rows(reader: LineReader, checker: RowChecker, name: str) -> Iterator[list[str]]:
    """Each data row's fields, in the order of COLUMNS[name] whatever the file's column order."""
    lines, width, pick = _layout(reader, name)
    for _, line in lines:
        if (fields := _fields(line, width, pick, checker)) is not None:
            yield fields


def _int(value: str) -> int | None:
    return None if value == NULL else int(value)


def _text(value: str) -> str:
    return "" if value == NULL else value


def _array(value: str) -> list[str]:
    return [] if value == NULL else [v for v in value.split(",") if v]


@functools.lru_cache(maxsize=1 << 16)
def _title_keys(title: str) -> tuple[str, str]:
    """(slug, normalized title) of a title: IMDb repeats titles ("Episode #1.1", "Pilot")."""
    return slugify(title), title_normalize(title)


def _basics_parse(
    reader: LineReader, checker: RowChecker, *, episodes: bool, copy_lines: bool
) -> Iterator[ParsedTitle | Skipped]:
    blocks, width, pick = _layout_blocks(reader, BASICS)
    # Left out, a tvEpisode row (most of IMDb's file) is known without splitting it: its second
    # field is the type, and its tabs are as many as a well-formed row's. A block's are found in
    # one pass, and passed over together.
    quick_skip = not episodes and pick is None
    tabs = width - 1
    for first, lines in blocks:
        rows: Iterable[tuple[int, str]]
        if quick_skip:
            rows = [
                (number, line)
                for number, line in enumerate(lines, first)
                if not (
                    line.startswith(EPISODE_TYPE, line.find("\t") + 1) and line.count("\t") == tabs
                )
            ]
            if skipped := len(lines) - len(rows):
                checker.stats.notes[EPISODES_SKIPPED] += skipped
                yield Skipped(skipped)
        else:
            rows = enumerate(lines, first)
        for number, line in rows:
            reader.line = number
            if (fields := _fields(line, width, pick, checker)) is None:
                continue
            tconst, title_type, primary, original, adult, start, end, minutes, genres = fields
            kind = KINDS.get(title_type)
            if kind is None or (kind == Title.Kind.EPISODE and not episodes):
                checker.stats.notes[
                    EPISODES_SKIPPED if kind else f"{title_type} titles skipped"
                ] += 1
                yield Skipped(1)
                continue
            if primary == NULL:
                checker.reject("no primaryTitle")
                continue
            try:
                year = None if start == NULL else int(start)
                end_year = None if end == NULL else int(end)
                runtime = None if minutes == NULL else int(minutes)
            except ValueError:
                checker.reject("a year or runtime is not a number")
                continue
            if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
                year = _year(year, checker.stats)
            if end_year is not None and not YEAR_MIN <= end_year <= YEAR_MAX:
                end_year = _year(end_year, checker.stats)
            if runtime is not None and not 0 < runtime <= SMALLINT_MAX:
                runtime = _runtime(runtime, checker.stats)
            title = primary[:500]
            original_title = "" if original == NULL else original[:500]
            genres_or_none = None if genres == NULL else genres
            slug, normalized = _title_keys(title)
            match_key = match_key_join(normalized, year)
            sources = _sources_json(
                original != NULL,
                year is not None,
                end_year is not None,
                runtime is not None,
                bool(genres_or_none and _genre_names(genres_or_none)),
            )
            if not copy_lines:
                yield (
                    tconst,
                    genres_or_none,
                    (
                        tconst,
                        kind,
                        title_type[:32],
                        title,
                        original_title,
                        slug,
                        match_key,
                        year,
                        end_year,
                        runtime,
                        adult == "1",
                        sources,
                    ),
                )
                continue
            # COPY's text format, the columns in TITLE_COLUMNS' order. Tabs and newlines cannot
            # occur in the text (they end IMDb's fields and rows); backslashes can, in titles.
            text = f"{tconst}\t{kind}\t{title_type[:32]}\t{title}\t{original_title}"
            if "\\" in text or "\r" in text:
                text = text.replace("\\", "\\\\").replace("\r", "\\r")
            yield (
                tconst,
                genres_or_none,
                f"{text}\t{slug}\t{match_key}\t{NULL if year is None else year}"
                f"\t{NULL if end_year is None else end_year}"
                f"\t{NULL if runtime is None else runtime}\t{'t' if adult == '1' else 'f'}"
                f"\t{sources}\n",
            )


@functools.cache
def _sources_json(*has: bool) -> str:
    """field_sources of a new title: every field IMDb gave a value for."""
    optional = ("original_title", "year", "end_year", "runtime", "genres")
    written = ["kind", "format", "title", "is_adult"]
    written += [f for f, present in zip(optional, has, strict=True) if present]
    return json.dumps(dict.fromkeys(written, SOURCE))


@functools.lru_cache(maxsize=65_536)
def _genre_names(genres: str) -> tuple[str, ...]:
    """The canonical genres of an IMDb genres list ("Drama,Romance"), without repeats."""
    names = (genre_name(raw) for raw in genres.split(","))
    return tuple(dict.fromkeys(name for name in names if name is not None))


def _names_parse(reader: LineReader, checker: RowChecker) -> Iterator[NameRow]:
    for nconst, name, birth, death, professions, _known in _rows(reader, checker, NAMES):
        if name == NULL or not name.strip():
            checker.reject("no primaryName")
            continue
        try:
            yield NameRow(nconst, name, _int(birth), _int(death), _text(professions))
        except ValueError:
            checker.reject("birthYear or deathYear is not a number")


def _grouped(rows: Iterator[tuple[str, Row]]) -> Iterator[Group[Row]]:
    group: Group[Row] | None = None
    for tconst, row in rows:
        if group is None or group.tconst != tconst:
            if group is not None:
                yield group
            group = Group(tconst)
        group.rows.append(row)
    if group is not None:
        yield group


def _akas_parse(reader: LineReader, checker: RowChecker) -> Iterator[Group[AkaRow]]:
    def rows() -> Iterator[tuple[str, AkaRow]]:
        for tconst, ordering, name, region, language, types, attributes, original in _rows(
            reader, checker, AKAS
        ):
            if name == NULL:
                checker.reject("no title")
                continue
            try:
                number = int(ordering)
            except ValueError:
                checker.reject("ordering is not a number")
                continue
            yield (
                tconst,
                AkaRow(
                    number,
                    name[:500],
                    _text(region)[:8],
                    _text(language)[:8],
                    _list_text(types)[:100],
                    _list_text(attributes)[:200],
                    original == "1",
                ),
            )

    return _grouped(rows())


def _list_text(value: str) -> str:
    # Some files separate these two arrays with the control character 0x02 rather than a comma.
    if value == NULL:
        return ""
    return ",".join(v for v in value.replace("\x02", ",").split(",") if v)


def _crew_parse(reader: LineReader, checker: RowChecker) -> Iterator[CrewRow]:
    for tconst, directors, writers in _rows(reader, checker, CREW):
        yield CrewRow(tconst, _array(directors), _array(writers))


def _principals_parse(reader: LineReader, checker: RowChecker) -> Iterator[Group[PrincipalRow]]:
    def rows() -> Iterator[tuple[str, PrincipalRow]]:
        for tconst, ordering, nconst, category, job, characters in _rows(
            reader, checker, PRINCIPALS
        ):
            try:
                number = int(ordering)
            except ValueError:
                checker.reject("ordering is not a number")
                continue
            if category in CAST_CATEGORIES:
                try:
                    names = [] if characters == NULL else json.loads(characters)
                except ValueError:
                    checker.reject("characters is not JSON")
                    continue
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    checker.reject("characters is not a JSON list of names")
                    continue
                row = PrincipalRow(
                    number, nconst, Credit.Kind.CAST, " / ".join(names)[:500], "", ""
                )
            else:
                department = DEPARTMENTS.get(category, "Crew")
                if job == NULL:
                    job = category.replace("_", " ").title()
                row = PrincipalRow(number, nconst, Credit.Kind.CREW, "", department, job[:200])
            yield tconst, row

    return _grouped(rows())


def _episodes_parse(reader: LineReader, checker: RowChecker) -> Iterator[EpisodeRow]:
    for tconst, parent, season, episode in _rows(reader, checker, EPISODES):
        try:
            yield EpisodeRow(tconst, parent, _int(season), _int(episode))
        except ValueError:
            checker.reject("seasonNumber or episodeNumber is not a number")


def _ratings_parse(reader: LineReader, checker: RowChecker) -> Iterator[RatingRow]:
    for tconst, average, votes in _rows(reader, checker, RATINGS):
        try:
            rating, count = float(average), int(votes)
        except ValueError:
            checker.reject("averageRating or numVotes is not a number")
            continue
        if not 0 <= rating <= 10 or count < 0:
            checker.reject("averageRating or numVotes out of range")
            continue
        yield RatingRow(tconst, rating, count)


# --- SQL helpers ---------------------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _delete(table: str, ids: Sequence[int]) -> None:
    # Raw SQL: the ORM would load every row to send its delete signal.
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_q(table)} WHERE {any_of('id')}", [any_values(ids)])  # noqa: S608


def _ids_by_imdb(table: str, keys: Iterable[str]) -> dict[str, int]:
    rows = rows_select(f"SELECT imdb_id, id FROM {_q(table)} WHERE {any_of('imdb_id')}", set(keys))  # noqa: S608
    return dict(rows)


# --- Writing -------------------------------------------------------------------------------------


class _Importer:
    def __init__(self, *, episodes: bool, stop_after_batches: int | None) -> None:
        self.episodes = episodes
        self.stop_after_batches = stop_after_batches
        self.batches = 0
        self.genre_ids: dict[str, int] = dict(Genre.objects.values_list("name", "id"))
        # IMDb's genre lists repeat (a few thousand distinct ones in millions of rows).
        self.genre_lists: dict[str, list[int]] = {}
        self.genre_link_formats: dict[str | None, bytes] = {}
        self.genre_link_counts: dict[str | None, int] = {}
        # SQLite: the lists committed to the connection's temporary table (_genre_links_sqlite).
        self.genre_lists_stored: set[str] = set()
        self.genre_lists_connection: Any = None
        # Tables the files fill and then look rows up in, batch after batch.
        self.grown: dict[type[models.Model], Analyzer] = {
            model: Analyzer(model) for model in (Title, Person, AlternativeTitle, Credit)
        }
        # Set per title.basics file: was the table empty when it started?
        self.titles_append_only = False

    def file_run(self, name: str, file: Path, quiet: bool, batch_rows: int | None) -> ImportStats:
        parse, write = self._handlers(name)
        job = FileImport[Any](
            # Checkpoints of a run with episodes are kept apart: its rerun must not be skipped
            # as "already imported" after a run that left the episodes out.
            source=f"{SOURCE}-episodes" if self.episodes else SOURCE,
            path=file,
            parse=parse,
            write=self._counted(write),
            label=file.name,
            batch_rows=batch_rows or BATCH_ROWS[name],
            quiet=quiet,
            # The big files parse in a second process while this one writes (2 cores).
            parse_ahead=name in {BASICS, NAMES, AKAS, PRINCIPALS},
        )
        if name == BASICS:
            # Bulk loading into an empty table is much faster with the secondary indexes (and
            # foreign keys) built once at the end. DDL cannot run inside a caller's transaction.
            empty = not Title.objects.exists()
            self.titles_append_only = empty
            bulk = empty and not connection.in_atomic_block
            # On SQLite two indexes are cheaper kept: every new title has the same key in them
            # (no parent, no votes yet), so they only grow at their end, in id order; built after
            # the load, each took a scan of the whole table.
            keep = ("title_episodes", "title_popular") if connection.vendor == "sqlite" else ()
            # A new title's genre rows are written once, each genre once: the link table's
            # primary key and unique constraint can be built after the load as well.
            with (
                set_aside(Title, when=bulk, keep=keep),
                set_aside(Title.genres.through, when=bulk, unique=True),
            ):
                return file_import(job)
        if name == NAMES:
            empty = not connection.in_atomic_block and not Person.objects.exists()
            with set_aside(Person, when=empty):
                return file_import(job)
        if (model := CHECKED_AFTER.get(name)) is not None:
            with set_aside(model, when=not connection.in_atomic_block, keys_only=True):
                return file_import(job)
        return file_import(job)

    def _handlers(
        self, name: str
    ) -> tuple[
        Callable[[LineReader, RowChecker], Iterable[Any]], Callable[[list[Any], ImportStats], None]
    ]:
        handlers: dict[str, tuple[Any, Any]] = {
            BASICS: (
                functools.partial(
                    _basics_parse,
                    episodes=self.episodes,
                    copy_lines=connection.vendor == "postgresql",
                ),
                self._titles_write,
            ),
            NAMES: (_names_parse, self._people_write),
            AKAS: (_akas_parse, self._akas_write),
            CREW: (_crew_parse, self._crew_write),
            PRINCIPALS: (_principals_parse, self._principals_write),
            EPISODES: (_episodes_parse, self._episodes_write),
            RATINGS: (_ratings_parse, self._ratings_write),
        }
        return handlers[name]

    def _counted(
        self, write: Callable[[list[Row], ImportStats], None]
    ) -> Callable[[list[Row], ImportStats], None]:
        def counted(batch: list[Row], stats: ImportStats) -> None:
            if self.stop_after_batches is not None and self.batches >= self.stop_after_batches:
                # A crash in the middle of a batch's transaction, for the resume tests.
                os.kill(os.getpid(), signal.SIGKILL)
            self.batches += 1
            write(batch, stats)

        return counted

    # title.basics

    def _titles_write(self, batch: list[ParsedTitle], stats: ImportStats) -> None:
        incoming = {row[0]: row for row in batch}  # by tconst, last wins
        if not incoming:
            return
        if self.titles_append_only:
            # Loading into a table that was empty: try the batch as all new, and only look
            # for the titles it already has if that fails (a tconst repeated in the file).
            # Only the titles' insert can fail, and it comes before any genre is created, so
            # the genre caches hold nothing the rollback undoes.
            try:
                with transaction.atomic():
                    self._titles_insert(list(incoming.values()), stats)
                return
            except IntegrityError:
                self.titles_append_only = False
        columns = ", ".join(_q(c) for c in TITLE_FIELDS)
        existing = {
            r[0]: r[1:]
            for r in rows_select(
                f"SELECT imdb_id, id, {columns}, field_sources FROM catalog_title "  # noqa: S608
                f"WHERE {any_of('imdb_id')}",
                incoming,
            )
        }
        if existing:
            self._titles_merge(
                {t: (_title_row(incoming[t][2]), incoming[t][1]) for t in existing},
                existing,
                timezone.now(),
                stats,
            )
        if new := [row for tconst, row in incoming.items() if tconst not in existing]:
            self._titles_insert(new, stats)

    def _titles_insert(self, rows: list[ParsedTitle], stats: ImportStats) -> None:
        # The hot path of the largest import: ids, then two bulk writes; the parser did the rest.
        ids = ids_allocate(Title, len(rows))
        if connection.vendor == "postgresql":
            lines = cast("list[str]", [row[2] for row in rows])
            copy_text(
                Title,
                ("id", *TITLE_COLUMNS),
                # Each line after its id, with no Python loop per row.
                "".join(map("%d\t%s".__mod__, zip(ids, lines, strict=True))).encode(),
            )
            # A title's genre rows from one format per genre list, with %d where its id goes;
            # the whole batch's filled in one step, with no Python step per title. New titles
            # have no genre rows yet, so the COPY cannot collide.
            lists = [row[1] for row in rows]
            formats, counts = self._genre_link_formats(lists)
            template = b"".join(map(formats.__getitem__, lists))
            title_ids = itertools.chain.from_iterable(
                map(itertools.repeat, ids, map(counts.__getitem__, lists))
            )
            copy_text(Title.genres.through, ("title_id", "genre_id"), template % tuple(title_ids))
        else:
            # SQLite's default timestamp is a function call per row: one value per statement.
            stamp = connection.ops.adapt_datetimefield_value(timezone.now())
            rows_insert(
                Title,
                ("id", *TITLE_COLUMNS),
                [(pk, *row[2]) for pk, row in zip(ids, rows, strict=True)],
                constants={"created_at": stamp, "updated_at": stamp},
            )
            self._genre_links_sqlite(
                [(pk, row[1]) for pk, row in zip(ids, rows, strict=True) if row[1] is not None]
            )
        stats.written += len(rows)
        if not self.titles_append_only:
            # Lookups by tconst follow each batch: keep the planner's idea of the table current.
            self.grown[Title].grew(len(rows))

    def _genre_links_sqlite(self, titles: list[tuple[int, str]]) -> None:
        """The genre rows of new titles (id, IMDb genres), joined in SQL, not one row at a time.

        A temporary table holds each genre list's ids (a few thousand lists in all); each
        statement joins it to a few hundred titles' lists and writes all their links.
        """
        connection.ensure_connection()
        if self.genre_lists_connection is not connection.connection:
            # A new connection has no temporary table yet.
            self.genre_lists_stored, self.genre_lists_connection = set(), connection.connection
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS import_genre_lists "
                "(genres TEXT NOT NULL, genre_id INTEGER NOT NULL, PRIMARY KEY (genres, genre_id))"
            )
            # Only lists no earlier batch committed: storing every batch's lists again was a
            # tenth of the time of title.basics. A rolled back batch takes its rows along, so
            # they count as stored once the batch commits.
            lists = {genres for _, genres in titles} - self.genre_lists_stored
            if lists:
                cursor.executemany(
                    "INSERT OR IGNORE INTO import_genre_lists VALUES (%s, %s)",
                    [(genres, genre) for genres in lists for genre in self._genre_ids(genres)],
                )
                transaction.on_commit(lambda: self.genre_lists_stored.update(lists))
        sqlite_rows_insert(
            "INSERT INTO catalog_title_genres (title_id, genre_id) "
            "SELECT t.column1, g.genre_id FROM (VALUES {values}) AS t "
            "JOIN import_genre_lists g ON g.genres = t.column2",
            titles,
        )

    def _genre_link_formats(
        self, lists: list[str | None]
    ) -> tuple[dict[str | None, bytes], dict[str | None, int]]:
        """COPY text of the genre rows of a title with each of these IMDb genre lists, with
        %d where the title's id goes; and how many rows (and %d) each has."""
        formats, counts = self.genre_link_formats, self.genre_link_counts
        for genres in set(lists).difference(formats):
            ids = self._genre_ids(genres)
            formats[genres] = b"".join(b"%%d\t%d\n" % genre for genre in ids)
            counts[genres] = len(ids)
        return formats, counts

    def _titles_merge(
        self,
        incoming: dict[str, tuple[TitleRow, str | None]],
        existing: dict[str, tuple[Any, ...]],
        now: Any,
        stats: ImportStats,
    ) -> None:
        genres_now: dict[int, list[str]] = defaultdict(list)
        for title_id, genre in rows_select(
            "SELECT tg.title_id, g.name FROM catalog_title_genres tg "  # noqa: S608
            f"JOIN catalog_genre g ON g.id = tg.genre_id WHERE {any_of('tg.title_id')}",
            [r[0] for r in existing.values()],
        ):
            genres_now[title_id].append(genre)
        updates = []
        genres_set: list[tuple[int, list[int]]] = []
        changed_ids = []
        for tconst, (pk, *current_values, sources_value) in existing.items():
            row, genres = incoming[tconst]
            current = dict(zip(TITLE_FIELDS, current_values, strict=True))
            current["is_adult"] = bool(current["is_adult"])
            current["genres"] = ",".join(sorted(genres_now.get(pk, [])))
            genre_ids = self._genre_ids(genres)
            names = sorted({n for n, i in self.genre_ids.items() if i in genre_ids})
            sources = json_object(sources_value)
            changes, new_sources = fields_merge(
                current,
                sources,
                {
                    "kind": row.kind,
                    "format": row.format,
                    "title": row.title,
                    "original_title": row.original_title,
                    "is_adult": row.is_adult,
                    "year": row.year,
                    "end_year": row.end_year,
                    "runtime": row.runtime,
                    "genres": ",".join(names),
                },
                SOURCE,
            )
            if not changes and new_sources == sources:
                continue
            if "genres" in changes:
                genres_set.append((pk, genre_ids))
            merged = {**current, **changes}
            updates.append(
                (
                    *(merged[f] for f in TITLE_FIELDS),
                    slugify(merged["title"]),
                    title_match_key(merged["title"], merged["year"]),
                    json.dumps(new_sources),
                    now,
                    pk,
                )
            )
            if changes:
                changed_ids.append(pk)
        rows_update(
            Title, (*TITLE_FIELDS, "slug", "match_key", "field_sources", "updated_at"), updates
        )
        if genres_set:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM catalog_title_genres WHERE {any_of('title_id')}",  # noqa: S608
                    [any_values(pk for pk, _ in genres_set)],
                )
            rows_insert(
                Title.genres.through,
                ("title_id", "genre_id"),
                [(pk, genre) for pk, ids in genres_set for genre in ids],
            )
        title_documents_invalidate(changed_ids)
        stats.written += len(updates)

    def _genre_ids(self, genres: str | None) -> list[int]:
        if genres is None:
            return []
        cached = self.genre_lists.get(genres)
        if cached is not None:
            return cached
        ids: list[int] = []
        for name in _genre_names(genres):
            pk = self.genre_ids.get(name)
            if pk is None:
                pk = Genre.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0].pk
                self.genre_ids[name] = pk
            if pk not in ids:
                ids.append(pk)
        self.genre_lists[genres] = ids
        return ids

    # name.basics

    def _people_write(self, batch: list[NameRow], stats: ImportStats) -> None:
        incoming = {row.nconst: row for row in batch}
        columns = ", ".join(_q(c) for c in PERSON_FIELDS)
        existing = {
            r[0]: r[1:]
            for r in rows_select(
                f"SELECT imdb_id, id, {columns}, field_sources FROM people_person "  # noqa: S608
                f"WHERE {any_of('imdb_id')}",
                incoming,
            )
        }
        new = []
        updates = []
        changed_ids = []
        for nconst, row in incoming.items():
            birth = _smallint(row.birth_year, stats)
            death = _smallint(row.death_year, stats)
            first = row.professions.split(",", 1)[0]
            values: dict[str, Any] = {
                "name": row.name[:300],
                "birth_year": birth,
                "death_year": death,
                "professions": row.professions[:200],
                "known_for": KNOWN_FOR.get(first, ""),
            }
            if nconst not in existing:
                written = [f for f, v in values.items() if v not in (None, "")]
                new.append(
                    (
                        nconst,
                        *values.values(),
                        slugify(values["name"]),
                        "",
                        "",
                        0.0,
                        json.dumps(dict.fromkeys(written, SOURCE)),
                    )
                )
                continue
            pk, *current_values, sources_value = existing[nconst]
            current = dict(zip(PERSON_FIELDS, current_values, strict=True))
            sources = json_object(sources_value)
            changes, new_sources = fields_merge(current, sources, values, SOURCE)
            if not changes and new_sources == sources:
                continue
            merged = {**current, **changes}
            updates.append(
                (
                    *(merged[f] for f in PERSON_FIELDS),
                    slugify(merged["name"]),
                    json.dumps(new_sources),
                    pk,
                )
            )
            if changes:
                changed_ids.append(pk)
        rows_insert(
            Person,
            (
                "imdb_id",
                *PERSON_FIELDS,
                "slug",
                "biography",
                "photo_url",
                "popularity",
                "field_sources",
            ),
            new,
        )
        rows_update(Person, (*PERSON_FIELDS, "slug", "field_sources"), updates)
        if changed_ids:
            # Pages show people's names: those of the titles crediting them are out of date.
            title_documents_invalidate(
                r[0]
                for r in rows_select(
                    f"SELECT DISTINCT title_id FROM people_credit WHERE {any_of('person_id')}",  # noqa: S608
                    changed_ids,
                )
            )
        stats.written += len(new) + len(updates)
        self.grown[Person].grew(len(new))

    # title.akas

    def _akas_write(self, batch: list[Group[AkaRow]], stats: ImportStats) -> None:
        titles = self._titles_resolve(batch, stats, "titleId not in the catalog")
        existing: dict[int, dict[int, tuple[Any, ...]]] = defaultdict(dict)
        columns = ", ".join(_q(c) for c in AKA_FIELDS)
        for title_id, ordering, pk, *stored in rows_select(
            f"SELECT title_id, ordering, id, {columns} FROM catalog_alternativetitle "  # noqa: S608
            f"WHERE {any_of('title_id')}",
            titles.values(),
        ):
            stored[-1] = bool(stored[-1])
            existing[title_id][ordering] = (pk, *stored)
        new: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        stale: list[int] = []
        changed: set[int] = set()
        for group in batch:
            title_id = titles.get(group.tconst)
            if title_id is None:
                continue
            have = existing.get(title_id, {})
            wanted = {row.ordering: row for row in group}
            for ordering, row in wanted.items():
                fields = tuple(row[1:])
                if ordering not in have:
                    new.append((title_id, ordering, *fields))
                elif have[ordering][1:] != fields:
                    updates.append((*fields, have[ordering][0]))
                else:
                    continue
                changed.add(title_id)
            for ordering, (pk, *_) in have.items():
                if ordering not in wanted:
                    stale.append(pk)
                    changed.add(title_id)
        _delete(AlternativeTitle._meta.db_table, stale)
        rows_insert(AlternativeTitle, ("title_id", "ordering", *AKA_FIELDS), new)
        rows_update(AlternativeTitle, AKA_FIELDS, updates)
        title_documents_invalidate(changed)
        stats.written += len(new) + len(updates) + len(stale)
        self.grown[AlternativeTitle].grew(len(new))

    def _titles_resolve(
        self, batch: Sequence[Group[Any] | CrewRow], stats: ImportStats, why: str
    ) -> dict[str, int]:
        titles = _ids_by_imdb("catalog_title", (item.tconst for item in batch))
        for item in batch:
            if item.tconst not in titles:
                stats.unresolved[why] += len(item.rows) if isinstance(item, Group) else 1
        return titles

    # title.principals and title.crew

    def _imdb_credits(
        self, title_ids: Iterable[int]
    ) -> tuple[dict[int, list[tuple[Any, ...]]], dict[int, list[tuple[Any, ...]]]]:
        """The IMDb credits of these titles: (from the principals, from title.crew) by title.

        Each credit is (id, person_id, kind, character, order, department, job).
        """
        principals: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        crew: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for title_id, *credit in rows_select(
            'SELECT title_id, id, person_id, kind, "character", "order", department, job '  # noqa: S608
            f"FROM people_credit WHERE source = %s AND {any_of('title_id')}",
            set(title_ids),
            SOURCE,
        ):
            (crew if credit[4] >= CREW_FILE_ORDER else principals)[title_id].append(tuple(credit))
        return principals, crew

    def _credits_replace(
        self, stale: list[int], new: list[tuple[Any, ...]], changed: set[int]
    ) -> None:
        _delete(Credit._meta.db_table, stale)
        self.grown[Credit].grew(len(new))
        rows_insert(
            Credit,
            ("title_id", "person_id", "kind", "character", "order", "department", "job", "source"),
            [(*credit, SOURCE) for credit in new],
        )
        title_documents_invalidate(changed)

    def _principals_write(self, batch: list[Group[PrincipalRow]], stats: ImportStats) -> None:
        titles = self._titles_resolve(batch, stats, "tconst not in the catalog")
        people = _ids_by_imdb(
            "people_person", {r.nconst for g in batch if g.tconst in titles for r in g}
        )
        principals, crew = self._imdb_credits(titles.values())
        stale: list[int] = []
        new: list[tuple[Any, ...]] = []
        changed: set[int] = set()
        for group in batch:
            title_id = titles.get(group.tconst)
            if title_id is None:
                continue
            wanted = []
            for row in group:
                person_id = people.get(row.nconst)
                if person_id is None:
                    stats.unresolved["nconst not among the people"] += 1
                    continue
                wanted.append(
                    (person_id, row.kind, row.character, row.ordering, row.department, row.job)
                )
            have = principals.get(title_id, [])
            if sorted(wanted) != sorted(c[1:] for c in have):
                stale += [c[0] for c in have]
                new += [(title_id, *credit) for credit in wanted]
                changed.add(title_id)
            # title.crew's credits of someone the principals credit in the same department
            # would list them twice.
            covered = {(c[0], c[4]) for c in wanted if c[1] == Credit.Kind.CREW}
            for c in crew.get(title_id, []):
                if (c[1], c[5]) in covered:
                    stale.append(c[0])
                    changed.add(title_id)
        self._credits_replace(stale, new, changed)
        stats.written += len(new)

    def _crew_write(self, batch: list[CrewRow], stats: ImportStats) -> None:
        titles = self._titles_resolve(batch, stats, "tconst not in the catalog")
        people = _ids_by_imdb(
            "people_person",
            {n for row in batch if row.tconst in titles for n in (*row.directors, *row.writers)},
        )
        principals, crew = self._imdb_credits(titles.values())
        stale: list[int] = []
        new: list[tuple[Any, ...]] = []
        changed: set[int] = set()
        for row in batch:
            title_id = titles.get(row.tconst)
            if title_id is None:
                continue
            covered = {(c[1], c[5]) for c in principals.get(title_id, []) if c[2] == "crew"}
            wanted: dict[tuple[int, str], tuple[Any, ...]] = {}
            for base, department, job, nconsts in (
                (CREW_FILE_ORDER, "Directing", "Director", row.directors),
                (WRITERS_ORDER, "Writing", "Writer", row.writers),
            ):
                for i, nconst in enumerate(nconsts):
                    person_id = people.get(nconst)
                    if person_id is None:
                        stats.unresolved["nconst not among the people"] += 1
                    elif (person_id, department) not in covered | wanted.keys():
                        wanted[person_id, department] = (
                            person_id,
                            Credit.Kind.CREW,
                            "",
                            base + i,
                            department,
                            job,
                        )
            have = crew.get(title_id, [])
            if sorted(wanted.values()) != sorted(c[1:] for c in have):
                stale += [c[0] for c in have]
                new += [(title_id, *credit) for credit in wanted.values()]
                changed.add(title_id)
        self._credits_replace(stale, new, changed)
        stats.written += len(new)

    # title.episode

    def _episodes_write(self, batch: list[EpisodeRow], stats: ImportStats) -> None:
        ids = _ids_by_imdb("catalog_title", {k for r in batch for k in (r.tconst, r.parent)})
        current = {
            pk: (parent, season, episode, json_object(sources))
            for pk, parent, season, episode, sources in rows_select(
                "SELECT id, parent_id, season_number, episode_number, field_sources "  # noqa: S608
                f"FROM catalog_title WHERE {any_of('id')}",
                [ids[r.tconst] for r in batch if r.tconst in ids],
            )
        }
        updates = []
        for row in batch:
            pk, parent = ids.get(row.tconst), ids.get(row.parent)
            if pk is None:
                stats.unresolved["episode tconst not in the catalog"] += 1
                continue
            if parent is None:
                stats.unresolved["parentTconst not in the catalog"] += 1
                continue
            parent_now, season_now, episode_now, sources = current[pk]
            changes, new_sources = fields_merge(
                {"parent": parent_now, "season_number": season_now, "episode_number": episode_now},
                sources,
                {
                    "parent": parent,
                    "season_number": _smallint(row.season, stats),
                    "episode_number": row.episode if (row.episode or 0) >= 0 else None,
                },
                SOURCE,
            )
            if changes or new_sources != sources:
                updates.append(
                    (
                        changes.get("parent", parent_now),
                        changes.get("season_number", season_now),
                        changes.get("episode_number", episode_now),
                        json.dumps(new_sources),
                        pk,
                    )
                )
        rows_update(
            Title, ("parent_id", "season_number", "episode_number", "field_sources"), updates
        )
        title_documents_invalidate(u[-1] for u in updates)
        stats.written += len(updates)

    # title.ratings

    def _ratings_write(self, batch: list[RatingRow], stats: ImportStats) -> None:
        current = {
            imdb_id: (pk, rating, votes, source, json_object(sources))
            for imdb_id, pk, rating, votes, source, sources in rows_select(
                "SELECT imdb_id, id, rating, rating_votes, rating_source, field_sources "  # noqa: S608
                f"FROM catalog_title WHERE {any_of('imdb_id')}",
                {r.tconst for r in batch},
            )
        }
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        updates = []
        changed = []
        for row in batch:
            if row.tconst not in current:
                stats.unresolved["tconst not in the catalog"] += 1
                continue
            pk, rating, votes, source, sources = current[row.tconst]
            changes, new_sources = fields_merge(
                {"rating": rating, "rating_votes": votes, "rating_source": source},
                sources,
                {"rating": row.rating, "rating_votes": row.votes, "rating_source": SOURCE},
                SOURCE,
            )
            if not changes and new_sources == sources:
                continue
            updates.append(
                (
                    changes.get("rating", rating),
                    changes.get("rating_votes", votes),
                    changes.get("rating_source", source),
                    json.dumps(new_sources),
                    now,
                    pk,
                )
            )
            if changes:
                changed.append(pk)
        rows_update(
            Title,
            ("rating", "rating_votes", "rating_source", "field_sources", "updated_at"),
            updates,
        )
        title_documents_invalidate(changed)
        stats.written += len(updates)


def _year(year: int | None, stats: ImportStats) -> int | None:
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        stats.notes["implausible years left out"] += 1
        return None
    return year


def _runtime(minutes: int | None, stats: ImportStats) -> int | None:
    if minutes is not None and not 0 < minutes <= SMALLINT_MAX:
        stats.notes["runtimes out of range left out"] += 1
        return None
    return minutes


def _smallint(value: int | None, stats: ImportStats) -> int | None:
    if value is not None and not 0 <= value <= SMALLINT_MAX:
        stats.notes["numbers out of range left out"] += 1
        return None
    return value

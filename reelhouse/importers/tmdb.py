"""`reelhouse import tmdb PATH`: TMDB movie details and TMDB's daily ID exports.

PATH is one file or a directory; a directory imports every *.json, *.jsonl, *.json.gz and
*.jsonl.gz in it, sorted by name. Each file is one of:

- movie details as saved from `GET /3/movie/{id}?append_to_response=credits,videos,keywords,
  release_dates,watch/providers,recommendations,similar,reviews`: one per line (JSON Lines,
  optionally gzipped), or a single JSON document (pretty-printed or not; an array of movies works
  too);
- a daily ID export (`movie_ids_MM_DD_YYYY.json.gz`...), recognized by its name or by the shape
  of its first line (`id`, `original_title`/`original_name`/`name`, no `title` or `overview`).

Movies meet the catalog by TMDB id, then by IMDb id (so a title the IMDb import made gets TMDB's
facts rather than a twin), then by title and year when exactly one title without a TMDB id has
them. Fields merge by the rules of catalog/merge.py. For each movie, what an appended list says
replaces what the last import of it said: credits (source "tmdb"), certifications, videos,
availability (only in the regions kept, see --regions), similar and recommended lists (origin
"tmdb"). A list the file leaves out entirely changes nothing. Every write compares first, so
importing the same data twice writes nothing.

Export files: `movie` and `adult_movie` exports add a stub title for each id not in the catalog
and update the popularity of those that are; `person` exports update the popularity of people
already in the catalog. Other kinds (tv_series, keyword, collection...) are counted and skipped:
Reelhouse's TMDB ids are movie ids, and a list of bare names adds nothing a page shows.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.db.models import Field as DjangoField
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reelhouse.catalog.documents import title_documents_invalidate
from reelhouse.catalog.merge import fields_merge, genre_name, priority, title_match_key
from reelhouse.catalog.models import (
    Availability,
    Certification,
    Genre,
    Keyword,
    Provider,
    Title,
    TitleRelation,
    Video,
)
from reelhouse.community.models import Review
from reelhouse.importers.bulk import rows_insert, rows_update
from reelhouse.importers.files import ImportFileError, LineReader
from reelhouse.importers.runs import FileImport, ImportStats, RowChecker, file_import
from reelhouse.lib.text import slugify
from reelhouse.people.models import Credit, Person

SOURCE = "tmdb"
MOVIE_BATCH = 200
EXPORT_BATCH = 5_000
IMAGE_BASE = "https://image.tmdb.org/t/p/"
POSTER_SIZE, BACKDROP_SIZE, LOGO_SIZE, PROFILE_SIZE = "w500", "w780", "w92", "w185"
# A pretty-printed document is read whole; past this it is not one movie's details.
MAX_DOCUMENT_CHARS = 64 * 1024 * 1024
SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")
EXPORT_NAME = re.compile(r"^(?P<kind>[a-z_]+)_ids_\d{2}_\d{2}_\d{4}\.jsonl?(\.gz)?$")
MOVIE_EXPORTS = frozenset({"movie", "adult_movie"})
# The release types whose certification a region shows, in order: theatrical, limited,
# digital, physical, TV, premiere (docs DATA-FORMATS 2.3).
CERTIFICATION_TYPES = (3, 2, 4, 5, 6, 1)
AVAILABILITY_KINDS = {
    "flatrate": Availability.Kind.STREAM,
    "free": Availability.Kind.FREE,
    "ads": Availability.Kind.ADS,
    "rent": Availability.Kind.RENT,
    "buy": Availability.Kind.BUY,
}
LIST_KINDS = {
    "similar": TitleRelation.Kind.SIMILAR,
    "recommendations": TitleRelation.Kind.RECOMMENDED,
}
IMDB_ID = re.compile(r"^tt\d{7,12}$")
REGION = re.compile(r"^[A-Z]{2}$")
INT_MAX = 2_147_483_647
SMALLINT_MAX = 32_767

Id = Annotated[int, Field(ge=1, le=INT_MAX)]


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--regions",
        default="",
        metavar="US,GB",
        help=(
            "Where-to-watch regions to keep (ISO 3166-1 codes, comma-separated). Each movie's "
            "availability in these regions is replaced by what the file says. Default: every "
            "region the file lists, and a movie's availability is replaced as a whole."
        ),
    )


def run(
    path: Path, *, quiet: bool, regions: str = "", **options: Any
) -> list[tuple[str, ImportStats]]:
    kept = regions_parse(regions)
    results = []
    for file in files_find(path):
        kind = file_kind(file)
        if kind is None:
            job: FileImport[Any] = FileImport(
                source=SOURCE,
                path=file,
                parse=movies_parse,
                write=functools.partial(movies_write, regions=kept),
                batch_rows=MOVIE_BATCH,
                quiet=quiet,
            )
        else:
            job = FileImport(
                source=SOURCE,
                path=file,
                parse=functools.partial(export_parse, kind=kind),
                write=export_write,
                label=f"{file.name} ({kind} export)",
                batch_rows=EXPORT_BATCH,
                quiet=quiet,
            )
        results.append((file.name, file_import(job)))
    return results


def regions_parse(value: str) -> frozenset[str] | None:
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    bad = [c for c in codes if not REGION.fullmatch(c)]
    if bad:
        raise CommandError(f"--regions: not two-letter country codes: {', '.join(bad)}")
    return frozenset(codes) or None


def files_find(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(SUFFIXES)
        )
        if not files:
            raise ImportFileError(path, None, f"no TMDB files ({', '.join(SUFFIXES)}) here")
        return files
    if not path.is_file():
        raise ImportFileError(path, None, "no such file or directory")
    return [path]


# Reading ---------------------------------------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_parse(text: str) -> Any:
    """json.loads without Python's extensions: NaN and Infinity are errors, not floats."""
    return json.loads(text, parse_constant=_no_constants)


def file_kind(path: Path) -> str | None:
    """The export kind ("movie", "person"...) of a daily ID export; None for movie details."""
    if match := EXPORT_NAME.match(path.name.lower()):
        return match["kind"]
    with LineReader(path) as reader:
        for _, text in reader:
            if text.strip():
                try:
                    value = json_parse(text)
                except ValueError:
                    return None
                return export_kind_of(value)
    return None


def export_kind_of(value: Any) -> str | None:
    if not isinstance(value, dict) or "id" not in value or "title" in value or "overview" in value:
        return None
    if "original_title" in value:
        return "movie"
    if "original_name" in value:
        return "tv_series"
    if "name" in value:
        return "person" if "adult" in value else "other"
    return None


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class GenreIn(_In):
    name: str


class KeywordIn(_In):
    id: Id
    name: str


class KeywordsIn(_In):
    keywords: list[KeywordIn] = []


class PersonIn(_In):
    id: Id
    name: str | None = ""
    original_name: str | None = ""
    profile_path: str | None = None
    known_for_department: str | None = ""
    popularity: float | None = None


class CastIn(PersonIn):
    character: str | None = ""
    order: int | None = None


class CrewIn(PersonIn):
    department: str | None = ""
    job: str | None = ""


class CreditsIn(_In):
    cast: list[CastIn] = []
    crew: list[CrewIn] = []


class VideoIn(_In):
    key: str
    site: str | None = ""
    name: str | None = ""
    type: str | None = ""
    official: bool | None = False
    size: int | None = None
    iso_639_1: str | None = ""
    published_at: dt.datetime | None = None


class VideosIn(_In):
    results: list[VideoIn] = []


class ReleaseIn(_In):
    certification: str | None = ""
    type: int | None = None


class ReleaseCountryIn(_In):
    iso_3166_1: str
    release_dates: list[ReleaseIn] = []


class ReleaseDatesIn(_In):
    results: list[ReleaseCountryIn] = []


class ProviderIn(_In):
    provider_id: Id
    provider_name: str
    logo_path: str | None = None
    display_priority: int | None = None


class RegionIn(_In):
    link: str | None = ""
    flatrate: list[ProviderIn] = []
    free: list[ProviderIn] = []
    ads: list[ProviderIn] = []
    rent: list[ProviderIn] = []
    buy: list[ProviderIn] = []


class WatchProvidersIn(_In):
    results: dict[str, RegionIn] = {}


class ListItemIn(_In):
    id: Id
    media_type: str | None = None
    title: str | None = ""
    original_title: str | None = ""
    original_language: str | None = ""
    overview: str | None = ""
    release_date: str | None = ""
    poster_path: str | None = None
    backdrop_path: str | None = None
    popularity: float | None = None
    vote_average: float | None = None
    vote_count: int | None = None
    adult: bool | None = False


class ListIn(_In):
    results: list[ListItemIn] = []


class AuthorIn(_In):
    name: str | None = ""
    username: str | None = ""
    rating: float | None = None


class ReviewIn(_In):
    id: str
    author: str | None = ""
    author_details: AuthorIn | None = None
    content: str | None = ""
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class ReviewsIn(_In):
    results: list[ReviewIn] = []
    total_pages: int | None = None


class MovieIn(_In):
    """The movie details we read; an appended list left out (None) means "nothing to say"."""

    id: Id
    imdb_id: str | None = None
    title: str | None = ""
    original_title: str | None = ""
    original_language: str | None = ""
    overview: str | None = ""
    tagline: str | None = ""
    release_date: str | None = ""
    runtime: int | None = None
    adult: bool | None = False
    poster_path: str | None = None
    backdrop_path: str | None = None
    popularity: float | None = None
    vote_average: float | None = None
    vote_count: int | None = None
    genres: list[GenreIn] | None = None
    credits: CreditsIn | None = None
    videos: VideosIn | None = None
    keywords: KeywordsIn | None = None
    release_dates: ReleaseDatesIn | None = None
    watch_providers: WatchProvidersIn | None = Field(None, alias="watch/providers")
    recommendations: ListIn | None = None
    similar: ListIn | None = None
    reviews: ReviewsIn | None = None

    @model_validator(mode="after")
    def _has_a_title(self) -> MovieIn:
        if not (self.title or "").strip() and not (self.original_title or "").strip():
            raise ValueError("a movie needs a title or an original_title")
        return self


def movies_parse(reader: LineReader, checker: RowChecker) -> Iterator[MovieIn]:
    """Movies from JSON Lines, or from one JSON document when the first line is not one."""
    lines = iter(reader)
    for number, text in lines:  # noqa: B007 - `number` is used after the loop
        if text.strip():
            break
    else:
        return
    try:
        first: Any = json_parse(text)
    except ValueError:
        # A pretty-printed document ("{" alone on the first line) is read whole; so is any .json
        # whose first line is not JSON, so that its error names the line where the JSON breaks.
        if text.strip() in {"{", "["} or not reader.path.name.lower().endswith(
            (".jsonl", ".jsonl.gz")
        ):
            yield from _movies_check(_document_read(number, text, lines, reader), checker)
            return
        checker.reject("line is not valid JSON")
        first = None
    if first is not None:
        yield from _movies_check([first], checker)
    for _, text in lines:
        if not text.strip():
            continue
        try:
            value = json_parse(text)
        except ValueError:
            checker.reject("line is not valid JSON")
            continue
        yield from _movies_check([value], checker)


def _document_read(
    start: int, first: str, lines: Iterator[tuple[int, str]], reader: LineReader
) -> list[Any]:
    parts, size = [first], len(first)
    for _, text in lines:
        size += len(text) + 1
        if size > MAX_DOCUMENT_CHARS:
            raise ImportFileError(
                reader.path,
                reader.line,
                f"a JSON document over {MAX_DOCUMENT_CHARS // (1024 * 1024)} MB: write one movie "
                "per line (JSON Lines) instead",
            )
        parts.append(text)
    try:
        value = json_parse("\n".join(parts))
    except json.JSONDecodeError as error:
        raise ImportFileError(
            reader.path,
            start + error.lineno - 1,
            f"not valid JSON: {error.msg} (column {error.colno})",
        ) from error
    except ValueError as error:
        raise ImportFileError(reader.path, start, f"not valid JSON: {error}") from error
    return value if isinstance(value, list) else [value]


def _movies_check(values: Iterable[Any], checker: RowChecker) -> Iterator[MovieIn]:
    for value in values:
        if not isinstance(value, dict):
            checker.reject("not a JSON object")
            continue
        try:
            yield MovieIn.model_validate(value)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"][:2]) or "movie"
            checker.reject(f"invalid movie details ({where}: {first['msg']})")


@dataclass(frozen=True)
class ExportLine:
    kind: str
    id: int
    name: str
    popularity: float
    is_adult: bool


def export_parse(reader: LineReader, checker: RowChecker, kind: str) -> Iterator[ExportLine]:
    is_movies = kind in MOVIE_EXPORTS
    for _, text in reader:
        if not text.strip():
            continue
        try:
            value = json_parse(text)
        except ValueError:
            checker.reject("malformed line")
            continue
        if not isinstance(value, dict) or not _is_id(value.get("id")):
            checker.reject("malformed line")
            continue
        popularity = float(value["popularity"]) if _is_number(value.get("popularity")) else 0.0
        if is_movies and "adult" not in value:
            # A tv_series line (they have no adult key) in a movie export: not a movie id.
            yield ExportLine("tv_series", value["id"], "", popularity, False)
            continue
        name = value.get("original_title" if is_movies else "name", "")
        if is_movies and (not isinstance(name, str) or not name.strip()):
            checker.reject("malformed line")
            continue
        is_adult = value.get("adult") is True or kind.startswith("adult_")
        yield ExportLine(kind, value["id"], _cut(str(name or ""), 500), popularity, is_adult)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= INT_MAX


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _note(stats: ImportStats, what: str, count: int) -> None:
    if count:
        stats.notes[what] += count


def _update(model: type[Model], objects: Sequence[Model], names: Iterable[str]) -> None:
    """UPDATE these fields of `objects` in one executemany.

    Django's bulk_update builds a CASE expression per field and row, ten times slower here; and
    like it, this sends no signals: the importer invalidates the documents it touches itself.
    """
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in sorted(set(names))]
    columns = [f for f in fields if isinstance(f, DjangoField)]
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk]
        for obj in objects
    ]
    rows_update(model, [f.column or f.attname for f in columns], rows)


def _insert(model: type[Model], objects: Sequence[Model]) -> None:
    """INSERT `objects` in one executemany (COPY on PostgreSQL), without fetching their pks.

    bulk_create splits the rows into statements of 999 parameters on SQLite: ten times slower
    for the tens of thousands of people and stub titles a large file brings.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [
        [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
        for obj in objects
    ]
    rows_insert(model, [f.column or f.attname for f in fields], rows)


def _delete(rows: QuerySet[Any]) -> None:
    """DELETE without loading the rows or sending a signal per row (see `_update`)."""
    rows._raw_delete(rows.db)


# Small conversions -----------------------------------------------------------------------------


def _cut(value: str | None, length: int | None = None) -> str:
    """Text as a column takes it: NUL removed (PostgreSQL refuses it), trimmed, cut to fit."""
    text = (value or "").replace("\x00", "").strip()
    return text[:length] if length else text


def _image(path: str | None, size: str) -> str:
    if not path or not path.startswith("/"):
        return ""
    url = path[1:] if path.startswith("/http") else f"{IMAGE_BASE}{size}{path}"
    return url if len(url) <= 500 and " " not in url else ""


def _date(value: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
    return day if 1870 <= day.year <= 2200 else None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _rating(average: float | None, votes: int | None) -> tuple[float | None, int | None, str]:
    if average is None or not votes or votes < 0 or not 0 <= average <= 10:
        return None, None, ""
    return round(average, 3), min(votes, INT_MAX), SOURCE


def _popularity(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) and value >= 0 else None


def _region(code: str) -> str:
    code = code.strip().upper()
    return code if REGION.fullmatch(code) else ""


def certification_pick(countries: Sequence[ReleaseCountryIn]) -> dict[str, str]:
    """Each region's certification: the first non-empty one by release type 3, 2, 4, 5, 6, 1."""
    picked: dict[str, str] = {}
    for country in countries:
        region = _region(country.iso_3166_1)
        if not region or region in picked:
            continue
        for kind in CERTIFICATION_TYPES:
            values = [
                _cut(r.certification, 16)
                for r in country.release_dates
                if r.type == kind and _cut(r.certification)
            ]
            if values:
                picked[region] = values[0]
                break
    return picked


# Writing movies --------------------------------------------------------------------------------


@dataclass
class _Movie:
    data: MovieIn
    title: Title
    is_new: bool = False
    # The title takes its TMDB or IMDb id in this import (matched by IMDb id, title and year...).
    is_id_added: bool = False
    is_changed: bool = False
    # The lists merged like fields that changed: genres, keywords, certifications, videos.
    lists: dict[str, Any] = field(default_factory=dict)


def _title_fields(m: MovieIn) -> dict[str, Any]:
    name = _cut(m.title, 500) or _cut(m.original_title, 500)
    release = _date(m.release_date)
    rating, votes, rating_source = _rating(m.vote_average, m.vote_count)
    fields: dict[str, Any] = {
        "title": name,
        "original_title": _cut(m.original_title, 500) or name,
        "synopsis": _cut(m.overview),
        "tagline": _cut(m.tagline, 500),
        "release_date": release,
        "year": release.year if release else None,
        "runtime": m.runtime if m.runtime and 0 < m.runtime <= SMALLINT_MAX else None,
        "original_language": _cut(m.original_language, 8),
        "is_adult": bool(m.adult),
        "poster_url": _image(m.poster_path, POSTER_SIZE),
        "backdrop_url": _image(m.backdrop_path, BACKDROP_SIZE),
        "popularity": _popularity(m.popularity),
        "rating": rating,
        "rating_votes": votes,
        "rating_source": rating_source,
    }
    # Lists that live in other tables merge like fields, so an editor's choice outranks TMDB's;
    # None (the list was not in the file) says nothing.
    if m.genres is not None:
        fields["genres"] = sorted({g for x in m.genres if (g := genre_name(_cut(x.name, 64)))})
    if m.keywords is not None:
        fields["keywords"] = sorted({k.id: _cut(k.name, 200) for k in m.keywords.keywords}.items())
    if m.release_dates is not None:
        fields["certifications"] = certification_pick(m.release_dates.results)
    if m.videos is not None:
        fields["videos"] = _videos(m.videos.results)
    return fields


_VideoRow = tuple[str, str, str, str, bool, int | None, str, str]
_PSEUDO_FIELDS = ("genres", "keywords", "certifications", "videos")


def _videos(items: Sequence[VideoIn]) -> list[_VideoRow]:
    rows: dict[tuple[str, str], _VideoRow] = {}
    for v in items:
        site = next((s for s in Video.Site.values if s.lower() == (v.site or "").lower()), None)
        key = _cut(v.key, 64)
        if site is None or not key or (site, key) in rows:
            continue
        published = _aware(v.published_at)
        rows[site, key] = (
            site,
            key,
            _cut(v.name, 300),
            _cut(v.type, 32) or "Trailer",
            bool(v.official),
            v.size if v.size and 0 < v.size <= SMALLINT_MAX else None,
            _cut(v.iso_639_1, 8),
            published.isoformat() if published else "",
        )
    return sorted(rows.values())


def movies_write(
    batch: list[MovieIn], stats: ImportStats, *, regions: frozenset[str] | None
) -> None:
    latest: dict[int, MovieIn] = {}
    for m in batch:
        if m.id in latest:
            stats.notes["movies listed twice (the later kept)"] += 1
        latest[m.id] = m
    movies = _titles_resolve(list(latest.values()), stats)
    _titles_save(movies, stats)
    changed = _lists_save(movies)
    changed |= _availability_save(movies, regions)
    changed |= _credits_save(movies, stats)
    changed |= _reviews_save(movies, stats)
    changed |= _relations_save(movies, stats)
    for mv in movies:
        mv.is_changed = mv.is_changed or mv.title.pk in changed
    stats.written += sum(1 for mv in movies if mv.is_changed)
    title_documents_invalidate([mv.title.pk for mv in movies if mv.is_changed])


def _titles_resolve(items: list[MovieIn], stats: ImportStats) -> list[_Movie]:
    """Each movie's title: by TMDB id, else IMDb id, else a unique title-and-year match."""
    by_tmdb = {t.tmdb_id: t for t in Title.objects.filter(tmdb_id__in=[m.id for m in items])}
    imdb_of = {m.id: m.imdb_id for m in items if m.imdb_id and IMDB_ID.fullmatch(m.imdb_id)}
    by_imdb = {t.imdb_id: t for t in Title.objects.filter(imdb_id__in=set(imdb_of.values()))}
    keys: dict[int, str] = {}
    for m in items:
        if m.id not in by_tmdb and imdb_of.get(m.id) not in by_imdb:
            fields = _title_fields(m)
            keys[m.id] = title_match_key(fields["title"], fields["year"])
    by_key: dict[str, list[Title]] = defaultdict(list)
    for t in Title.objects.filter(match_key__in=set(keys.values()), tmdb_id__isnull=True):
        by_key[t.match_key].append(t)
    maybe_stubs = [
        stub.pk
        for m in items
        if (stub := by_tmdb.get(m.id)) is not None
        and _is_stub(stub)
        and imdb_of.get(m.id) in by_imdb
    ]
    referenced = _titles_referenced(maybe_stubs)

    claimed: set[int] = set()
    imdb_taken = {t.imdb_id for t in by_tmdb.values() if t.imdb_id}
    stubs: dict[int, Title] = {}
    movies: list[_Movie] = []
    for m in items:
        imdb = imdb_of.get(m.id)
        title = by_tmdb.get(m.id)
        twin = by_imdb.get(imdb) if imdb else None
        if title is not None and twin is not None and twin.pk != title.pk:
            if (
                _is_stub(title)
                and title.pk not in referenced
                and twin.tmdb_id is None
                and twin.pk not in claimed
            ):
                # A stub (from an export or another movie's list) and the IMDb import's title are
                # one film: the IMDb title takes the TMDB id, and the stub goes.
                stubs[title.pk] = twin
                title = twin
            else:
                stats.unresolved["IMDb id already on another title (left for review)"] += 1
        elif title is None and twin is not None and twin.tmdb_id is None and twin.pk not in claimed:
            title = twin
            stats.notes["titles matched by IMDb id"] += 1
        elif title is None:
            candidates = [
                t
                for t in by_key.get(keys.get(m.id, ""), [])
                if t.pk not in claimed and (not imdb or not t.imdb_id or t.imdb_id == imdb)
            ]
            if len(candidates) == 1:
                title = candidates[0]
                stats.notes["titles matched by title and year"] += 1
        if title is None:
            mv = _Movie(m, Title(kind=Title.Kind.MOVIE, tmdb_id=m.id), is_new=True)
        else:
            claimed.add(title.pk)
            mv = _Movie(m, title, is_id_added=title.tmdb_id != m.id)
            title.tmdb_id = m.id
        if imdb and mv.title.imdb_id is None and imdb not in by_imdb and imdb not in imdb_taken:
            mv.title.imdb_id = imdb
            mv.is_id_added = True
            imdb_taken.add(imdb)
        movies.append(mv)
    if stubs:
        _stubs_merge(stubs)
        _note(stats, "stub titles merged into the IMDb import's title", len(stubs))
    return movies


def _is_stub(title: Title) -> bool:
    return (
        title.imdb_id is None
        and title.movielens_id is None
        and all(source == SOURCE for source in title.field_sources.values())
    )


# What a stub may have that this import makes again on the title it merges into.
_STUB_OWNED = {"certifications", "videos", "availability", "document", "relations_in"}


def _titles_referenced(ids: list[int]) -> set[int]:
    """The titles among `ids` that rows other than TMDB's own refer to: a rating, an article..."""
    if not ids:
        return set()
    found: set[int] = set()
    for rel in Title._meta.related_objects:
        name = rel.name
        if name in _STUB_OWNED:
            continue
        rows = Title.objects.filter(pk__in=ids)
        if name == "credits":
            rows = rows.filter(credits__isnull=False).exclude(credits__source=SOURCE)
        elif name == "reviews":
            rows = rows.filter(reviews__isnull=False).exclude(reviews__source=Review.Source.TMDB)
        elif name == "relations_out":
            rows = rows.filter(relations_out__isnull=False).exclude(
                relations_out__origin=TitleRelation.Origin.TMDB
            )
        else:
            rows = rows.filter(**{f"{name}__isnull": False})
        found.update(rows.values_list("pk", flat=True))
    return found


def _stubs_merge(stubs: dict[int, Title]) -> None:
    """Delete stub titles, first pointing the lists that hold them at their real titles."""
    for stub_pk, title in stubs.items():
        taken = set(
            TitleRelation.objects.filter(target=title).values_list("source_id", "kind", "origin")
        )
        for rel in TitleRelation.objects.filter(target_id=stub_pk):
            if rel.source_id != title.pk and (rel.source_id, rel.kind, rel.origin) not in taken:
                TitleRelation.objects.filter(pk=rel.pk).update(target=title)
                taken.add((rel.source_id, rel.kind, rel.origin))
        title_documents_invalidate([stub_pk])
    Title.objects.filter(pk__in=list(stubs)).delete()


def _current_lists(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The merged lists of existing titles, in the shape `_title_fields` gives them."""
    lists: dict[int, dict[str, Any]] = {
        pk: {"genres": [], "keywords": [], "certifications": {}, "videos": []} for pk in ids
    }
    if not ids:
        return lists
    for pk, name in Title.genres.through.objects.filter(title_id__in=ids).values_list(
        "title_id", "genre__name"
    ):
        lists[pk]["genres"].append(name)
    for pk, kid, name in Title.keywords.through.objects.filter(title_id__in=ids).values_list(
        "title_id", "keyword__tmdb_id", "keyword__name"
    ):
        lists[pk]["keywords"].append((kid, name))
    for pk, region, value in Certification.objects.filter(title_id__in=ids).values_list(
        "title_id", "region", "value"
    ):
        lists[pk]["certifications"][region] = value
    for v in Video.objects.filter(title_id__in=ids):
        lists[v.title_id]["videos"].append(
            (
                v.site,
                v.key,
                v.name,
                v.kind,
                v.is_official,
                v.size,
                v.language,
                v.published_at.isoformat() if v.published_at else "",
            )
        )
    for current in lists.values():
        current["genres"].sort()
        current["keywords"].sort(key=lambda k: (k[0] or 0, k[1]))
        current["videos"].sort()
    return lists


def _titles_save(movies: list[_Movie], stats: ImportStats) -> None:
    current_lists = _current_lists([mv.title.pk for mv in movies if not mv.is_new])
    now = timezone.now()
    updates: list[Title] = []
    update_fields: set[str] = set()
    for mv in movies:
        t = mv.title
        incoming = _title_fields(mv.data)
        current = {f: getattr(t, f) for f in incoming if f not in _PSEUDO_FIELDS}
        if not mv.is_new:
            current.update(current_lists[t.pk])
        changes, sources = fields_merge(current, t.field_sources or {}, incoming, SOURCE)
        mv.lists = {f: changes.pop(f) for f in _PSEUDO_FIELDS if f in changes}
        for name, value in changes.items():
            setattr(t, name, value)
        if mv.is_new:
            t.slug = slugify(t.title)
            t.match_key = title_match_key(t.title, t.year)
            t.field_sources = sources
            continue
        if not changes and sources == t.field_sources and not mv.is_id_added:
            continue
        t.field_sources = sources
        if "title" in changes:
            t.slug = slugify(t.title)
        t.match_key = title_match_key(t.title, t.year)
        t.updated_at = now
        update_fields |= {*changes, "tmdb_id", "imdb_id", "field_sources", "slug", "match_key"}
        update_fields.add("updated_at")
        updates.append(t)
        mv.is_changed = True
    new = [mv.title for mv in movies if mv.is_new]
    if updates:
        _update(Title, updates, update_fields)
        _note(stats, "titles updated", len(updates))
    if new:
        Title.objects.bulk_create(new)
        for mv in movies:
            mv.is_changed = mv.is_changed or mv.is_new
        _note(stats, "titles created", len(new))


def _lists_save(movies: list[_Movie]) -> set[int]:
    """Genres, keywords, certifications and videos of the titles whose lists changed."""
    changed: set[int] = set()
    genres = {mv.title.pk: mv.lists["genres"] for mv in movies if "genres" in mv.lists}
    if genres:
        by_name = _genres_get({g for names in genres.values() for g in names})
        genre_through = Title.genres.through
        _delete(genre_through.objects.filter(title_id__in=list(genres)))
        genre_through.objects.bulk_create(
            [
                genre_through(title_id=pk, genre_id=by_name[g])
                for pk, names in genres.items()
                for g in names
            ]
        )
        changed |= set(genres)
    keywords = {mv.title.pk: mv.lists["keywords"] for mv in movies if "keywords" in mv.lists}
    if keywords:
        by_id = _keywords_get(dict(k for pairs in keywords.values() for k in pairs))
        keyword_through = Title.keywords.through
        _delete(keyword_through.objects.filter(title_id__in=list(keywords)))
        keyword_through.objects.bulk_create(
            [
                keyword_through(title_id=pk, keyword_id=kw)
                for pk, pairs in keywords.items()
                for kw in dict.fromkeys(by_id[k] for k, _ in pairs)
            ]
        )
        changed |= set(keywords)
    certifications = {
        mv.title.pk: mv.lists["certifications"] for mv in movies if "certifications" in mv.lists
    }
    if certifications:
        _delete(Certification.objects.filter(title_id__in=list(certifications)))
        Certification.objects.bulk_create(
            [
                Certification(title_id=pk, region=region, value=value)
                for pk, values in certifications.items()
                for region, value in values.items()
            ]
        )
        changed |= set(certifications)
    videos = {mv.title.pk: mv.lists["videos"] for mv in movies if "videos" in mv.lists}
    if videos:
        _delete(Video.objects.filter(title_id__in=list(videos)))
        Video.objects.bulk_create(
            [
                Video(
                    title_id=pk,
                    site=site,
                    key=key,
                    name=name,
                    kind=kind,
                    is_official=official,
                    size=size,
                    language=language,
                    published_at=dt.datetime.fromisoformat(published) if published else None,
                )
                for pk, rows in videos.items()
                for site, key, name, kind, official, size, language, published in rows
            ]
        )
        changed |= set(videos)
    return changed


def _genres_get(names: set[str]) -> dict[str, int]:
    found = dict(Genre.objects.filter(name__in=names).values_list("name", "pk"))
    missing = sorted(names - set(found))
    if missing:
        slugs = set(Genre.objects.values_list("slug", flat=True))
        new = []
        for name in missing:
            slug = slugify(name)[:64]
            while slug in slugs:
                slug = f"{slug[:58]}-{len(slugs)}"
            slugs.add(slug)
            new.append(Genre(name=name, slug=slug))
        Genre.objects.bulk_create(new)
        found.update(Genre.objects.filter(name__in=missing).values_list("name", "pk"))
    return found


def _keywords_get(names: dict[int, str]) -> dict[int, int]:
    """Keyword pks by TMDB keyword id, found by id, else by name, else created."""
    found: dict[int, Keyword] = {}
    for k in Keyword.objects.filter(tmdb_id__in=list(names)):
        found[k.tmdb_id or 0] = k
    rest = {kid: name for kid, name in names.items() if kid not in found}
    by_name = {k.name: k for k in Keyword.objects.filter(name__in=set(rest.values()))}
    adopt, new = [], []
    for kid, name in rest.items():
        if (same := by_name.get(name)) is not None:
            if same.tmdb_id is None:
                same.tmdb_id = kid
                adopt.append(same)
            found[kid] = same
        else:
            keyword = Keyword(name=name, tmdb_id=kid)
            by_name[name] = keyword
            new.append(keyword)
            found[kid] = keyword
    _update(Keyword, adopt, ["tmdb_id"])
    Keyword.objects.bulk_create(new)
    renamed = []
    taken = set(Keyword.objects.filter(name__in=set(names.values())).values_list("name", flat=True))
    for kid, keyword in found.items():
        if keyword.tmdb_id == kid and keyword.name != names[kid] and names[kid] not in taken:
            keyword.name = names[kid]
            taken.add(keyword.name)
            renamed.append(keyword)
    _update(Keyword, renamed, ["name"])
    return {kid: keyword.pk for kid, keyword in found.items()}


# Availability ----------------------------------------------------------------------------------


def _availability_save(movies: list[_Movie], regions: frozenset[str] | None) -> set[int]:
    """Replace each movie's offers in the regions kept by what its file says now."""
    wanted: dict[int, dict[tuple[int, str, str], str]] = {}
    providers: dict[int, ProviderIn] = {}
    for mv in movies:
        if mv.data.watch_providers is None:
            continue
        offers: dict[tuple[int, str, str], str] = {}
        for code, region in mv.data.watch_providers.results.items():
            code = _region(code)
            if not code or (regions is not None and code not in regions):
                continue
            link = _cut(region.link, 500)
            for bucket, kind in AVAILABILITY_KINDS.items():
                for p in getattr(region, bucket):
                    offers[p.provider_id, code, kind] = link if link.startswith("http") else ""
                    known = providers.get(p.provider_id)
                    if known is None or (p.display_priority or 0) < (known.display_priority or 0):
                        providers[p.provider_id] = p
        wanted[mv.title.pk] = offers
    if not wanted:
        return set()
    pks = _providers_get(providers)
    current: dict[tuple[int, int, str, str], tuple[int, str]] = {
        (t, p or 0, r, k): (pk, link)
        for pk, t, p, r, k, link in Availability.objects.filter(
            title_id__in=list(wanted)
        ).values_list("pk", "title_id", "provider__tmdb_id", "region", "kind", "link")
    }
    gone: list[int] = []
    relinked: list[Availability] = []
    new: list[Availability] = []
    changed: set[int] = set()
    now = timezone.now()
    for (title_pk, tmdb_provider, code, offer_kind), (pk, link) in current.items():
        if regions is not None and code not in regions:
            continue
        want = wanted[title_pk].get((tmdb_provider, code, offer_kind))
        if want is None:
            gone.append(pk)
            changed.add(title_pk)
        elif want != link:
            relinked.append(Availability(pk=pk, link=want, updated_at=now))
            changed.add(title_pk)
    for title_pk, offers in wanted.items():
        for (tmdb_provider, code, offer_kind), link in offers.items():
            if (title_pk, tmdb_provider, code, offer_kind) not in current:
                new.append(
                    Availability(
                        title_id=title_pk,
                        provider_id=pks[tmdb_provider],
                        region=code,
                        kind=offer_kind,
                        link=link,
                    )
                )
                changed.add(title_pk)
    _delete(Availability.objects.filter(pk__in=gone))
    _update(Availability, relinked, ["link", "updated_at"])
    Availability.objects.bulk_create(new)
    return changed


def _providers_get(wanted: dict[int, ProviderIn]) -> dict[int, int]:
    """Provider pks by TMDB provider id: found by id, else adopted by name, else created."""
    if not wanted:
        return {}
    found: dict[int, Provider] = {}
    for known in Provider.objects.filter(tmdb_id__in=list(wanted)):
        found[known.tmdb_id or 0] = known
    names = {_cut(p.provider_name, 100) for p in wanted.values()}
    by_name = {p.name: p for p in Provider.objects.filter(name__in=names)}
    slugs = set(
        Provider.objects.filter(slug__in={slugify(n) for n in names}).values_list("slug", flat=True)
    )
    updated: list[Provider] = []
    new: list[Provider] = []
    for tmdb_id, data in sorted(wanted.items()):
        name = _cut(data.provider_name, 100) or f"Provider {tmdb_id}"
        logo = _image(data.logo_path, LOGO_SIZE)
        rank = min(max(data.display_priority or 0, 0), INT_MAX)
        provider = found.get(tmdb_id)
        if provider is None and (same := by_name.get(name)) is not None:
            if same.tmdb_id is None:
                provider = same
                provider.tmdb_id = tmdb_id
                updated.append(provider)
            else:
                name = f"{name[:90]} ({tmdb_id})"
        if provider is None:
            slug = slugify(name)[:100]
            if slug in slugs:
                slug = f"{slug[:88]}-tmdb-{tmdb_id}"
            slugs.add(slug)
            provider = Provider(
                name=name, slug=slug, tmdb_id=tmdb_id, logo_url=logo, display_priority=rank
            )
            by_name[name] = provider
            new.append(provider)
        elif (logo and provider.logo_url != logo) or provider.display_priority != rank:
            provider.logo_url = logo or provider.logo_url
            provider.display_priority = rank
            if provider not in updated:
                updated.append(provider)
        found[tmdb_id] = provider
    Provider.objects.bulk_create(new)
    if updated:
        _update(Provider, updated, ["tmdb_id", "logo_url", "display_priority"])
        title_documents_invalidate(
            Availability.objects.filter(provider__in=updated).values_list("title_id", flat=True)
        )
    return {tmdb_id: p.pk for tmdb_id, p in found.items()}


# Credits ---------------------------------------------------------------------------------------

_CreditRow = tuple[int, str, str, int, str, str]


def _credits_save(movies: list[_Movie], stats: ImportStats) -> set[int]:
    """Replace each title's TMDB credits when they differ from the file's."""
    with_credits = [mv for mv in movies if mv.data.credits is not None]
    if not with_credits:
        return set()
    people: dict[int, PersonIn] = {}
    for mv in with_credits:
        assert mv.data.credits is not None  # noqa: S101 - filtered above, for mypy
        for p in [*mv.data.credits.cast, *mv.data.credits.crew]:
            if _cut(p.name, 300) or _cut(p.original_name, 300):
                people.setdefault(p.id, p)
    person_pks = _people_get(people)
    wanted: dict[int, list[_CreditRow]] = {}
    for mv in with_credits:
        credits = mv.data.credits
        assert credits is not None  # noqa: S101
        rows: list[_CreditRow] = []
        for i, c in enumerate(credits.cast):
            if c.id not in person_pks:
                stats.notes["credits without a name: skipped"] += 1
                continue
            order = c.order if c.order is not None and 0 <= c.order <= INT_MAX else i
            rows.append((person_pks[c.id], Credit.Kind.CAST, _cut(c.character, 500), order, "", ""))
        for i, crew in enumerate(credits.crew):
            if crew.id not in person_pks:
                stats.notes["credits without a name: skipped"] += 1
                continue
            rows.append(
                (
                    person_pks[crew.id],
                    Credit.Kind.CREW,
                    "",
                    i,
                    _cut(crew.department, 64),
                    _cut(crew.job, 200),
                )
            )
        wanted[mv.title.pk] = rows
    current: dict[int, list[_CreditRow]] = defaultdict(list)
    for t, *row in (
        Credit.objects.filter(title_id__in=list(wanted), source=SOURCE)
        .order_by("id")
        .values_list("title_id", "person_id", "kind", "character", "order", "department", "job")
    ):
        current[t].append(tuple(row))  # type: ignore[arg-type]
    changed = {pk for pk, rows in wanted.items() if rows != current.get(pk, [])}
    if changed:
        _delete(Credit.objects.filter(title_id__in=changed, source=SOURCE))
        rows_insert(
            Credit,
            ["title_id", "person_id", "kind", "character", "order", "department", "job", "source"],
            [(pk, *row, SOURCE) for pk in sorted(changed) for row in wanted[pk]],
        )
    return changed


def _person_fields(p: PersonIn) -> dict[str, Any]:
    return {
        "name": _cut(p.name, 300) or _cut(p.original_name, 300),
        "photo_url": _image(p.profile_path, PROFILE_SIZE),
        "known_for": _cut(p.known_for_department, 32),
        "popularity": _popularity(p.popularity),
    }


def _people_get(people: dict[int, PersonIn]) -> dict[int, int]:
    """Person pks by TMDB person id; people are created, or updated by the merge rules."""
    found: dict[int, Person] = {}
    for known in Person.objects.filter(tmdb_id__in=list(people)):
        found[known.tmdb_id or 0] = known
    updated: list[Person] = []
    shown_changed: dict[int, bool] = {}
    fields: set[str] = set()
    new: list[Person] = []
    for tmdb_id, data in people.items():
        incoming = _person_fields(data)
        person = found.get(tmdb_id)
        if person is None:
            values, sources = fields_merge({}, {}, incoming, SOURCE)
            person = Person(
                tmdb_id=tmdb_id, slug=slugify(values["name"]), field_sources=sources, **values
            )
            new.append(person)
            found[tmdb_id] = person
            continue
        current = {f: getattr(person, f) for f in incoming}
        changes, sources = fields_merge(current, person.field_sources or {}, incoming, SOURCE)
        if changes or sources != person.field_sources:
            shown_changed[person.pk] = bool({"name", "photo_url"} & set(changes))
            for name, value in changes.items():
                setattr(person, name, value)
            if "name" in changes:
                person.slug = slugify(person.name)
            person.field_sources = sources
            fields |= {*changes, "field_sources", "slug"}
            updated.append(person)
    _insert(Person, new)
    if new:
        created = Person.objects.filter(tmdb_id__in=[p.tmdb_id for p in new])
        for person_tmdb_id, person_pk in created.values_list("tmdb_id", "pk"):
            if person_pk is not None:
                found[person_tmdb_id or 0].pk = person_pk
    _update(Person, updated, fields)
    # Title pages show a person's name and photo; their popularity and department they don't.
    shown = [p.pk for p in updated if shown_changed.get(p.pk)]
    if shown:
        title_documents_invalidate(
            Credit.objects.filter(person__in=shown).values_list("title_id", flat=True)
        )
    return {tmdb_id: p.pk for tmdb_id, p in found.items()}


# Reviews ---------------------------------------------------------------------------------------


def _reviews_save(movies: list[_Movie], stats: ImportStats) -> set[int]:
    """Add and update each movie's TMDB reviews; drop those gone when the file has them all."""
    wanted: dict[str, tuple[int, str, str, float | None, dt.datetime]] = {}
    complete: set[int] = set()
    for mv in movies:
        reviews = mv.data.reviews
        if reviews is None:
            continue
        if (reviews.total_pages or 0) <= 1:
            complete.add(mv.title.pk)
        for r in reviews.results:
            details = r.author_details or AuthorIn()
            author = (
                _cut(details.name, 150)
                or _cut(r.author, 150)
                or _cut(details.username, 150)
                or "TMDB user"
            )
            created = _aware(r.created_at or r.updated_at)
            text = _cut(r.content)
            external_id = _cut(r.id, 64)
            if not text or created is None or not external_id:
                stats.notes["reviews without text or date: skipped"] += 1
                continue
            rating = details.rating
            if rating is not None and not (math.isfinite(rating) and 0 <= rating <= 10):
                rating = None
            wanted[external_id] = (mv.title.pk, author, text, rating, created)
    if not wanted and not complete:
        return set()
    current = {
        r.external_id: r
        for r in Review.objects.filter(source=Review.Source.TMDB).filter(
            Q(external_id__in=list(wanted)) | Q(title_id__in=complete)
        )
    }
    changed: set[int] = set()
    new: list[Review] = []
    updated: list[Review] = []
    for external_id, (title_pk, author, text, rating, created) in wanted.items():
        review = current.get(external_id)
        values = {
            "title_id": title_pk,
            "author_name": author,
            "text": text,
            "rating": rating,
            "created_at": created,
        }
        if review is None:
            new.append(
                Review(
                    source=Review.Source.TMDB,
                    external_id=external_id,
                    status=Review.Status.PUBLISHED,
                    **values,
                )
            )
            changed.add(title_pk)
        elif any(getattr(review, k) != v for k, v in values.items()):
            changed |= {title_pk, review.title_id}
            for k, v in values.items():
                setattr(review, k, v)
            updated.append(review)
    gone = [r for eid, r in current.items() if eid not in wanted and r.title_id in complete]
    changed |= {r.title_id for r in gone}
    _delete(Review.objects.filter(pk__in=[r.pk for r in gone]))
    if updated:
        _update(
            Review,
            updated,
            ["title_id", "author_name", "text", "rating", "created_at", "updated_at"],
        )
    Review.objects.bulk_create(new)
    return changed


# Similar and recommended lists -----------------------------------------------------------------


def _relations_save(movies: list[_Movie], stats: ImportStats) -> set[int]:
    """Replace each movie's TMDB similar and recommended lists, adding stubs for new titles."""
    wanted: dict[tuple[int, str], list[int]] = {}
    items: dict[int, ListItemIn] = {}
    for mv in movies:
        for key, kind in LIST_KINDS.items():
            listed = getattr(mv.data, key)
            if listed is None:
                continue
            ids: list[int] = []
            for item in listed.results:
                if item.media_type not in (None, "movie"):
                    stats.notes[f"{item.media_type} items in lists: skipped"] += 1
                    continue
                if item.id != mv.data.id and item.id not in ids:
                    ids.append(item.id)
                    items.setdefault(item.id, item)
            wanted[mv.title.pk, kind] = ids
    if not wanted:
        return set()
    by_tmdb = dict(Title.objects.filter(tmdb_id__in=list(items)).values_list("tmdb_id", "pk"))
    stubs = [
        stub
        for tmdb_id, item in items.items()
        if tmdb_id not in by_tmdb and (stub := _stub_title(item)) is not None
    ]
    if stubs:
        _insert(Title, stubs)
        created = Title.objects.filter(tmdb_id__in=[stub.tmdb_id for stub in stubs])
        by_tmdb.update(created.values_list("tmdb_id", "pk"))
        _note(stats, "stub titles created from similar and recommended lists", len(stubs))
    current: dict[tuple[int, str], list[int]] = defaultdict(list)
    for source, list_kind, target in (
        TitleRelation.objects.filter(
            source_id__in={pk for pk, _ in wanted}, origin=TitleRelation.Origin.TMDB
        )
        .order_by("rank", "id")
        .values_list("source_id", "kind", "target_id")
    ):
        current[source, list_kind].append(target)
    changed: set[int] = set()
    stale: list[tuple[int, str]] = []
    new: list[tuple[int, int, str, str, int]] = []
    for (source, list_kind), ids in wanted.items():
        targets = list(dict.fromkeys(t for i in ids if (t := by_tmdb.get(i)) and t != source))
        if targets == current.get((source, list_kind), []):
            continue
        changed.add(source)
        stale.append((source, list_kind))
        new += [
            (source, target, list_kind, TitleRelation.Origin.TMDB, min(rank, SMALLINT_MAX))
            for rank, target in enumerate(targets)
        ]
    if stale:
        condition = Q()
        for source, list_kind in stale:
            condition |= Q(source_id=source, kind=list_kind)
        _delete(TitleRelation.objects.filter(condition, origin=TitleRelation.Origin.TMDB))
    rows_insert(TitleRelation, ["source_id", "target_id", "kind", "origin", "rank"], new)
    return changed


def _stub_title(item: ListItemIn) -> Title | None:
    name = _cut(item.title, 500) or _cut(item.original_title, 500)
    if not name:
        return None
    release = _date(item.release_date)
    rating, votes, rating_source = _rating(item.vote_average, item.vote_count)
    incoming = {
        "title": name,
        "original_title": _cut(item.original_title, 500) or name,
        "original_language": _cut(item.original_language, 8),
        "release_date": release,
        "year": release.year if release else None,
        "synopsis": _cut(item.overview),
        "poster_url": _image(item.poster_path, POSTER_SIZE),
        "backdrop_url": _image(item.backdrop_path, BACKDROP_SIZE),
        "is_adult": bool(item.adult),
        "popularity": _popularity(item.popularity),
        "rating": rating,
        "rating_votes": votes,
        "rating_source": rating_source,
    }
    values, sources = fields_merge({}, {}, incoming, SOURCE)
    return Title(
        kind=Title.Kind.MOVIE,
        tmdb_id=item.id,
        slug=slugify(name),
        match_key=title_match_key(name, values.get("year")),
        field_sources=sources,
        **values,
    )


# Writing exports -------------------------------------------------------------------------------


def export_write(batch: list[ExportLine], stats: ImportStats) -> None:
    lines: dict[int, ExportLine] = {}
    for line in batch:
        if line.kind == "tv_series" or line.kind not in (*MOVIE_EXPORTS, "person"):
            stats.notes[f"{line.kind} lines: skipped"] += 1
        else:
            lines[line.id] = line
    if not lines:
        return
    kind = next(iter(lines.values())).kind
    if kind == "person":
        _people_popularity(lines, stats)
        return
    now = timezone.now()
    updated: list[Title] = []
    for pk, tmdb_id, popularity, sources in Title.objects.filter(
        tmdb_id__in=list(lines)
    ).values_list("pk", "tmdb_id", "popularity", "field_sources"):
        line = lines.pop(tmdb_id or 0)
        if priority("popularity", SOURCE) < priority("popularity", sources.get("popularity")):
            continue
        if popularity != line.popularity or sources.get("popularity") != SOURCE:
            sources["popularity"] = SOURCE
            updated.append(
                Title(pk=pk, popularity=line.popularity, field_sources=sources, updated_at=now)
            )
    # Popularity orders lists and search, but no page document shows it: nothing to invalidate.
    _update(Title, updated, ["popularity", "field_sources", "updated_at"])
    new = [
        Title(
            kind=Title.Kind.MOVIE,
            tmdb_id=line.id,
            title=line.name,
            original_title=line.name,
            slug=slugify(line.name),
            match_key=title_match_key(line.name, None),
            popularity=line.popularity,
            is_adult=line.is_adult,
            field_sources=dict.fromkeys(("title", "original_title", "popularity"), SOURCE),
        )
        for line in lines.values()
    ]
    _insert(Title, new)
    _note(stats, "stub titles created", len(new))
    _note(stats, "popularity updated", len(updated))
    stats.written += len(new) + len(updated)


def _people_popularity(lines: dict[int, ExportLine], stats: ImportStats) -> None:
    known = list(
        Person.objects.filter(tmdb_id__in=list(lines)).values_list("pk", "tmdb_id", "popularity")
    )
    updated = [
        Person(pk=pk, popularity=lines[tmdb_id or 0].popularity)
        for pk, tmdb_id, popularity in known
        if popularity != lines[tmdb_id or 0].popularity
    ]
    _update(Person, updated, ["popularity"])
    _note(stats, "people's popularity updated", len(updated))
    _note(stats, "people not in the catalog: skipped", len(lines) - len(known))
    stats.written += len(updated)

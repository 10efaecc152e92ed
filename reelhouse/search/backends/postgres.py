"""PostgreSQL: a tsvector with a GIN index over folded names, pg_trgm over the vocabulary."""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from reelhouse.search.backends.base import (
    ROW_COLUMNS,
    Alternatives,
    Row,
    exact_rows,
    keys_near,
    kind_codes,
    match_expression,
    query_keys,
    vocabulary_keys,
)
from reelhouse.search.documents import KINDS, POPULARITY_SHIFT, Document
from reelhouse.search.text import TYPO_2_FROM

EXTENSIONS = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
# GIN indexes without `fastupdate`: with it, inserts queue in a pending list that every query
# scans sequentially until a vacuum merges it. After a rebuild's 100,000 vocabulary upserts that
# list held 18,000 entries, the planner priced the trigram index above a sequential scan, and each
# typo lookup took 20-25 ms instead of 0.2 ms (docs/SEARCH.md, "PostgreSQL plans").
INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS search_document_object ON search_document (kind, object_id)",
    "CREATE INDEX IF NOT EXISTS search_document_tsv ON search_document USING gin (tsv) "
    "WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS search_name_document ON search_name (document_id)",
    "CREATE INDEX IF NOT EXISTS search_vocabulary_trgm ON search_vocabulary "
    "USING gin (word gin_trgm_ops) WITH (fastupdate = off)",
]
# The popular tiers' partial indexes, search_document_tsv_t0 … (see bulk_end and match), and
# the single tier's index of earlier versions.
TIER_INDEX = "search_document_tsv_t{n}"
TIER_INDEXES_MAX = 12
BULK_DROPPED = [
    "search_document_tsv_top",
    *(TIER_INDEX.format(n=n) for n in range(TIER_INDEXES_MAX)),
    "search_document_object",
    "search_document_tsv",
    "search_name_document",
    "search_vocabulary_trgm",
]
# A search reads a few hundred rows: parallel workers only cost their start-up (the planner
# sent two to scan a tier), and a Parallel Append would run a match's tiers all at once.
SERIAL_SCANS = "ALTER TABLE search_document SET (parallel_workers = 0)"
SCHEMA = [
    # Names arrive folded (text.fold), so the 'simple' configuration (no stemming, no stop
    # words) indexes exactly the words SQLite's FTS5 table indexes.
    """CREATE TABLE IF NOT EXISTS search_document (
        id bigint PRIMARY KEY, kind smallint NOT NULL, object_id bigint NOT NULL,
        name text NOT NULL, slug text NOT NULL, year integer, names text NOT NULL,
        popularity real NOT NULL,
        tsv tsvector GENERATED ALWAYS AS
            (to_tsvector('simple', names || ' ' || coalesce(year::text, ''))) STORED)""",
    SERIAL_SCANS,
    """CREATE TABLE IF NOT EXISTS search_name (
        name text NOT NULL, document_id bigint NOT NULL, PRIMARY KEY (name, document_id))""",
    # Code point order, whatever the database's collation: prefixes are read as key ranges.
    """CREATE TABLE IF NOT EXISTS search_vocabulary (
        word text COLLATE "C" PRIMARY KEY, n integer NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS search_vocabulary_key (
        key text NOT NULL, word text NOT NULL, PRIMARY KEY (key, word))""",
    # The ids that bound the popular tiers (see match), one row each; none on a small index.
    "CREATE TABLE IF NOT EXISTS search_tier (id_below bigint NOT NULL)",
    *INDEXES,
]
TABLES = [
    "search_name",
    "search_document",
    "search_vocabulary_key",
    "search_vocabulary",
    "search_tier",
]
# Popular tiers: the best-known TIER_FIRST documents, then TIER_GROWTH times as many, and so on
# while the index holds more, each get a GIN index of their own, so a common word's best-known
# matches come from a small bitmap and a rare word's from a few small ones (see match).
TIER_FIRST = 10_000
TIER_GROWTH = 4
# "Any of the words" looks in this many tiers only: the best-known documents are enough for it.
ANY_TIERS = 2
# How a prefix next to other words is matched (see match): up to PREFIX_CHECKED_UP_TO letters it
# is checked on their rows; a longer one as the vocabulary says costs less, its completions
# counted up to PREFIX_COUNTED words, a row read and checked costing about as much as ROW_COST
# entries of a posting list (15 ms for 10,000 rows checked, 22 ms to gather 100,000 entries).
# Its length alone does not say: "ananfe" completes to two words, one in 4% of the titles.
PREFIX_CHECKED_UP_TO = 2
PREFIX_COUNTED = 2_000
ROW_COST = 10
# The tier bounds a process reuses for this many seconds (see _tiers).
TIERS_KEPT = 60.0


def _term(term: str, is_prefix: bool) -> str:
    # Terms are folded words (letters and digits only): quoting keeps tsquery's syntax out.
    return f"'{term}':*" if is_prefix else f"'{term}'"


def tsquery_expression(groups: Sequence[Alternatives], *, spare: int = 0) -> str:
    return match_expression(groups, spare, _term, both=" & ", either=" | ")


def tier_bounds(size: int) -> list[int]:
    """The ranks (offsets in id order) at which the tiers of an index of `size` documents end."""
    bounds: list[int] = []
    rank = TIER_FIRST
    while rank < size and len(bounds) < TIER_INDEXES_MAX:
        bounds.append(rank)
        rank *= TIER_GROWTH
    return bounds


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


# (database alias, name) -> (when read, tier bounds): see PostgresBackend._tiers.
_tiers_read: dict[tuple[str, str], tuple[float, list[int]]] = {}


def _database() -> tuple[str, str]:
    return (connection.alias, str(connection.settings_dict["NAME"]))


def _tier_conditions(bounds: Sequence[int], column: str = "d.id") -> list[str]:
    """SQL ("AND …") keeping each tier's documents, the last tier open; [""] when there are none.

    A tier is a range of popularity buckets, the id's top bits, not of ids: no B-tree answers
    `id >> 40`, so the planner reads a tier through its partial GIN index. Bounded on the id
    itself, it walked the primary key through the tier's range instead, checking every row
    (18 ms for a 40,000-document tier, where the bitmap took 2).
    """
    # Our own integers, inlined: a partial index serves only a query whose predicate is literal.
    edges: list[int | None] = [None, *(b >> POPULARITY_SHIFT for b in bounds), None]
    bucket = f"({column} >> {POPULARITY_SHIFT})"
    conditions = []
    for low, high in itertools.pairwise(edges):
        condition = "" if low is None else f" AND {bucket} >= {low}"
        conditions.append(condition + ("" if high is None else f" AND {bucket} < {high}"))
    return conditions


class PostgresBackend:
    vendor = "postgresql"

    def __init__(self) -> None:
        # Read once per backend, which the engine makes once per search.
        self._rarer: dict[tuple[str, tuple[tuple[tuple[str, bool], ...], ...]], bool] = {}

    def schema_create(self) -> None:
        with connection.cursor() as cursor:
            for statement in [*EXTENSIONS, *SCHEMA]:
                cursor.execute(statement)

    def schema_drop(self) -> None:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(TABLES)}")
        _tiers_read.pop(_database(), None)

    def vocabulary_clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE search_vocabulary_key, search_vocabulary")

    def bulk_begin(self) -> None:
        """Before loading an empty index: its secondary indexes are built once at the end."""
        with connection.cursor() as cursor:
            for name in BULK_DROPPED:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")

    def bulk_end(self) -> None:
        with connection.cursor() as cursor:
            # Lay the table out in id order, which is popularity order: a tier's rows then sit
            # on a few neighbouring pages instead of one page each all over the heap (the
            # bitmap heap scans of a common word read 3,600 pages for 4,000 rows at a million
            # documents). Only the primary key exists at this point, so only it is rebuilt.
            cursor.execute("CLUSTER search_document USING search_document_pkey")
            cursor.execute(SERIAL_SCANS)
            for statement in INDEXES:
                cursor.execute(statement)
            cursor.execute("DELETE FROM search_tier")
            cursor.execute("SELECT count(*) FROM search_document")
            bounds: list[int] = []
            for rank in tier_bounds(int(cursor.fetchone()[0])):
                cursor.execute(
                    "SELECT id FROM search_document ORDER BY id OFFSET %s LIMIT 1", [rank]
                )
                # A tier ends where a popularity bucket starts (see _tier_conditions): the
                # bucket holding that rank goes to the next tier, and a bucket too big to
                # split leaves a tier out.
                bound = int(cursor.fetchone()[0]) >> POPULARITY_SHIFT << POPULARITY_SHIFT
                if bound not in bounds:
                    bounds.append(bound)
            cursor.execute("SELECT min(id) FROM search_document")
            first = cursor.fetchone()[0]
            bounds = [b for b in bounds if first is not None and b > first]
            _tiers_read[_database()] = (time.monotonic(), bounds)
            for n, condition in enumerate(_tier_conditions(bounds, "id")[:-1]):
                cursor.execute("INSERT INTO search_tier (id_below) VALUES (%s)", [bounds[n]])
                # The bounds are our own integers: a partial index's predicate must be literal.
                cursor.execute(
                    f"CREATE INDEX {TIER_INDEX.format(n=n)} ON search_document USING gin (tsv) "
                    f"WITH (fastupdate = off) WHERE {condition.removeprefix(' AND ')}"
                )
            for table in TABLES:
                cursor.execute(f"ANALYZE {table}")

    def documents_write(self, documents: Sequence[Document], *, fresh: bool = False) -> None:
        if not documents:
            return
        if not fresh:
            by_kind: dict[str, list[int]] = {}
            for doc in documents:
                by_kind.setdefault(doc.kind, []).append(doc.object_id)
            for kind, ids in by_kind.items():
                self.documents_delete(kind, ids)
        _copy(
            "search_document",
            ["id", "kind", "object_id", "name", "slug", "year", "names", "popularity"],
            (
                (d.id, KINDS[d.kind], d.object_id, d.name, d.slug, d.year, d.text, d.popularity)
                for d in documents
            ),
        )
        _copy(
            "search_name", ["name", "document_id"], ((n, d.id) for d in documents for n in d.names)
        )

    def documents_delete(self, kind: str, object_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH gone AS (DELETE FROM search_document WHERE kind = %s AND object_id = ANY(%s) "
                "RETURNING id) DELETE FROM search_name WHERE document_id IN (SELECT id FROM gone)",
                [KINDS[kind], list(object_ids)],
            )

    def vocabulary_add(self, counts: Counter[str]) -> None:
        if not counts:
            return
        words, ns = zip(*counts.items(), strict=True)
        keys = vocabulary_keys(counts)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_vocabulary (word, n) "
                "SELECT * FROM unnest(%s::text[], %s::int[]) "
                "ON CONFLICT (word) DO UPDATE SET n = search_vocabulary.n + excluded.n",
                [list(words), list(ns)],
            )
            if keys:
                cursor.execute(
                    "INSERT INTO search_vocabulary_key (key, word) "
                    "SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT DO NOTHING",
                    [[k for k, _ in keys], [w for _, w in keys]],
                )

    def vocabulary_counts(self, words: Sequence[str]) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word, n FROM search_vocabulary WHERE word = ANY(%s)", [list(words)]
            )
            return {word: int(n) for word, n in cursor.fetchall()}

    def vocabulary_near(self, tokens: Sequence[str]) -> dict[str, list[str]]:
        keys = sorted({key for token in tokens for key in query_keys(token)})
        # Two substitutions escape the delete index (one-deletes of the vocabulary, two-deletes
        # of the query); trigrams catch most of them, for words of TYPO_2_FROM letters. Shorter
        # words have a budget of one edit, which the delete index covers exactly. `%` uses
        # pg_trgm.similarity_threshold (0.3 by default) and the GIN trigram index. One
        # statement for every token: a search makes a few, each a round trip.
        long = [token for token in tokens if len(token) >= TYPO_2_FROM]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT false, key, word FROM search_vocabulary_key WHERE key = ANY(%s) "
                "UNION ALL SELECT true, t.token, x.word FROM unnest(%s::text[]) AS t(token) "
                "CROSS JOIN LATERAL (SELECT word FROM search_vocabulary "
                "WHERE word %% t.token ORDER BY word <-> t.token LIMIT 20) x",
                [keys, long],
            )
            rows = cursor.fetchall()
        near = keys_near(tokens, [(key, word) for is_trigram, key, word in rows if not is_trigram])
        for is_trigram, token, word in rows:
            if is_trigram:
                near[token] = sorted({*near[token], word})
        return near

    def match(
        self,
        groups: Sequence[Alternatives],
        kinds: Sequence[str],
        limit: int,
        *,
        spare: int = 0,
    ) -> list[Row]:
        if not groups:
            return []
        with connection.cursor() as cursor:
            cursor.execute(*self._match_query(groups, kinds, limit, spare=spare))
            # Tiers are disjoint ranges of ids, in order: the rows are in id order already.
            return [Row(*row) for row in cursor.fetchall()]

    def _match_query(
        self, groups: Sequence[Alternatives], kinds: Sequence[str], limit: int, *, spare: int = 0
    ) -> tuple[str, list[Any]]:
        last = groups[-1]
        if spare == 0 and len(groups) > 1 and len(last) == 1 and last[0][1]:
            # GIN matches a prefix by gathering the posting lists of every word it completes
            # to, however rare the other words: "mosumi ana" took 22 ms at a million titles
            # for the "ana…" lists. When the other words are that much rarer than the prefix,
            # their rows are read instead and the prefix is checked on them.
            prefix, rest = last[0][0], groups[:-1]
            # A prefix of a letter or two is always common, and so is a year's.
            is_common = len(prefix) <= PREFIX_CHECKED_UP_TO or prefix.isdigit()
            if is_common or self._is_rarer(rest, prefix):
                return self._tiers_query(rest, kinds, limit, spare=0, checked=prefix)
        return self._tiers_query(groups, kinds, limit, spare=spare)

    def _is_rarer(self, groups: Sequence[Alternatives], prefix: str) -> bool:
        """Whether reading the rows of the rarest group costs less than gathering the prefix's
        posting lists (by the vocabulary's counts)."""
        key = (prefix, tuple(tuple(g) for g in groups))
        if key not in self._rarer:
            words = sorted({term for group in groups for term, _ in group})
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT word, n FROM search_vocabulary WHERE word = ANY(%s) UNION ALL "
                    "SELECT NULL, coalesce(sum(n), 0) FROM (SELECT n FROM search_vocabulary "
                    "WHERE word >= %s AND word < %s LIMIT %s) p",
                    [words, prefix, prefix + "\U0010ffff", PREFIX_COUNTED],
                )
                counts = dict(cursor.fetchall())
            completions = counts.pop(None)
            # A prefix term among the groups (a typo'd last word) counts as common.
            rarest = min(
                sum(math.inf if p else counts.get(t, 0) for t, p in group) for group in groups
            )
            self._rarer[key] = rarest * ROW_COST < completions
        return self._rarer[key]

    def _tiers_query(
        self,
        groups: Sequence[Alternatives],
        kinds: Sequence[str],
        limit: int,
        *,
        spare: int,
        checked: str = "",
    ) -> tuple[str, list[Any]]:
        is_any = bool(spare) and spare >= len(groups) - 1
        conditions = _tier_conditions(self._tiers(fresh=is_any))
        if is_any:
            # "Any of the words" is the last resort of a query that matched nothing whole: the
            # best-known documents are enough for it, and the OR of a few corrected words can
            # cover tens of thousands of the rest.
            conditions = conditions[:ANY_TIERS]
        # GIN answers in no order: a word in 13,000 of a million titles meant a 13,000-row
        # bitmap sorted for the first 500 (45 ms), or the planner's alternative, the primary key
        # in popularity order with the match checked row by row (44-130 ms when the matches
        # were further down). So each tier is asked in turn, most popular first, each through
        # its own partial index and sorted ("id + 0" keeps the planner off the primary key
        # walk); the Append runs a tier only while the ones before it gave fewer than `limit`.
        # A common word stops in the first tier; a rare one reads a few small bitmaps.
        # `ts_match_vq` is `@@` as a function, which no index answers: a checked prefix is
        # tested on the rows the other words' bitmap finds.
        check = " AND ts_match_vq(d.tsv, to_tsquery('simple', %s))" if checked else ""
        one = (
            f"(SELECT {ROW_COLUMNS} FROM search_document d "  # noqa: S608
            f"WHERE d.tsv @@ to_tsquery('simple', %s){check} AND d.kind = ANY(%s){{tier}} "
            "ORDER BY d.id + 0 LIMIT %s)"
        )
        sql = " UNION ALL ".join(one.format(tier=c) for c in conditions)
        params: list[Any] = [tsquery_expression(groups, spare=spare)]
        if checked:
            params.append(_term(checked, True))
        params += [kind_codes(kinds), limit]
        return f"SELECT * FROM ({sql}) m LIMIT %s", params * len(conditions) + [limit]  # noqa: S608

    def _tiers(self, *, fresh: bool = False) -> list[int]:
        """The tier bounds, as this process last read them within TIERS_KEPT seconds.

        Saved a statement per search. Bounds a rebuild has moved since only make a match
        slower (its conditions no longer name the partial indexes), never different: the tiers
        are still consecutive ranges covering every id, asked in order. Only "any of the
        words", which looks at the first tiers alone, asks for `fresh` ones.
        """
        key = _database()
        kept = _tiers_read.get(key)
        if fresh or kept is None or time.monotonic() - kept[0] > TIERS_KEPT:
            with connection.cursor() as cursor:
                cursor.execute("SELECT id_below FROM search_tier ORDER BY id_below")
                kept = _tiers_read[key] = (time.monotonic(), [int(r[0]) for r in cursor.fetchall()])
        return kept[1]

    def exact(self, names: Sequence[str], kinds: Sequence[str], limit: int) -> list[Row]:
        return exact_rows(names, kinds, limit)

    def rows_for(self, kind: str, object_ids: Sequence[int]) -> list[Row]:
        if not object_ids:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {ROW_COLUMNS} FROM search_document d "  # noqa: S608
                "WHERE d.kind = %s AND d.object_id = ANY(%s)",
                [KINDS[kind], list(object_ids)],
            )
            return [Row(*row) for row in cursor.fetchall()]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_document")
            return int(cursor.fetchone()[0])

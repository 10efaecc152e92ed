"""PostgreSQL: a tsvector with a GIN index over folded names, pg_trgm over the vocabulary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from reelhouse.search.backends.base import (
    ROW_COLUMNS,
    Alternatives,
    Row,
    exact_rows,
    kind_codes,
    query_keys,
    vocabulary_keys,
)
from reelhouse.search.documents import KINDS, Document
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
BULK_DROPPED = [
    "search_document_tsv_top",
    "search_document_object",
    "search_document_tsv",
    "search_name_document",
    "search_vocabulary_trgm",
]
SCHEMA = [
    # Names arrive folded (text.fold), so the 'simple' configuration (no stemming, no stop
    # words) indexes exactly the words SQLite's FTS5 table indexes.
    """CREATE TABLE IF NOT EXISTS search_document (
        id bigint PRIMARY KEY, kind smallint NOT NULL, object_id bigint NOT NULL,
        name text NOT NULL, slug text NOT NULL, year integer, names text NOT NULL,
        popularity real NOT NULL,
        tsv tsvector GENERATED ALWAYS AS
            (to_tsvector('simple', names || ' ' || coalesce(year::text, ''))) STORED)""",
    """CREATE TABLE IF NOT EXISTS search_name (
        name text NOT NULL, document_id bigint NOT NULL, PRIMARY KEY (name, document_id))""",
    """CREATE TABLE IF NOT EXISTS search_vocabulary (
        word text PRIMARY KEY, n integer NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS search_vocabulary_key (
        key text NOT NULL, word text NOT NULL, PRIMARY KEY (key, word))""",
    # The id below which documents are in the popular tier (see match); none on a small index.
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
# The popular tier: the best-known 5% of documents, at least this many, get a GIN index of
# their own, so a common word's best-known matches come from a small bitmap (see match).
TIER_SHARE = 20
TIER_MIN = 20_000


def _term(term: str, is_prefix: bool) -> str:
    # Terms are folded words (letters and digits only): quoting keeps tsquery's syntax out.
    return f"'{term}':*" if is_prefix else f"'{term}'"


def tsquery_expression(groups: Sequence[Alternatives], *, every: bool) -> str:
    parts = ["(" + " | ".join(_term(t, p) for t, p in group) + ")" for group in groups]
    return (" & " if every else " | ").join(parts)


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _has_prefixes(row: Row, prefixes: Sequence[str]) -> bool:
    words = [*row.names.split(), str(row.year or "")]
    return all(any(w.startswith(p) for w in words) for p in prefixes)


class PostgresBackend:
    vendor = "postgresql"

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
            for statement in INDEXES:
                cursor.execute(statement)
            cursor.execute("DELETE FROM search_tier")
            cursor.execute("SELECT count(*) FROM search_document")
            size = cursor.fetchone()[0]
            if size > TIER_MIN:
                cursor.execute(
                    "SELECT id FROM search_document ORDER BY id OFFSET %s LIMIT 1",
                    [max(TIER_MIN, size // TIER_SHARE)],
                )
                below = int(cursor.fetchone()[0])
                cursor.execute("INSERT INTO search_tier (id_below) VALUES (%s)", [below])
                # The bound is our own integer: a partial index's predicate must be literal.
                cursor.execute(
                    "CREATE INDEX search_document_tsv_top ON search_document USING gin (tsv) "
                    f"WITH (fastupdate = off) WHERE id < {below}"
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

    def vocabulary_known(self, tokens: Sequence[str]) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word FROM search_vocabulary WHERE word = ANY(%s)", [list(tokens)]
            )
            return {row[0] for row in cursor.fetchall()}

    def vocabulary_near(self, token: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT word FROM search_vocabulary_key WHERE key = ANY(%s)",
                [query_keys(token)],
            )
            near = {row[0] for row in cursor.fetchall()}
            if len(token) >= TYPO_2_FROM:
                # Two substitutions escape the delete index (one-deletes of the vocabulary,
                # two-deletes of the query); trigrams catch most of them. Shorter words have a
                # budget of one edit, which the delete index covers exactly. `%` uses
                # pg_trgm.similarity_threshold (0.3 by default) and the GIN trigram index.
                cursor.execute(
                    "SELECT word FROM search_vocabulary WHERE word %% %s "
                    "ORDER BY word <-> %s LIMIT 20",
                    [token, token],
                )
                near.update(row[0] for row in cursor.fetchall())
            return sorted(near)

    def match(
        self,
        groups: Sequence[Alternatives],
        kinds: Sequence[str],
        limit: int,
        *,
        every: bool = True,
    ) -> list[Row]:
        if not groups:
            return []
        # A prefix of one or two letters next to other words ("inmifene an") made GIN gather
        # every word starting with it (30 ms at a million titles): it is checked on the rows the
        # other words find instead, from a few times as many of them.
        short = [g[0][0] for g in groups if len(g) == 1 and g[0][1] and len(g[0][0]) <= 2]
        rest = [g for g in groups if not (len(g) == 1 and g[0][1] and len(g[0][0]) <= 2)]
        if every and short and rest:
            rows = self._match(rest, kinds, limit * 4, every=True)
            return [row for row in rows if _has_prefixes(row, short)][:limit]
        return self._match(groups, kinds, limit, every=every)

    def _match(
        self, groups: Sequence[Alternatives], kinds: Sequence[str], limit: int, *, every: bool
    ) -> list[Row]:
        query = (
            f"SELECT {ROW_COLUMNS} FROM search_document d "  # noqa: S608
            "WHERE d.tsv @@ to_tsquery('simple', %s) AND d.kind = ANY(%s){tier} "
            "ORDER BY d.id LIMIT %s"
        )
        params: list[Any] = [tsquery_expression(groups, every=every), kind_codes(kinds), limit]
        with connection.cursor() as cursor:
            # GIN answers in no order: a word in 13,000 of a million titles meant a 13,000-row
            # bitmap sorted for the first 500 (45 ms), or the planner's alternative, the
            # primary key in popularity order with the match checked row by row (44-100 ms).
            # The popular tier's own index usually holds enough of a common word's matches; a
            # rare word finds fewer there, and then the whole index is small work for it too.
            cursor.execute("SELECT id_below FROM search_tier")
            tier = cursor.fetchone()
            if tier is not None:
                cursor.execute(query.format(tier=f" AND d.id < {int(tier[0])}"), params)
                rows = cursor.fetchall()
                if len(rows) >= limit or not every:
                    # "Any of the words" is the last resort of a query that matched nothing
                    # whole: the best-known documents are enough for it, and the OR of a few
                    # corrected words can cover tens of thousands of the rest.
                    return [Row(*row) for row in rows]
            cursor.execute(query.format(tier=""), params)
            return [Row(*row) for row in cursor.fetchall()]

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

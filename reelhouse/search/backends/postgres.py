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
    kind_codes,
    query_keys,
    vocabulary_keys,
)
from reelhouse.search.documents import KINDS, Document

EXTENSIONS = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS search_document_object ON search_document (kind, object_id)",
    "CREATE INDEX IF NOT EXISTS search_document_tsv ON search_document USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS search_name_document ON search_name (document_id)",
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
    "CREATE INDEX IF NOT EXISTS search_vocabulary_trgm ON search_vocabulary "
    "USING gin (word gin_trgm_ops)",
    """CREATE TABLE IF NOT EXISTS search_vocabulary_key (
        key text NOT NULL, word text NOT NULL, PRIMARY KEY (key, word))""",
    *INDEXES,
]
TABLES = ["search_name", "search_document", "search_vocabulary_key", "search_vocabulary"]
# Below this trigram similarity a vocabulary word is not worth checking as a typo.
TRIGRAM_FLOOR = 0.3


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

    def bulk_begin(self) -> None:
        """Before loading an empty index: its secondary indexes are built once at the end."""
        with connection.cursor() as cursor:
            for name in ["search_document_object", "search_document_tsv", "search_name_document"]:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")

    def bulk_end(self) -> None:
        with connection.cursor() as cursor:
            for statement in INDEXES:
                cursor.execute(statement)
            cursor.execute("ANALYZE search_document")
            cursor.execute("ANALYZE search_name")

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
            if len(token) >= 6:
                # Two substitutions escape the delete index; trigrams catch most of them.
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
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {ROW_COLUMNS} FROM search_document d "  # noqa: S608
                "WHERE d.tsv @@ to_tsquery('simple', %s) AND d.kind = ANY(%s) "
                "ORDER BY d.id LIMIT %s",
                [tsquery_expression(groups, every=every), kind_codes(kinds), limit],
            )
            return [Row(*row) for row in cursor.fetchall()]

    def exact(self, names: Sequence[str], kinds: Sequence[str], limit: int) -> list[Row]:
        names = [n for n in names if n]
        if not names:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {ROW_COLUMNS} FROM search_name n "  # noqa: S608
                "JOIN search_document d ON d.id = n.document_id "
                "WHERE n.name = ANY(%s) AND d.kind = ANY(%s) ORDER BY d.id LIMIT %s",
                [names, kind_codes(kinds), limit],
            )
            return [Row(*row) for row in cursor.fetchall()]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_document")
            return int(cursor.fetchone()[0])

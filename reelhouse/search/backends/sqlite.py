"""SQLite: FTS5 over folded names, with a symmetric-delete vocabulary for typos."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

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

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS search_document (
        id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, object_id INTEGER NOT NULL,
        name TEXT NOT NULL, slug TEXT NOT NULL, year INTEGER, names TEXT NOT NULL,
        popularity REAL NOT NULL)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS search_document_object ON search_document (kind, object_id)",
    """CREATE TABLE IF NOT EXISTS search_name (
        name TEXT NOT NULL, document_id INTEGER NOT NULL, PRIMARY KEY (name, document_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS search_name_document ON search_name (document_id)",
    # Names arrive folded (text.fold); `tags` holds the year and a kind tag ("_k0") that no
    # typed query can produce, since folding turns "_" into a space.
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        names, tags, tokenize = "unicode61 remove_diacritics 2 tokenchars '_'",
        prefix = '2 3 4', detail = none)""",
    """CREATE TABLE IF NOT EXISTS search_vocabulary (
        word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS search_vocabulary_key (
        key TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (key, word)) WITHOUT ROWID""",
]
TABLES = [
    "search_fts",
    "search_name",
    "search_document",
    "search_vocabulary_key",
    "search_vocabulary",
]


def _term(term: str, is_prefix: bool) -> str:
    # Terms are folded words (letters and digits only), so quoting them cannot break the syntax.
    return f'"{term}"*' if is_prefix else f'"{term}"'


def fts_expression(groups: Sequence[Alternatives], kinds: Sequence[str], *, every: bool) -> str:
    parts = ["(" + " OR ".join(_term(t, p) for t, p in group) + ")" for group in groups]
    expression = (" AND " if every else " OR ").join(parts)
    if len(kinds) < len(KINDS):
        tags = " OR ".join(f'"_k{code}"' for code in kind_codes(kinds))
        expression = f"({expression}) AND ({tags})"
    return expression


class SqliteBackend:
    vendor = "sqlite"

    def schema_create(self) -> None:
        with connection.cursor() as cursor:
            for statement in SCHEMA:
                cursor.execute(statement)

    def schema_drop(self) -> None:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def clear(self) -> None:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names

    def bulk_begin(self) -> None:
        with connection.cursor() as cursor:
            # Merge segments once at the end rather than after every batch.
            cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)")

    def bulk_end(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4)")
            cursor.execute("ANALYZE search_document")

    def documents_write(self, documents: Sequence[Document], *, fresh: bool = False) -> None:
        if not documents:
            return
        if not fresh:
            by_kind: dict[str, list[int]] = {}
            for doc in documents:
                by_kind.setdefault(doc.kind, []).append(doc.object_id)
            for kind, ids in by_kind.items():
                self.documents_delete(kind, ids)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_document VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (d.id, KINDS[d.kind], d.object_id, d.name, d.slug, d.year, d.text, d.popularity)
                    for d in documents
                ],
            )
            cursor.executemany(
                "INSERT OR IGNORE INTO search_name VALUES (%s, %s)",
                [(name, d.id) for d in documents for name in d.names],
            )
            cursor.executemany(
                "INSERT INTO search_fts (rowid, names, tags) VALUES (%s, %s, %s)",
                [(d.id, " ".join(d.names), f"{d.year or ''} _k{KINDS[d.kind]}") for d in documents],
            )

    def documents_delete(self, kind: str, object_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(object_ids), 500):
                chunk = list(object_ids[start : start + 500])
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT id FROM search_document WHERE kind = %s AND object_id IN ({marks})",  # noqa: S608
                    [KINDS[kind], *chunk],
                )
                ids = [(row[0],) for row in cursor.fetchall()]
                cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", ids)
                cursor.executemany("DELETE FROM search_name WHERE document_id = %s", ids)
                cursor.executemany("DELETE FROM search_document WHERE id = %s", ids)

    def vocabulary_add(self, counts: Counter[str]) -> None:
        if not counts:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_vocabulary (word, n) VALUES (%s, %s) "
                "ON CONFLICT (word) DO UPDATE SET n = n + excluded.n",
                list(counts.items()),
            )
            cursor.executemany(
                "INSERT OR IGNORE INTO search_vocabulary_key (key, word) VALUES (%s, %s)",
                vocabulary_keys(counts),
            )

    def vocabulary_known(self, tokens: Sequence[str]) -> set[str]:
        if not tokens:
            return set()
        marks = ", ".join(["%s"] * len(tokens))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT word FROM search_vocabulary WHERE word IN ({marks})",  # noqa: S608
                list(tokens),
            )
            return {row[0] for row in cursor.fetchall()}

    def vocabulary_near(self, token: str) -> list[str]:
        keys = query_keys(token)
        marks = ", ".join(["%s"] * len(keys))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT word FROM search_vocabulary_key WHERE key IN ({marks})",  # noqa: S608
                keys,
            )
            return [row[0] for row in cursor.fetchall()]

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
                f"SELECT {ROW_COLUMNS} FROM (SELECT rowid FROM search_fts "  # noqa: S608
                "WHERE search_fts MATCH %s "
                "ORDER BY rowid LIMIT %s) f JOIN search_document d ON d.id = f.rowid ORDER BY d.id",
                [fts_expression(groups, kinds, every=every), limit],
            )
            return [Row(*row) for row in cursor.fetchall()]

    def exact(self, names: Sequence[str], kinds: Sequence[str], limit: int) -> list[Row]:
        names = [n for n in names if n]
        if not names:
            return []
        codes = kind_codes(kinds)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {ROW_COLUMNS} FROM search_name n "  # noqa: S608
                "JOIN search_document d ON d.id = n.document_id "
                f"WHERE n.name IN ({', '.join(['%s'] * len(names))}) "
                f"AND d.kind IN ({', '.join(['%s'] * len(codes))}) ORDER BY d.id LIMIT %s",
                [*names, *codes, limit],
            )
            return [Row(*row) for row in cursor.fetchall()]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_document")
            return int(cursor.fetchone()[0])

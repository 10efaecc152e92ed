"""SQLite: FTS5 over folded names, with a symmetric-delete vocabulary for typos."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db import connection

from reelhouse.search.backends.base import (
    ROW_COLUMNS,
    Alternatives,
    Row,
    exact_rows,
    keys_near,
    kind_condition,
    match_expression,
    query_keys,
    vocabulary_keys,
)
from reelhouse.search.documents import KINDS, Document

# Secondary indexes dropped for a rebuild and built once at its end (sorting beats inserting).
BULK_INDEXES = [
    (
        "search_document_object",
        "CREATE UNIQUE INDEX IF NOT EXISTS search_document_object "
        "ON search_document (kind, object_id)",
    ),
    (
        "search_name_document",
        "CREATE INDEX IF NOT EXISTS search_name_document ON search_name (document_id)",
    ),
]
BULK_CACHE_KIB = 256 * 1024
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


# FTS5 answers a prefix from its prefix indexes only up to this length; a longer prefix makes it
# merge the doclists of every matching term in memory first (17 ms for "ananda"* at 1 M titles),
# so it is spelled out as the indexed words it completes to when there are this few.
PREFIX_INDEXED = 4
COMPLETIONS = 48


def vocabulary_completions(prefix: str) -> list[str] | None:
    """The indexed words starting with `prefix`, or None when there are more than COMPLETIONS.

    Digits are not in the vocabulary: a year's prefix completes to nothing here.
    """
    with connection.cursor() as cursor:
        # The vocabulary's primary key is a B-tree on word: a range read.
        cursor.execute(
            "SELECT word FROM search_vocabulary WHERE word >= %s AND word < %s "
            "ORDER BY word LIMIT %s",
            [prefix, prefix + "\U0010ffff", COMPLETIONS + 1],
        )
        words = [row[0] for row in cursor.fetchall()]
    return None if len(words) > COMPLETIONS else words


def _term(term: str, is_prefix: bool) -> str:
    # Terms are folded words (letters and digits only), so quoting them cannot break the syntax.
    return f'"{term}"*' if is_prefix else f'"{term}"'


def fts_expression(groups: Sequence[Alternatives], *, spare: int = 0) -> str:
    return match_expression(groups, spare, _term, both=" AND ", either=" OR ")


class SqliteBackend:
    vendor = "sqlite"

    def __init__(self) -> None:
        # Prefix -> its completions (None: too many), read once per search (see _completed).
        self._completions: dict[str, list[str] | None] = {}

    def schema_create(self) -> None:
        with connection.cursor() as cursor:
            for statement in SCHEMA:
                cursor.execute(statement)

    def schema_drop(self) -> None:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def clear(self) -> None:
        # Dropping is instant where DELETE reads every row (4.7 s for FTS5 at 1 M titles).
        self.schema_drop()
        self.schema_create()

    def vocabulary_clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_vocabulary_key")
            cursor.execute("DELETE FROM search_vocabulary")

    def bulk_begin(self) -> None:
        with connection.cursor() as cursor:
            # Merge segments once at the end rather than after every batch.
            cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)")
            # Document ids follow popularity, not the load order, so the load writes all over
            # the table's B-tree: a page cache that holds it saves rereading pages.
            cursor.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            for name, _ in BULK_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")

    def bulk_end(self) -> None:
        with connection.cursor() as cursor:
            for _, statement in BULK_INDEXES:
                cursor.execute(statement)
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4)")
            cursor.execute("ANALYZE search_document")
            cursor.execute("PRAGMA cache_size = -2000")  # SQLite's default, 2 MiB

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

    def vocabulary_counts(self, words: Sequence[str]) -> dict[str, int]:
        if not words:
            return {}
        marks = ", ".join(["%s"] * len(words))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT word, n FROM search_vocabulary WHERE word IN ({marks})",  # noqa: S608
                list(words),
            )
            return {word: int(n) for word, n in cursor.fetchall()}

    def vocabulary_near(self, tokens: Sequence[str]) -> dict[str, list[str]]:
        keys = sorted({key for token in tokens for key in query_keys(token)})
        if not keys:
            return {token: [] for token in tokens}
        marks = ", ".join(["%s"] * len(keys))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT key, word FROM search_vocabulary_key WHERE key IN ({marks})",  # noqa: S608
                keys,
            )
            return keys_near(tokens, cursor.fetchall())

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
        groups = [self._completed(group) for group in groups]
        with connection.cursor() as cursor:
            cursor.execute(
                # The kind is read from the rowid's bits: the "_k0" tags ANDed into the match
                # made FTS5 merge a doclist as long as the index (7 ms at 1 M titles).
                f"SELECT {ROW_COLUMNS} FROM (SELECT rowid FROM search_fts "  # noqa: S608
                f"WHERE search_fts MATCH %s{kind_condition('rowid', kinds)} "
                "ORDER BY rowid LIMIT %s) f JOIN search_document d ON d.id = f.rowid ORDER BY d.id",
                [fts_expression(groups, spare=spare), limit],
            )
            return [Row(*row) for row in cursor.fetchall()]

    def _completed(self, group: Alternatives) -> Alternatives:
        """Prefixes longer than the prefix indexes become the words they complete to."""
        result: list[tuple[str, bool]] = []
        for term, is_prefix in group:
            if not is_prefix or len(term) <= PREFIX_INDEXED:
                result.append((term, is_prefix))
                continue
            if term not in self._completions:
                self._completions[term] = vocabulary_completions(term)
            words = self._completions[term]
            if not words:
                # None (digits are not in the vocabulary) or too many: FTS5 merges them itself.
                result.append((term, True))
            else:
                result.extend((word, False) for word in words)
        return result

    def exact(self, names: Sequence[str], kinds: Sequence[str], limit: int) -> list[Row]:
        return exact_rows(names, kinds, limit)

    def rows_for(self, kind: str, object_ids: Sequence[int]) -> list[Row]:
        if not object_ids:
            return []
        marks = ", ".join(["%s"] * len(object_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {ROW_COLUMNS} FROM search_document d "  # noqa: S608
                f"WHERE d.kind = %s AND d.object_id IN ({marks})",
                [KINDS[kind], *object_ids],
            )
            return [Row(*row) for row in cursor.fetchall()]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_document")
            return int(cursor.fetchone()[0])

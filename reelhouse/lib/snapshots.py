"""What a test fixture wrote, kept after its first run and copied back for the tests after.

The showcase fixture builds its data through the showcase loader itself: some 1,400 queries,
2-3 s on PostgreSQL, and most of the suite's test setups were paying them. `Snapshots.load`
runs a fixture's build the first time from a given state of the database, notes the tables it
changed and keeps their rows; from that same state later, it puts those rows back instead, with
one DELETE and one bulk insert per table. The state is a fingerprint of every table's content,
so a test that wrote something before the fixture ran gets a real build (and a snapshot of its
own for the next test that does the same).

Sequences are not part of a snapshot: rows come back with the ids the build gave them, and on
PostgreSQL a sequence found behind them is moved past them. A build that creates or drops a
table, or changes a table with triggers, is not kept: it runs every time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

Fingerprint = dict[str, tuple[int, str]]  # table -> (rows, digest of their content)


@dataclass
class _Taken:
    tables: dict[str, tuple[str, ...]]  # each changed table's columns, as written back
    rows: dict[str, Any]  # PostgreSQL: COPY text; SQLite: tuples
    sequences: list[tuple[str, str, str]]  # PostgreSQL: (table, column, sequence)


class Snapshots:
    def __init__(self) -> None:
        self._taken: dict[tuple[str, str, str], _Taken | None] = {}

    def load(self, key: str, build: Callable[[], object]) -> bool:
        """Run `build`, or put back what it wrote from this same state; True when put back."""
        before = fingerprint()
        slot = (
            f"{connection.vendor}:{connection.settings_dict['NAME']}",
            key,
            _digest(repr(sorted(before.items()))),
        )
        taken = self._taken.get(slot)
        if taken is not None:
            _restore(taken)
            return True
        build()
        if slot not in self._taken:  # else seen before, and not restorable
            self._taken[slot] = _take(before, fingerprint())
        return False


def fingerprint() -> Fingerprint:
    """Every table's row count and a digest of its rows (SQLite's own tables aside)."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = _postgres_tables(cursor)
            if not tables:
                return {}
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, count(*), md5(coalesce(string_agg(t::text, E'\\n' "  # noqa: S608
                    f"ORDER BY t::text), '')) FROM {q(table)} t"
                    for table in tables
                ),
                tables,
            )
            return {table: (int(count), digest) for table, count, digest in cursor.fetchall()}
        found: Fingerprint = {}
        for table in _sqlite_tables(cursor):
            columns = ", ".join(q(c) for c in _columns(cursor, table))
            cursor.execute(f"SELECT {columns} FROM {q(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            found[table] = (len(rows), _digest("\n".join(rows)))
        return found


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _postgres_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )
    return [row[0] for row in cursor.fetchall()]


def _sqlite_tables(cursor: Any) -> list[str]:
    # A virtual table (FTS5) is read and written through itself, never through its shadow
    # tables: FTS5 keeps the structure of its index in memory after a transaction that only
    # read it, so shadow rows written and rolled back behind its back left it writing into
    # pages that were not there ("database disk image is malformed"). sqlite_sequence follows
    # the ids written.
    cursor.execute(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' "
        "AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite%%' ORDER BY name"
    )
    return [row[0] for row in cursor.fetchall()]


def _take(before: Fingerprint, after: Fingerprint) -> _Taken | None:
    if before.keys() != after.keys():
        return None
    changed = [table for table in after if after[table] != before[table]]
    q = connection.ops.quote_name
    taken = _Taken(tables={}, rows={}, sequences=[])
    with connection.cursor() as cursor:
        if _has_triggers(cursor, changed):
            return None
        for table in changed:
            columns = _columns(cursor, table)
            taken.tables[table] = columns
            names = ", ".join(q(c) for c in columns)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(
                    f"COPY (SELECT {names} FROM {q(table)}) TO STDOUT"  # noqa: S608
                ) as copy:
                    taken.rows[table] = b"".join(bytes(block) for block in copy)
                for column in columns:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [q(table), column])
                    if (sequence := cursor.fetchone()[0]) is not None:
                        taken.sequences.append((table, column, sequence))
            else:
                cursor.execute(f"SELECT {names} FROM {q(table)}")  # noqa: S608
                taken.rows[table] = cursor.fetchall()
    return taken


def _has_triggers(cursor: Any, tables: list[str]) -> bool:
    if not tables:
        return False
    marks = ", ".join(["%s"] * len(tables))
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "  # noqa: S608
            f"AND tgrelid::regclass::text IN ({marks})",
            tables,
        )
    else:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "  # noqa: S608
            f"AND tbl_name IN ({marks})",
            tables,
        )
    return bool(cursor.fetchone()[0])


def _columns(cursor: Any, table: str) -> tuple[str, ...]:
    if connection.vendor == "postgresql":
        # A generated column is computed again from the others.
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = %s AND is_generated = 'NEVER' "
            "ORDER BY ordinal_position",
            [table],
        )
        return tuple(row[0] for row in cursor.fetchall())
    # A virtual table's rowid is not among its columns (an ordinary table's is, if it has one).
    cursor.execute("SELECT type FROM pragma_table_list WHERE name = %s", [table])
    rowid = ("rowid",) if cursor.fetchone()[0] == "virtual" else ()
    cursor.execute("SELECT name FROM pragma_table_info(%s) ORDER BY cid", [table])
    return rowid + tuple(row[0] for row in cursor.fetchall())


def _restore(taken: _Taken) -> None:
    q = connection.ops.quote_name
    # One transaction, as the build's: foreign keys are checked when it commits, and a test
    # outside a transaction (a live server's) sees all of it or nothing.
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns in taken.tables.items():
            names = ", ".join(q(c) for c in columns)
            cursor.execute(f"DELETE FROM {q(table)}")  # noqa: S608
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {q(table)} ({names}) FROM STDIN") as copy:
                    copy.write(taken.rows[table])
            elif taken.rows[table]:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {q(table)} ({names}) VALUES ({marks})",  # noqa: S608
                    taken.rows[table],
                )
        for table, column, sequence in taken.sequences:
            # Sequences never go back; one reset (TRUNCATE ... RESTART IDENTITY) would.
            cursor.execute(
                f"SELECT setval(%s, m) FROM (SELECT max({q(column)}) AS m "  # noqa: S608
                f"FROM {q(table)}) AS t WHERE m > (SELECT last_value FROM {sequence})",
                [sequence],
            )

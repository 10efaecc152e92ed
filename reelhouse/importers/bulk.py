"""Fast writes for importers: one code path, SQLite's executemany or PostgreSQL's COPY."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection, models, transaction

from reelhouse.importers.models import SetAside

logger = logging.getLogger(__name__)


# rows_update on PostgreSQL: from this many rows a batch, its staged rows are counted (ANALYZE)
# before the UPDATE joins them to the table.
STAGED_ANALYZE_ROWS = 1_000
# UPDATE ... FROM came with SQLite 3.33 (2020); before it, rows_update runs one UPDATE per row.
SQLITE_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33)
# The most values one SQLite statement may bind (its limit before 3.32; 32,766 since).
SQLITE_MAX_VARIABLES = 999


def rows_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert rows (tuples in `columns` order) as fast as the database allows.

    `constants` are columns with one value for every row (a batch's timestamps, blanks).
    PostgreSQL takes the rows through COPY. SQLite takes as many rows per statement as its
    limit on bound values allows, and each constant once per statement: with a statement per
    row, the statements' own work was a third of the time.
    """
    if not rows:
        return
    constants = constants or {}
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    quoted = ", ".join(q(c) for c in (*columns, *constants))
    extra = tuple(constants.values())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with (
                connection.wrap_database_errors,
                raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row((*row, *extra) if extra else row)
            return
        sqlite_rows_insert(
            f"INSERT INTO {table} ({quoted}) SELECT {{columns}} FROM (VALUES {{values}})",  # noqa: S608
            rows,
            constants=extra,
        )


def sqlite_rows_insert(
    template: str, rows: Sequence[Sequence[Any]], *, constants: Sequence[Any] = ()
) -> None:
    """SQLite: `template` run for as many rows at a time as SQLite binds values.

    In `template`, `{values}` stands for the rows (`VALUES {values}`: their columns are
    column1, column2...) and `{columns}` for those columns followed by a mark for each
    constant. It runs on the sqlite3 connection itself, with `?` marks: Django's rewriting of
    `%s` in so long a statement, at every call, cost a fifth of the insert.
    """
    if not rows:
        return
    width = len(rows[0])
    per = max(1, (SQLITE_MAX_VARIABLES - len(constants)) // width)
    picked = ", ".join([*(f"column{i}" for i in range(1, width + 1)), *["?"] * len(constants)])

    def statement(count: int) -> str:
        values = ", ".join(["(" + ", ".join(["?"] * width) + ")"] * count)
        return template.format(columns=picked, values=values)

    full = statement(per)
    connection.ensure_connection()
    with connection.wrap_database_errors:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            connection.connection.execute(
                full if len(chunk) == per else statement(len(chunk)),
                [*constants, *(value for row in chunk for value in row)],
            )


def rows_update(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    key: str = "id",
) -> None:
    """UPDATE ... SET columns WHERE key = ... for each row: (column values..., key value).

    One statement for the whole batch, joined to a temporary table holding the rows (a row
    repeated for one key: the last wins). One UPDATE per row cost about 85 µs on SQLite,
    whose per-statement foreign key bookkeeping dominates, and a round trip on PostgreSQL.
    """
    if not rows:
        return
    rows = list({row[-1]: row for row in rows}.values())
    q = connection.ops.quote_name
    table = model._meta.db_table
    names = [q(c) for c in (*columns, key)]
    # One staging table per table and column list (a session may update several).
    shape = hashlib.sha1(" ".join(names).encode(), usedforsecurity=False).hexdigest()[:8]
    staged = q(f"import_update_{table}_{shape}")
    sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite" and not SQLITE_UPDATE_FROM:
            marks = ", ".join(f"{q(c)} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {q(table)} SET {marks} WHERE {q(key)} = %s",  # noqa: S608
                rows,
            )
            return
        # Typed like the table's own columns; emptied after use, kept for the connection.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staged} AS "  # noqa: S608
            f"SELECT {', '.join(names)} FROM {q(table)} WHERE 1 = 0"
        )
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {staged} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            if len(rows) >= STAGED_ANALYZE_ROWS:
                # Never analyzed, a temporary table is guessed from its size on disk: 20,000
                # staged titles passed for 67,000, and the planner hashed the whole title table
                # (1.2 M rows) for each batch, 2.4 s, where looking each row up by its key took
                # 0.5 s. Counting the key column's rows takes a few ms.
                cursor.execute(f"ANALYZE {staged} ({q(key)})")
        else:
            cursor.executemany(
                f"INSERT INTO {staged} VALUES ({', '.join(['%s'] * len(names))})",  # noqa: S608
                rows,
            )
        cursor.execute(
            f"UPDATE {q(table)} SET {sets} FROM {staged} AS s "  # noqa: S608
            f"WHERE {q(table)}.{q(key)} = s.{q(key)}"
        )
        empty = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
        cursor.execute(f"{empty} {staged}")


def any_of(column: str) -> str:
    """A condition: `column` is one of the values passed as one parameter, `any_values(...)`."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - names from code


def any_values(values: Iterable[str | int]) -> Any:
    items = list(values)
    return items if connection.vendor == "postgresql" else json.dumps(items)


def rows_select(sql: str, values: Iterable[str | int], *params: Any) -> list[tuple[Any, ...]]:
    items = list(values)
    if not items:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, any_values(items)])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def json_object(value: Any) -> dict[str, str]:
    """A JSON column's object as raw SQL returns it: text on SQLite, decoded on PostgreSQL."""
    if isinstance(value, str):
        loaded: dict[str, str] = json.loads(value)
        return loaded
    return dict(value or {})


def ids_allocate(model: type[models.Model], count: int) -> Sequence[int]:
    """Primary keys for `count` new rows, so that their genres and the like need no lookup.

    Both databases serialise writers here: on PostgreSQL the table lock below, on SQLite the
    write transaction (BEGIN IMMEDIATE), which holds the database's only write lock.
    """
    table = model._meta.db_table
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One run of values, taken in one step: inserts into the table wait for the lock
            # (they take the sequence's next value only once they hold theirs), so nobody can
            # take a value inside the run. Held to the end of the batch's transaction.
            cursor.execute(f"LOCK TABLE {q(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                "SELECT setval(seq, nextval(seq) + %s - 1) FROM "
                "(SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) AS s",
                [count, table],
            )
            last = int(cursor.fetchone()[0])
            return range(last - count + 1, last + 1)
        # AUTOINCREMENT never reuses an id, even a deleted one: start past both.
        cursor.execute(
            f"SELECT max(coalesce((SELECT max(id) FROM {q(table)}), 0), "  # noqa: S608
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
        return range(start, start + count)


# Pages SQLite's write-ahead log may hold before it is copied into the database (SQLite's default
# is 1,000: 4 MB). A load's batches touch many of the same index pages again; copying them once
# per 40 MB rather than once per 4 MB made title.principals a sixth faster.
BULK_WAL_PAGES = 10_000


@contextmanager
def bulk_session() -> Iterator[None]:
    """The connection's settings for the duration of a bulk load, put back after.

    SQLite checkpoints its write-ahead log less often. PostgreSQL commits without waiting for
    the log to reach the disk (synchronous_commit off): a crash of the machine may lose the
    last moments' batches, but never corrupts, and each batch commits with its checkpoint,
    so the rerun writes them again.
    """
    if connection.vendor == "sqlite":
        setting, value = "wal_autocheckpoint", str(BULK_WAL_PAGES)
        show, assign = "PRAGMA {}", "PRAGMA {} = {}"
    else:
        setting, value = "synchronous_commit", "off"
        show, assign = "SHOW {}", "SET {} = {}"
    with connection.cursor() as cursor:
        cursor.execute(show.format(setting))
        before = str(cursor.fetchone()[0])
        cursor.execute(assign.format(setting, value))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(assign.format(setting, before))


class Analyzer:
    """ANALYZE a table a bulk load is growing, each time its size doubles (PostgreSQL).

    Without it the planner still believes the table empty, or a tenth of its size, and the
    load's own lookups (which of these keys exist?) turn into sequential scans: quadratic.
    """

    def __init__(self, model: type[models.Model], *, first: int = 20_000) -> None:
        self.table = model._meta.db_table
        self.next_at = first
        self.rows = 0

    def grew(self, rows: int) -> None:
        self.rows += rows
        if self.rows < self.next_at:
            return
        self.next_at = 2 * self.rows
        if connection.vendor == "postgresql":  # SQLite's planner keeps no row counts
            _analyze(self.table)


def copy_text(model: type[models.Model], columns: Sequence[str], data: bytes) -> None:
    """PostgreSQL only: COPY rows already encoded in COPY's text format (tab-separated, `\\N`)."""
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    # The psycopg cursor under Django's wrapper; its errors still arrive as Django's own.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
    ):
        copy.write(data)


def _set_aside_candidates(table: str, *, indexes: bool, unique: bool) -> list[tuple[str, str, str]]:
    """(name, SQL that drops it, SQL that builds it) of what a bulk load can do without.

    Secondary indexes that are not unique (a unique one guards the load itself), and on
    PostgreSQL the table's foreign keys: checked row by row, at every commit (Django makes them
    deferred), they were most of the cost of loading a link table or the credits; added back,
    they check every row in one pass. With `unique`, on PostgreSQL, the primary key and unique
    constraints too, unless a foreign key points at them.
    """
    q = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if indexes:
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                    "AND NOT i.indisunique AND NOT i.indisprimary ORDER BY c.relname",
                    [table],
                )
                found += [(name, f"DROP INDEX {q(name)}", sql) for name, sql in cursor.fetchall()]
            # Unique ones (asked for, and with no foreign key pointing at them) before the keys.
            cursor.execute(
                "SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid = %s::regclass AND (c.contype = 'f' OR (%s "
                "AND c.contype IN ('p', 'u') AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
                "WHERE f.contype = 'f' AND f.conindid = c.conindid))) "
                "ORDER BY c.contype = 'f', c.contype, c.conname",
                [table, unique],
            )
            found += [
                (
                    name,
                    f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}",
                    f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}"
                    # A key is checked for new rows at once; the rows already there by VALIDATE
                    # after.
                    + (f" {NOT_VALID}" if kind == "f" else ""),
                )
                for name, kind, definition in cursor.fetchall()
            ]
        elif indexes:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                [table],
            )
            found += [(name, f"DROP INDEX {q(name)}", sql) for name, sql in cursor.fetchall()]
    return found


NOT_VALID = "NOT VALID"


@contextmanager
def set_aside(
    model: type[models.Model],
    *,
    when: bool,
    keys_only: bool = False,
    unique: bool = False,
    keep: Sequence[str] = (),
) -> Iterator[None]:
    """Load a table without its secondary indexes and foreign keys, and build them after.

    For bulk loads outside any transaction: indexes and keys into an empty table; keys only
    (`keys_only`) into one the load also reads, by those indexes; `keep` names indexes left in
    place (cheaper kept than built again: see their caller); with `unique`, on PostgreSQL, the
    primary key and unique constraints too, for a load that cannot repeat a row. What is
    dropped is recorded (SetAside) in the transaction that drops it; if the process dies before
    the rebuild, the next `set_aside_restore` (every import starts and ends with one) builds it
    again. On PostgreSQL the table is analyzed after (see set_aside_restore).

    SQLite's foreign keys are part of the table and cannot be dropped: the load's connection
    stops checking them (the others go on), and `PRAGMA foreign_key_check` goes over the table
    once at the end. On a 200,000-title set, checking them row by row cost title.crew and
    title.principals a tenth of their time, the final check included; that check reads the whole
    table, and at 7 M credits it took back what principals had gained.
    """
    keys_off = False
    table = model._meta.db_table
    dropped = []
    if when:
        with transaction.atomic(), connection.cursor() as cursor:
            for name, drop, create in _set_aside_candidates(
                table, indexes=not keys_only, unique=unique
            ):
                if name in keep:
                    continue
                SetAside.objects.create(table=table, name=name, sql=create)
                cursor.execute(drop)
                dropped.append(name)
        if connection.vendor == "sqlite":
            keys_off = _sqlite_foreign_keys(on=False)
    try:
        yield
    finally:
        if when:
            try:
                set_aside_restore()
            finally:
                if keys_off:  # a set_aside inside this one leaves them to this one
                    _sqlite_foreign_keys(on=True)
            if connection.vendor == "sqlite":
                _sqlite_foreign_keys_check(table)
            elif not dropped:
                # Nothing to build, so nothing analyzed the table after its load (the restore
                # that built what was dropped, maybe a set_aside's inside this one, did).
                _analyze(table)


@contextmanager
def sqlite_foreign_keys_unchecked() -> Iterator[None]:
    """SQLite: this connection leaves foreign keys unchecked during the block.

    For writers that check the keys they write themselves, once a batch, inside the batch's
    write transaction: SQLite's one write lock keeps the rows they found there until they
    commit. Outside transactions only; inside one the block checks keys as before.
    """
    unchecked = (
        connection.vendor == "sqlite"
        and not connection.in_atomic_block
        and _sqlite_foreign_keys(on=False)
    )
    try:
        yield
    finally:
        if unchecked:
            _sqlite_foreign_keys(on=True)


def _sqlite_foreign_keys(*, on: bool) -> bool:
    """Turn the connection's checking of foreign keys on or off; was it the other way?

    Outside transactions only: inside one, SQLite ignores the pragma.
    """
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        if bool(cursor.fetchone()[0]) == on:
            return False
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    return True


def _sqlite_foreign_keys_check(table: str) -> None:
    """Warn of rows of `table` whose foreign keys point at nothing, as PostgreSQL's VALIDATE.

    The load itself only writes keys it has looked up; such rows come from a row deleted by
    another connection while the load ran.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pragma_foreign_key_check(%s)", [table])
        broken = int(cursor.fetchone()[0])
    if broken:
        logger.warning(
            "%s: rows whose foreign keys point at rows deleted while the load ran: %d; "
            "PRAGMA foreign_key_check(%s) lists them: delete them",
            table,
            broken,
            table,
        )


def set_aside_restore() -> list[str]:
    """Build again everything a bulk load set aside; returns the names built.

    A foreign key comes back enforced at once, then validated over the rows already there
    without blocking writes to either table. Should a row break it (its title deleted while
    the load ran), the key stays enforced but unvalidated, and a warning says so.

    On PostgreSQL each table is analyzed after (the planner would still think it empty), and
    outside a transaction each table's are built on a connection of its own, side by side
    (a fifth faster for title.basics' two tables: docs/BENCHMARKS.md).
    """
    items = list(SetAside.objects.order_by("pk"))
    tables = [[i for i in items if i.table == t] for t in dict.fromkeys(i.table for i in items)]
    if connection.vendor == "postgresql" and len(tables) > 1 and not connection.in_atomic_block:
        with ThreadPoolExecutor(len(tables)) as pool:
            built = list(pool.map(_table_restore_apart, tables))
    else:
        built = [_table_restore(table) for table in tables]
    return [name for names in built for name in names]


def _table_restore_apart(items: list[SetAside]) -> list[str]:
    """`_table_restore` on this thread's own connection, closed after."""
    try:
        return _table_restore(items)
    finally:
        connection.close()


def _table_restore(items: list[SetAside]) -> list[str]:
    """Build again what was set aside of one table (`items`, in the order it was dropped)."""
    q = connection.ops.quote_name
    for item in items:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(item.sql)
            item.delete()
        if item.sql.endswith(NOT_VALID):
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f"ALTER TABLE {q(item.table)} VALIDATE CONSTRAINT {q(item.name)}"
                    )
            except IntegrityError as error:
                logger.warning(
                    "%s.%s is enforced for new rows but some existing rows break it (%s); "
                    "delete them, then run ALTER TABLE %s VALIDATE CONSTRAINT %s",
                    item.table,
                    item.name,
                    str(error).splitlines()[0],
                    item.table,
                    item.name,
                )
    if items and connection.vendor == "postgresql":
        _analyze(items[0].table)
    return [f"{item.table}.{item.name}" for item in items]


def _analyze(table: str) -> None:
    """PostgreSQL: count the table's rows and values again, for the planner."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

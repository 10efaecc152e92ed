"""One run of a long job at a time per database: a second import, build or rebuild is refused.

Two runs of the same job would each set aside and rebuild the same indexes, or write the same
rows twice, and the second would end in a constraint error. The lock is the database's own
where it can be, so it spans app servers and is let go when its process dies, however it dies:

- PostgreSQL: a session advisory lock, keyed by the job's name.
- SQLite: `flock` on a file beside the database file (`<database>-<job>.lock`, left in place
  after). An in-memory database belongs to one process and takes no lock.

A lock belongs to the thread that took it (as Django's connections do), and is reentrant: a
service that takes it, called by a command that took it already, holds it once.
"""

from __future__ import annotations

import fcntl
import os
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import IO

from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.backends.sqlite3.creation import DatabaseCreation

# The first key of our advisory locks ("Reel"), so as not to meet another program's.
ADVISORY_CLASS = 0x5265656C


class _Held(threading.local):
    def __init__(self) -> None:
        self.jobs: Counter[str] = Counter()


_held = _Held()


class JobBusyError(CommandError):
    """Another run of this job holds its lock. A CommandError, so every command that runs a job
    (or a service that takes one) reports it as a message and exit status 1, not a traceback."""

    def __init__(self, job: str, holder: str) -> None:
        self.job, self.holder = job, holder
        super().__init__(
            f"Another {job} job is running on this database ({holder}). Wait for it to "
            "finish, or stop it, and run this again: nothing was changed."
        )


@contextmanager
def job_lock(job: str) -> Iterator[None]:
    """Hold this job's lock for the block; JobBusyError at once if another
    process, or another thread on its own connection, has it."""
    held = _held.jobs
    with nullcontext() if held[job] else _database_lock(job):
        held[job] += 1
        try:
            yield
        finally:
            held[job] -= 1


@contextmanager
def _database_lock(job: str) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with _advisory_lock(job):
            yield
        return
    database = connection.settings_dict["NAME"]
    if DatabaseCreation.is_in_memory_db(database):  # the tests' database
        yield
    else:
        with file_lock(lock_path(database, job), job):
            yield


def _advisory_key(job: str) -> int:
    """A stable int4 (signed, as PostgreSQL's) for the job's name."""
    return int.from_bytes(zlib.crc32(job.encode()).to_bytes(4, "big"), "big", signed=True)


@contextmanager
def _advisory_lock(job: str) -> Iterator[None]:
    key = (ADVISORY_CLASS, _advisory_key(job))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        if not cursor.fetchone()[0]:
            cursor.execute(
                "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                "AND l.classid = (%s)::int4::oid AND l.objid = (%s)::int4::oid AND l.granted",
                key,
            )
            found = cursor.fetchone()
            raise JobBusyError(job, _session_holder(*found) if found else "its lock is held")
    try:
        yield
    finally:
        # A connection that has gone took the lock with it; one whose transaction failed keeps
        # it until the session ends (a command's, at once): the job's own error goes on up.
        if connection.connection is not None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            except DatabaseError:
                pass


def _session_holder(pid: int, client: object, since: datetime | None) -> str:
    where = f" from {client}" if client else " on the database's machine"
    when = f", connected since {since:%Y-%m-%d %H:%M:%S %Z}" if since else ""
    return f"PostgreSQL session {pid}{where}{when}"


def lock_path(database: str | Path, job: str) -> Path:
    """The lock file of this job beside this SQLite database file."""
    return Path(f"{database}-{job.replace(' ', '-')}.lock")


@contextmanager
def file_lock(path: Path, job: str) -> Iterator[None]:
    """`flock` this file for the block (the kernel lets go when the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobBusyError(job, _file_holder(file, path)) from None
        try:
            file.truncate(0)
            file.write(f"{os.getpid()} {datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z}\n")
            file.flush()
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def _file_holder(file: IO[str], path: Path) -> str:
    file.seek(0)
    pid, _, since = file.readline().strip().partition(" ")
    return f"process {pid}, since {since}; its lock: {path}" if pid else f"its lock: {path}"

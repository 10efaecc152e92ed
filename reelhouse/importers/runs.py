"""Resumable, idempotent imports of one file at a time.

`file_import` reads a file through `LineReader`, hands its rows to the source's `parse`
function, and writes them in batches with the source's `write` function. Each batch commits in
one transaction together with the file's `ImportCheckpoint`, so an import killed at any moment
(Ctrl-C, `kill -9`, a full disk) has written whole batches only, and its rerun resumes after
the last one. A file already imported to the end is skipped; a changed file (other size, date
or head) is imported again from the start, which changes only what differs.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Full
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils import timezone

from reelhouse.importers.bulk import bulk_session
from reelhouse.importers.files import ImportFileError, LineReader
from reelhouse.importers.models import ImportCheckpoint
from reelhouse.lib.progress import Progress

Row = TypeVar("Row")

BATCH_ROWS = 5_000
# A file may hold a few broken rows (the sources do); more than this share of them means the
# file is not what we think it is, and the import stops rather than half-load it.
BAD_ROW_SHARE = 0.01
BAD_ROW_FLOOR = 100
# Allocations between two young-generation collections during a bulk load (Python's default
# is 700). See `few_collections`.
BULK_GC_THRESHOLD = 100_000


class Skipped(int):
    """What a parser yields for a run of rows it reads and leaves out, all at once.

    Counted as that many rows read; nothing is written. A parser that leaves out most of a file
    (IMDb's episodes) saves a trip through the import's loop for each of them.
    """


@dataclass
class ImportStats:
    """What one file's import did; kept in its checkpoint and printed at the end."""

    rows: int = 0
    written: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    unresolved: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "written": self.written,
            "rejected": dict(self.rejected),
            "unresolved": dict(self.unresolved),
            "notes": dict(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportStats:
        return cls(
            rows=data.get("rows", 0),
            written=data.get("written", 0),
            rejected=Counter(data.get("rejected", {})),
            unresolved=Counter(data.get("unresolved", {})),
            notes=Counter(data.get("notes", {})),
        )

    def summary(self) -> str:
        parts = [f"{self.rows:,} rows read", f"{self.written:,} written"]
        for label, counter in (
            ("rejected", self.rejected),
            ("unresolved", self.unresolved),
            ("", self.notes),
        ):
            parts += [f"{n:,} {label + ' ' if label else ''}{why}" for why, n in counter.items()]
        return ", ".join(parts)


class RowChecker:
    """Counts rows a parser rejects and stops the import when there are too many."""

    def __init__(self, reader: LineReader, stats: ImportStats) -> None:
        self.reader = reader
        self.stats = stats

    def reject(self, reason: str) -> None:
        self.stats.rejected[reason] += 1
        bad = sum(self.stats.rejected.values())
        if bad > max(BAD_ROW_FLOOR, BAD_ROW_SHARE * self.reader.line):
            raise ImportFileError(
                self.reader.path,
                self.reader.line,
                f"{bad:,} malformed rows so far (the last: {reason}); stopping. "
                "Is this the right file, in the right format?",
            )


def file_signature(path: Path) -> str:
    stat = path.stat()
    with path.open("rb") as handle:
        head = hashlib.sha1(handle.read(1 << 20), usedforsecurity=False).hexdigest()[:16]
    return f"{stat.st_size}-{int(stat.st_mtime)}-{head}"


def header_check(path: Path, line: str, expected: Sequence[str], *, sep: str = "\t") -> list[str]:
    """The header's columns, when it has every expected column; else an ImportFileError."""
    columns = line.split(sep)
    missing = [c for c in expected if c not in columns]
    if missing:
        raise ImportFileError(
            path,
            1,
            f"unexpected header: missing {', '.join(missing)} "
            f"(expected the columns {sep.join(expected)!r}; got {line[:200]!r})",
        )
    return columns


@dataclass
class FileImport(Generic[Row]):
    source: str
    path: Path
    parse: Callable[[LineReader, RowChecker], Iterable[Row | Skipped]]
    write: Callable[[list[Row], ImportStats], None]
    label: str = ""
    batch_rows: int = BATCH_ROWS
    quiet: bool = False
    # Parse in a child process while this one writes: on 2 cores, the file's largest imports
    # are about twice as fast. `parse` must not touch the database.
    parse_ahead: bool = False


def checkpoint_open(source: str, name: str, signature: str) -> ImportCheckpoint:
    """The checkpoint of `name`, started over when its content (signature) changed."""
    checkpoint, _ = ImportCheckpoint.objects.get_or_create(
        source=source, name=name, defaults={"signature": signature}
    )
    if checkpoint.signature != signature:
        checkpoint.signature, checkpoint.rows_done, checkpoint.finished_at = signature, 0, None
        checkpoint.stats = {}
        checkpoint.save()
    return checkpoint


def file_import(job: FileImport[Row]) -> ImportStats:
    """Run one file's import to its end, resuming from its checkpoint. See the module doc."""
    path = job.path
    if not path.is_file():
        raise ImportFileError(path, None, "no such file")
    checkpoint = checkpoint_open(job.source, path.name, file_signature(path))
    if checkpoint.finished_at is not None:
        stats = ImportStats(rows=checkpoint.rows_done)
        stats.notes["file already imported and unchanged: nothing to do"] += 1
        return stats
    # Resuming: the counts of the batches already committed carry on. `stats` is what writing
    # counts; parsing counts on its own side (in a child process, maybe), merged at each commit.
    stats = ImportStats.from_dict(checkpoint.stats)
    progress = None if job.quiet else Progress(job.label or path.name, path.stat().st_size)
    parse = _parsed_ahead if job.parse_ahead else _parsed
    seen, parse_counts = checkpoint.rows_done, ImportStats()
    with few_collections(), bulk_session():
        for batch, seen, bytes_read, parse_counts in parse(job, checkpoint.rows_done):
            _commit(job, checkpoint, batch, seen, stats, parse_counts)
            if progress:
                progress.update(seen, bytes_read)
    _commit(job, checkpoint, [], seen, stats, parse_counts, finished=True)
    if progress:
        progress.finish()
    return _combined(stats, parse_counts)


@contextmanager
def few_collections() -> Iterator[None]:
    """Run a bulk load with the garbage collector mostly out of the way.

    A batch is thousands of fresh tuples that live until it is written; with Python's default
    thresholds the collector walks them over and over, and every full collection walks all of
    Django's objects too. That cost a quarter of an import's CPU time (title.basics). Objects
    alive now are frozen (never walked again), and young collections come every
    BULK_GC_THRESHOLD allocations, so cycles are still collected. A forked parser inherits both.
    """
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(BULK_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _combined(stats: ImportStats, parse_counts: ImportStats) -> ImportStats:
    total = ImportStats.from_dict(stats.as_dict())
    total.rejected.update(parse_counts.rejected)
    total.unresolved.update(parse_counts.unresolved)
    total.notes.update(parse_counts.notes)
    return total


Parsed = tuple[list[Row], int, int, ImportStats]


def _parsed(job: FileImport[Row], skip: int) -> Iterator[Parsed[Row]]:
    """Batches of parsed rows after the first `skip`: (rows, rows seen, bytes read, counts)."""
    counts = ImportStats()
    with LineReader(job.path) as reader:
        checker = RowChecker(reader, counts)
        batch: list[Row] = []
        seen = 0
        for row in job.parse(reader, checker):
            if isinstance(row, Skipped):
                seen += row
                if seen - row < skip <= seen:
                    # The checkpoint, as below: at the run's end, or inside it when an earlier
                    # version of the parser left these rows out one by one (then their count
                    # alone may come out low).
                    counts = checker.stats = ImportStats()
                continue
            seen += 1
            if seen <= skip:
                if seen == skip:
                    # Rows up to the checkpoint were committed, and counted, by an earlier run.
                    counts = checker.stats = ImportStats()
                continue
            batch.append(row)
            if len(batch) >= job.batch_rows:
                yield batch, seen, reader.bytes_read, ImportStats.from_dict(counts.as_dict())
                batch = []
        yield batch, seen, reader.bytes_read, counts


def _parsed_ahead(job: FileImport[Row], skip: int) -> Iterator[Parsed[Row]]:
    """`_parsed` run in a forked child process, its batches passed back through a queue."""
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue(maxsize=4)
    parent = os.getpid()
    child = context.Process(target=_parse_child, args=(job, skip, queue, parent), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"the parser of {job.path} died ({child.exitcode})"
                    ) from None
                continue
            if kind == "batch":
                yield payload
            elif kind == "error":
                raise ImportFileError(*payload)
            elif kind == "crash":
                raise RuntimeError(f"the parser of {job.path} failed:\n{payload}")
            else:
                return
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)


def _parse_child(job: FileImport[Row], skip: int, queue: Any, parent: int) -> None:
    # A forked child shares the parent's database connections: it must never use (or close)
    # them, so it only parses, and leaves through os._exit (multiprocessing's way) untouched.
    def send(message: tuple[str, Any]) -> None:
        while True:
            try:
                queue.put(message, timeout=1)
                return
            except Full:
                if os.getppid() != parent:  # the importer was killed: stop, don't linger
                    os._exit(1)

    try:
        for parsed in _parsed(job, skip):
            send(("batch", parsed))
        send(("end", None))
    except ImportFileError as error:
        send(("error", (error.path, error.line, error.message)))
    except BaseException:
        send(("crash", traceback.format_exc()))
    queue.close()
    queue.join_thread()


def _commit(
    job: FileImport[Row],
    checkpoint: ImportCheckpoint,
    batch: list[Row],
    seen: int,
    stats: ImportStats,
    parse_counts: ImportStats,
    *,
    finished: bool = False,
) -> None:
    with transaction.atomic():
        if batch:
            job.write(batch, stats)
        stats.rows = seen
        checkpoint.rows_done = seen
        checkpoint.stats = _combined(stats, parse_counts).as_dict()
        if finished:
            checkpoint.finished_at = timezone.now()
        checkpoint.save(update_fields=["rows_done", "stats", "finished_at", "updated_at"])


def chunks(items: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

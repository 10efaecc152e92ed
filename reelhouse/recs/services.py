"""Writes for recommendations: `recs_build` (the rails of every title) and `recs_evaluate`.

How a build works, per kind of rail ("similar", then "also_liked"):

1. Read the inputs (titles' facts; ratings) and fingerprint them. A finished build with the
   same fingerprint means nothing changed: the kind is skipped, and its model is not fitted.
2. Plan which titles to compute: all of them for "similar" (content neighbours are cheap) and
   for a first or `--full` "also_liked" build. Otherwise "also_liked" is incremental: the plan
   is the titles whose ratings changed (their digest differs from the stored one), the titles
   whose stored rail shows one of them, and titles never built. The model is always refitted on
   all ratings (it is global: seconds on the demo catalog); titles outside the plan keep their
   stored rails, which a small change in other titles' ratings would shift only slightly.
   `--full` recomputes every rail.
3. Compute the whole plan at once, as arrays: content neighbours once per distinct content
   vector, their reasons once per distinct pair of vectors, the learned neighbours in one
   product (see `RailMaker`). Deterministic, so a resumed build computes the same rails.
4. Write in batches. A batch writes only the rails that came out different from the stored
   ones (compared by digest), their titles' states, and the build's progress, all in one
   transaction, and forgets those titles' documents. A killed build resumes after its last
   whole batch, with the plan it stored. A large write sets the neighbour index aside and
   builds it again at the end (or at the start of the next build, if this one is killed).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from django.db import connection, transaction
from django.utils import timezone

from reelhouse.catalog.documents import title_documents_forget
from reelhouse.importers.bulk import (
    any_of,
    bulk_session,
    rows_insert,
    rows_select,
    rows_update,
    sqlite_foreign_keys_unchecked,
)
from reelhouse.lib.jobs import job_lock
from reelhouse.lib.progress import Progress
from reelhouse.recs.algorithms import FloatArray, IntArray, Model, fit_model, scale_choice
from reelhouse.recs.content import (
    GENRE_NOUNS,
    ContentModel,
    TitleFacts,
    content_model_fit,
    decade,
)
from reelhouse.recs.evaluation import (
    Result,
    candidates_default,
    protocol_run,
)
from reelhouse.recs.models import (
    RecBuild,
    RecEvaluation,
    RecNeighbour,
    RecReasons,
    RecTitleState,
)
from reelhouse.recs.selectors import (
    RatingMatrix,
    lower_ratings_get,
    rating_matrix_get,
    title_facts_list,
)

K = 20
# Titles written per transaction (and per resume checkpoint): 5,000 titles are 100,000 rows.
BATCH_TITLES = 5000
# A title needs this many positive ratings before its "also liked" rail trusts the model.
MIN_SUPPORT = 3
# Bump when the computation changes, so the next build recomputes everything.
BUILD_VERSION = "2"
# The model when no evaluation has been stored yet: the one that won it on the demo catalog
# (docs/BENCHMARKS.md, recs section).
DEFAULT_CHOICE: tuple[str, dict[str, Any]] = (
    "ease_ratings",
    {"lam": 400.0, "lower_weight": 0.25, "dropout": 0.25, "debias": 0.2, "exclude_rated": True},
)
# Models that also read the ratings below the positive threshold (algorithms.ease_ratings_fit).
LOWER_KINDS = frozenset({"ease_ratings"})
SEED = 42
# Writing more rows than this, a build drops the neighbour index and builds it again after:
# on SQLite 2.5 M rows took 24 s with it, 10.6 s without it plus its rebuild.
INDEX_ASIDE_ROWS = 200_000
NEIGHBOUR_INDEX = "rec_neighbour_of"
SQLITE_CACHE_KIB = 256 * 1024
# "Also liked" rails get their learned neighbours and co-like counts this many titles at a
# time: a chunk's co-occurrence rows are sparse, but a popular title's reach most of a catalog.
LEARNED_CHUNK = 1000
# Content reasons are computed for this many distinct pairs of vectors at a time.
REASON_CHUNK = 50_000

# Indices into RailMaker.model_names, stored as RecNeighbour.origin (the same numbers).
CONTENT, POPULAR, LEARNED = (
    RecNeighbour.Origin.CONTENT.value,
    RecNeighbour.Origin.POPULAR.value,
    RecNeighbour.Origin.LEARNED.value,
)
NEIGHBOUR_COLUMNS = ("title_id", "neighbour_id", "kind", "rank", "score", "reasons_id", "origin")
STATE_COLUMNS = ("title_id", "ratings_digest", "similar_digest", "also_liked_digest")

Float64Array = npt.NDArray[np.float64]


@dataclass
class KindReport:
    kind: str
    skipped: bool = False
    resumed_at: int = 0
    planned: int = 0
    written: int = 0
    model: str = ""
    seconds: float = 0.0
    # Whether it wrote over stored rails (so lists of reasons may have lost their last use).
    replaced: bool = False


@dataclass
class BuildReport:
    kinds: list[KindReport] = field(default_factory=list)

    def summary(self) -> str:
        lines = []
        for k in self.kinds:
            if k.skipped:
                lines.append(f"{k.kind}: inputs unchanged since the last build; nothing to do")
                continue
            resumed = f", resumed at batch {k.resumed_at}" if k.resumed_at else ""
            lines.append(
                f"{k.kind}: {k.planned:,} titles computed, {k.written:,} rails changed "
                f"({k.model}{resumed}) in {k.seconds:.1f}s"
            )
        return "\n".join(lines)


def _stable_int(raw: bytes) -> int:
    # 62 bits: fits a signed BigIntegerField on every database.
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") >> 2


def reasons_key(text: str) -> int:
    """The `RecReasons` id of a list of reasons, from its JSON text."""
    return _stable_int(text.encode())


def _fingerprint(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()


def _facts_key(f: TitleFacts) -> list[Any]:
    # Popularity is left out: it moves with every rating and only breaks ties.
    return [f.id, f.title, f.year, f.genres, f.keywords, f.people, f.certification, f.synopsis]


def model_choice_get() -> tuple[str, dict[str, Any]]:
    """The model the latest evaluation chose for "You may also like"; the default before one."""
    latest = RecEvaluation.objects.order_by("-created_at", "-id").first()
    if latest is None:
        return DEFAULT_CHOICE
    return latest.winner_kind, dict(latest.winner_params)


# --- Rails ---------------------------------------------------------------------------------


@dataclass
class Rails:
    """The rails of some titles as (titles x K) arrays, each row's entries from the left;
    `neighbours` is -1 where a rail has fewer than K."""

    title_ids: IntArray
    neighbours: IntArray  # title ids
    scores: Float64Array
    reasons: IntArray  # indices into RailMaker.texts (a JSON list of sentences)
    models: IntArray  # indices into RailMaker.model_names: CONTENT, POPULAR or LEARNED

    def entries(self, positions: IntArray) -> Iterator[tuple[int, int, int, float, int, int]]:
        """(title id, rank, neighbour id, score, reasons index, model index) of these rows."""
        nb = self.neighbours[positions]
        r, c = np.nonzero(nb >= 0)
        return zip(
            self.title_ids[positions][r].tolist(),
            c.tolist(),
            nb[r, c].tolist(),
            self.scores[positions][r, c].tolist(),
            self.reasons[positions][r, c].tolist(),
            self.models[positions][r, c].tolist(),
            strict=True,
        )


class RailMaker:
    """Computes both rails for rows of the catalog (rows = positions in `facts`)."""

    def __init__(
        self,
        facts: Sequence[TitleFacts],
        ratings: RatingMatrix,
        choice: tuple[str, dict[str, Any]],
        lower: sp.csr_matrix | None = None,
    ) -> None:
        self.facts = list(facts)
        self.ids = np.asarray([f.id for f in self.facts], np.int64)
        self.content: ContentModel = content_model_fit(self.facts)
        self.ratings = ratings
        self.choice = choice
        # Ratings below the threshold, shaped like ratings.matrix, for the models that read them.
        self.lower = lower
        self._model: Model | None = None
        x = ratings.matrix
        self.support = np.asarray(x.sum(axis=0)).ravel().astype(np.int64)
        self.xt = x.T.tocsr()
        self.x = x.tocsc()
        self._popular = self._popular_lists()
        # Reasons as JSON text, each list once, and their keys (RecReasons ids).
        self.texts: list[str] = []
        self.text_keys: list[int] = []
        self.key_texts: dict[int, str] = {}
        self._text_ids: dict[str, int] = {}
        self.model_names = ["content", "popular", ""]
        self._content: tuple[IntArray, FloatArray, IntArray] | None = None
        self._fitting: threading.Thread | None = None
        self._content_lock = threading.Lock()
        self._also_liked_all: Rails | None = None

    @property
    def model(self) -> Model:
        if self._fitting is not None:
            self._fitting.join()
            self._fitting = None
        if self._model is None:
            self._fit()
        assert self._model is not None  # noqa: S101 - set by _fit
        return self._model

    def _fit(self) -> None:
        kind, params = self.choice
        x = self.ratings.matrix
        # A catalog too large for the chosen dense model gets the sparse one (algorithms.py).
        liked = int(np.count_nonzero(self.support))
        kind, params = scale_choice(kind, params, items=liked)
        model = fit_model(kind, x, params, seed=SEED, lower=self.lower)
        self.model_names[LEARNED] = model.name[:40]
        self._model = model

    def also_liked_start(self) -> None:
        """Fit the model and compute every "also liked" rail in a thread while the caller
        writes the "similar" ones: numpy and SQLite release the GIL, so this costs little wall
        time. `also_liked` waits for it; an error in the thread is raised again there, by
        computing once more."""
        if self._model is None and self._fitting is None:
            self._fitting = threading.Thread(target=self._also_liked_quietly, daemon=True)
            self._fitting.start()

    def _also_liked_quietly(self) -> None:
        with suppress(Exception):
            self._fit()
            self._also_liked_all = self._also_liked(np.arange(len(self.facts), dtype=np.int64))

    @property
    def model_name(self) -> str:
        return self.model.name

    def text_id(self, reasons: list[str]) -> int:
        text = json.dumps(reasons, ensure_ascii=False)
        found = self._text_ids.get(text)
        if found is None:
            found = self._text_ids[text] = len(self.texts)
            self.texts.append(text)
            key = reasons_key(text)
            self.text_keys.append(key)
            self.key_texts[key] = text
        return found

    def content_all(self) -> tuple[IntArray, FloatArray, IntArray]:
        """Every title's content neighbours (rows, -1 for none), scores and reasons."""
        with self._content_lock:
            return self._content_all()

    def _content_all(self) -> tuple[IntArray, FloatArray, IntArray]:
        if self._content is None:
            groups = self.content.vector_groups()
            idx, values = self.content.neighbours_all(K, groups=groups)
            group, firsts = groups
            reasons = np.full(idx.shape, -1, np.int64)
            r, c = np.nonzero(idx >= 0)
            # A pair's reasons depend only on the two vectors: one computation per pair of them.
            pair = group[r] * len(firsts) + group[idx[r, c]]
            unique, inverse = np.unique(pair, return_inverse=True)
            ids = np.empty(len(unique), np.int64)
            for start in range(0, len(unique), REASON_CHUNK):
                chunk = unique[start : start + REASON_CHUNK]
                why = self.content.reasons_many(
                    firsts[chunk // len(firsts)], firsts[chunk % len(firsts)]
                )
                ids[start : start + len(chunk)] = [self.text_id(w) for w in why]
            reasons[r, c] = ids[inverse.ravel()]
            self._content = (idx, values, reasons)
        return self._content

    def similar(self, rows: IntArray) -> Rails:
        idx, values, reasons = self.content_all()
        mine = idx[rows]
        present = mine >= 0
        return Rails(
            title_ids=self.ids[rows],
            neighbours=np.where(present, self.ids[np.maximum(mine, 0)], -1),
            scores=np.asarray(values[rows], dtype=np.float64).round(6),
            reasons=reasons[rows],
            models=np.full(mine.shape, CONTENT, np.int64),
        )

    def also_liked(self, rows: IntArray) -> Rails:
        """Learned neighbours first for titles enough people liked; then content neighbours
        (score 0); then popular titles of the same era and genres, until K."""
        self.model  # noqa: B018 - waits for `also_liked_start`'s thread
        done = self._also_liked_all
        if done is None:
            return self._also_liked(rows)
        # Each rail depends on its title alone: the precomputed ones are the same.
        return Rails(
            title_ids=done.title_ids[rows],
            neighbours=done.neighbours[rows],
            scores=done.scores[rows],
            reasons=done.reasons[rows],
            models=done.models[rows],
        )

    def _also_liked(self, rows: IntArray) -> Rails:
        rails = self.similar(rows)
        rails.scores[:] = 0.0
        supported = self.support[rows] >= MIN_SUPPORT
        short = (rails.neighbours >= 0).sum(axis=1) < K
        redo = np.flatnonzero(supported | short)
        if len(redo) == 0:
            return rails
        learned: dict[int, tuple[list[int], list[float], list[int]]] = {}
        sup_rows = rows[redo[supported[redo]]]
        for start in range(0, len(sup_rows), LEARNED_CHUNK):
            chunk = sup_rows[start : start + LEARNED_CHUNK]
            l_idx, l_values = self.model.similar(chunk, K)
            co_likes = self._co_likes(chunk, l_idx)
            for n, row in enumerate(chunk.tolist()):
                learned[row] = (l_idx[n].tolist(), l_values[n].tolist(), co_likes[n].tolist())
        c_idx, _, c_reasons = self.content_all()
        for p in redo.tolist():
            row = int(rows[p])
            entries: list[tuple[int, float, int, int]] = []  # row, score, reasons, model
            taken = {row}
            if row in learned:
                l_row, l_val, counts = learned[row]
                for j, v, c in zip(l_row, l_val, counts, strict=True):
                    if v > 0 and j not in taken:
                        taken.add(j)
                        why = self.text_id([self._people_reason(row, int(c))])
                        entries.append((j, round(float(v), 6), why, LEARNED))
            for j, why in zip(c_idx[row].tolist(), c_reasons[row].tolist(), strict=True):
                if len(entries) >= K:
                    break
                if j >= 0 and j not in taken:
                    taken.add(j)
                    entries.append((j, 0.0, why, CONTENT))
            for reason, candidates in self._popular_for(row):
                if len(entries) >= K:
                    break
                for j in candidates:
                    if len(entries) >= K:
                        break
                    if j not in taken:
                        taken.add(j)
                        entries.append((j, 0.0, self.text_id([reason]), POPULAR))
            rails.neighbours[p] = -1
            for rank, (j, score, why, model) in enumerate(entries[:K]):
                rails.neighbours[p, rank] = self.ids[j]
                rails.scores[p, rank] = score
                rails.reasons[p, rank] = why
                rails.models[p, rank] = model
        return rails

    def _co_likes(self, rows: IntArray, neighbours: IntArray) -> IntArray:
        """How many people liked both each row's title and each of its neighbours (the count
        the reasons quote); 0 where the neighbour is -1. Only these pairs are counted: the
        full co-occurrence of a large catalog would not fit in memory."""
        co = (self.xt[rows] @ self.x).tocsr()
        r = np.repeat(np.arange(len(rows)), neighbours.shape[1])
        c = np.maximum(neighbours.ravel(), 0)
        counts = np.asarray(co[r, c], dtype=np.float64).ravel().astype(np.int64)
        return np.where(neighbours >= 0, counts.reshape(neighbours.shape), 0)

    def digests(self, rails: Rails) -> list[int]:
        """Per title, a digest of its rail: neighbours, scores, reasons and models."""
        text_hash = np.asarray(self.text_keys or [0], np.int64)
        model_hash = np.asarray([_stable_int(m.encode()) for m in self.model_names], np.int64)
        present = rails.neighbours >= 0
        parts = np.stack(
            [
                rails.neighbours,
                np.where(present, rails.scores, 0.0).view(np.int64),
                np.where(present, text_hash[np.maximum(rails.reasons, 0)], 0),
                np.where(present, model_hash[rails.models], 0),
            ],
            axis=2,
        ).astype("<i8")
        return [_stable_int(parts[r].tobytes()) for r in range(parts.shape[0])]

    def _people_reason(self, row: int, count: int) -> str:
        name = self.facts[row].title
        if count >= 2:
            return f"{count} people who liked {name} also liked this"
        if count == 1:
            return f"Someone who liked {name} also liked this"
        # EASE links titles through shared audiences even when nobody rated both.
        return f"Liked by the audience of films like {name}"

    def _popular_lists(self) -> dict[tuple[str, Any], list[int]]:
        popularity = np.asarray([f.popularity for f in self.facts], np.float64) + self.support
        order = np.lexsort((np.arange(len(self.facts)), -popularity))
        lists: dict[tuple[str, Any], list[int]] = defaultdict(list)
        for j in order.tolist():
            f = self.facts[j]
            keys: list[tuple[str, Any]] = [("all", None)]
            for g in f.genres:
                keys.append(("genre", g))
                if f.year:
                    keys.append(("era-genre", (decade(f.year), g)))
            if f.year:
                keys.append(("era", decade(f.year)))
            for key in keys:
                if len(lists[key]) <= K:
                    lists[key].append(j)
        return lists

    def _popular_for(self, row: int) -> Iterator[tuple[str, list[int]]]:
        f = self.facts[row]
        for g in f.genres:
            if f.year:
                noun = GENRE_NOUNS.get(g.lower(), f"{g.lower()} film")
                yield (
                    f"Popular {decade(f.year)}s {noun}",
                    self._popular[("era-genre", (decade(f.year), g))],
                )
        for g in f.genres:
            noun = GENRE_NOUNS.get(g.lower(), f"{g.lower()} film")
            yield f"Popular {noun}", self._popular[("genre", g)]
        if f.year:
            yield f"Popular from the {decade(f.year)}s", self._popular[("era", decade(f.year))]
        yield "Popular on Reelhouse", self._popular[("all", None)]


# --- The build -----------------------------------------------------------------------------

# Per title: [ratings digest, similar digest, also_liked digest], as stored.
States = dict[int, list[int]]
DIGEST_SLOT = {"similar": 1, "also_liked": 2}


@job_lock("recs build")
def recs_build(
    *,
    full: bool = False,
    kinds: Sequence[str] = ("similar", "also_liked"),
    batch_size: int = BATCH_TITLES,
    stream: TextIO | None = None,
    quiet: bool = False,
) -> BuildReport:
    """Compute and store every title's rails; see the module doc for what is incremental."""
    # A build killed while the neighbour index was set aside left it missing.
    _index_ensure()
    facts = title_facts_list()
    ids = [f.id for f in facts]
    ratings = rating_matrix_get(title_ids=ids)
    choice = model_choice_get()
    lower = lower_ratings_get(ratings) if lower_is_read(choice, ratings) else None
    maker = RailMaker(facts, ratings, choice, lower)
    content_fp = _fingerprint([BUILD_VERSION, [_facts_key(f) for f in facts]])
    report = BuildReport()
    states: States = {
        t: [r, s, a]
        for t, r, s, a in RecTitleState.objects.values_list(*STATE_COLUMNS).iterator(
            chunk_size=20_000
        )
    }
    also_liked_fp = _fingerprint(
        [BUILD_VERSION, content_fp, choice, sorted(ratings.digests.items())]
    )
    if RecNeighbour.Kind.ALSO_LIKED in kinds and not _is_done(
        RecNeighbour.Kind.ALSO_LIKED, also_liked_fp, full=full
    ):
        maker.also_liked_start()
    try:
        for kind in kinds:
            started = timezone.now()
            if kind == RecNeighbour.Kind.SIMILAR:
                fingerprint = content_fp
                compute: Callable[[IntArray], Rails] = maker.similar
            else:
                fingerprint = also_liked_fp
                compute = maker.also_liked
            kind_report = _kind_build(
                kind=kind,
                fingerprint=fingerprint,
                full=full,
                maker=maker,
                compute=compute,
                states=states,
                batch_size=batch_size,
                stream=stream,
                quiet=quiet,
            )
            kind_report.seconds = (timezone.now() - started).total_seconds()
            report.kinds.append(kind_report)
    finally:
        _index_ensure()
    if any(k.replaced for k in report.kinds):
        reasons_prune()
    return report


def lower_is_read(choice: tuple[str, dict[str, Any]], ratings: RatingMatrix) -> bool:
    """Whether the model the build will fit reads the lower ratings (not once the catalog is
    too large for it and the build switches to sparse RP3β)."""
    # Counted as RailMaker counts them, so that both see the same switch.
    liked = int(np.count_nonzero(np.asarray(ratings.matrix.sum(axis=0)).ravel()))
    kind, _ = scale_choice(*choice, items=liked)
    return kind in LOWER_KINDS


def recs_is_built() -> bool:
    """Whether every kind of rail has had a build run to its end."""
    finished = RecBuild.objects.filter(status=RecBuild.Status.FINISHED)
    return set(finished.values_list("kind", flat=True)) >= {"similar", "also_liked"}


def _is_done(kind: str, fingerprint: str, *, full: bool) -> bool:
    latest = RecBuild.objects.filter(kind=kind).order_by("-started_at", "-id").first()
    return (
        not full
        and latest is not None
        and latest.fingerprint == fingerprint
        and latest.status == RecBuild.Status.FINISHED
    )


def _index_set_aside() -> None:
    """Drop `rec_neighbour_of` before a large write; `recs_build` builds it again when it ends
    (once for both kinds), or the next build does when this one is killed.

    Plain SQL rather than the schema editor: on SQLite the editor checks every foreign key of
    the database when it closes (seconds on the demo catalog).
    """
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(NEIGHBOUR_INDEX)}")


def _index_ensure() -> None:
    """Build `rec_neighbour_of` if a build killed while it was set aside left it missing."""
    table = RecNeighbour._meta.db_table
    with connection.cursor() as cursor:
        if NEIGHBOUR_INDEX in connection.introspection.get_constraints(cursor, table):
            return
        columns = ", ".join(connection.ops.quote_name(c) for c in ("neighbour_id", "kind"))
        deferred = connection.vendor == "postgresql" and connection.in_atomic_block
        if deferred:
            # PostgreSQL will not index a table with foreign-key checks still pending in the
            # transaction (only inside an outer transaction, as in tests): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {connection.ops.quote_name(NEIGHBOUR_INDEX)} "
            f"ON {connection.ops.quote_name(table)} ({columns})"
        )
        if deferred:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def _sqlite_cache(kibibytes: int) -> Iterator[None]:
    """A larger page cache for this connection while the build writes (SQLite only)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(kibibytes)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _kind_build(
    *,
    kind: str,
    fingerprint: str,
    full: bool,
    maker: RailMaker,
    compute: Callable[[IntArray], Rails],
    states: States,
    batch_size: int,
    stream: TextIO | None,
    quiet: bool,
) -> KindReport:
    report = KindReport(kind=kind)
    latest = RecBuild.objects.filter(kind=kind).order_by("-started_at", "-id").first()
    all_ids = maker.ids.tolist()
    if latest and latest.fingerprint == fingerprint and not full:
        if latest.status == RecBuild.Status.FINISHED:
            report.skipped = True
            return report
        build = latest
        report.resumed_at = build.batches_done
    else:
        plan = _plan(kind=kind, full=full, maker=maker, states=states, latest=latest)
        build = RecBuild.objects.create(
            kind=kind,
            fingerprint=fingerprint,
            # The whole catalog is stored as "all": a list of 60,000 ids says no more.
            params={"plan": "all" if plan == all_ids else plan, "choice": list(maker.choice)},
            planned=len(plan),
            started_at=timezone.now(),
        )
    stored = build.params["plan"]
    plan = all_ids if stored == "all" else [int(t) for t in stored]
    report.planned = len(plan)
    row_of = {t: i for i, t in enumerate(all_ids)}
    rows = np.asarray([row_of[t] for t in plan if t in row_of], np.int64)
    rails = compute(rows)
    digests = maker.digests(rails)
    slot = DIGEST_SLOT[kind]
    batches = [
        np.arange(i, min(i + batch_size, len(rows))) for i in range(0, len(rows), batch_size)
    ]
    todo = [b for n, b in enumerate(batches) if n >= build.batches_done]
    changing = sum(
        1
        for b in todo
        for p in b.tolist()
        if states.get(int(rails.title_ids[p]), [0, 0, 0])[slot] != digests[p]
    )
    has_rows = RecNeighbour.objects.filter(kind=kind).exists()
    stored_reasons = set(RecReasons.objects.values_list("id", flat=True))
    progress = None if quiet else Progress(f"recs {kind}", len(rows), stream=stream)
    if changing * K > INDEX_ASIDE_ROWS:
        _index_set_aside()
    # On SQLite, each batch checks its titles' keys once (_titles_present) rather than each of
    # its 100,000 rows checking two: that was a third of the time of the rows' inserts.
    # And commits as a bulk load does (bulk_session): a batch lost to a crash is lost with the
    # count of batches done it commits with, and the next build writes it again.
    with _sqlite_cache(SQLITE_CACHE_KIB), sqlite_foreign_keys_unchecked(), bulk_session():
        for number, batch in enumerate(batches):
            if number < build.batches_done:
                continue
            _batch_commit(
                build=build,
                kind=kind,
                positions=batch,
                rails=rails,
                digests=digests,
                maker=maker,
                states=states,
                stored_reasons=stored_reasons,
                replace=has_rows,
            )
            if progress:
                done = int(batch[-1]) + 1
                progress.update(done, done)
    build.status = RecBuild.Status.FINISHED
    build.finished_at = timezone.now()
    if kind == RecNeighbour.Kind.SIMILAR:
        build.model = "content"
    else:
        build.model = maker.model_names[LEARNED] if bool((rails.models == LEARNED).any()) else ""
    build.save(update_fields=["status", "finished_at", "model"])
    if progress:
        progress.finish()
    report.written = build.written
    report.replaced = has_rows and build.written > 0
    report.model = build.model
    return report


def _plan(
    *,
    kind: str,
    full: bool,
    maker: RailMaker,
    states: States,
    latest: RecBuild | None,
) -> list[int]:
    ids: list[int] = maker.ids.tolist()
    if kind == RecNeighbour.Kind.SIMILAR or full or latest is None:
        return ids
    if latest.params.get("choice") != list(maker.choice):
        return ids  # another model: every rail changes
    digests = maker.ratings.digests
    changed = {t for t in ids if t not in states or states[t][0] != digests.get(t, 0)}
    # Rails whose learned entries show a changed title. Fallback entries (content, popular)
    # are left as they are: they are refreshed by the next full build.
    showing = set(
        RecNeighbour.objects.filter(
            kind=kind, neighbour_id__in=changed, origin=RecNeighbour.Origin.LEARNED
        ).values_list("title_id", flat=True)
    )
    return sorted(changed | showing)


def _rails_write(
    *, kind: str, title_ids: list[int], rows: list[tuple[Any, ...]], replace: bool
) -> None:
    """Replace these titles' rails of one kind. Runs inside the batch's transaction."""
    if replace:
        RecNeighbour.objects.filter(kind=kind, title_id__in=title_ids).delete()
    rows_insert(RecNeighbour, NEIGHBOUR_COLUMNS, rows)


def _reasons_write(maker: RailMaker, keys: set[int]) -> None:
    """Store these lists of reasons (none stored yet: one build runs at a time), as the JSON
    text the build already has. Runs inside the batch's transaction."""
    rows_insert(RecReasons, ("id", "texts"), [(key, maker.key_texts[key]) for key in sorted(keys)])


def reasons_prune() -> int:
    """Delete the lists of reasons no rail entry gives any more; returns how many."""
    used = RecNeighbour.objects.values("reasons_id")
    deleted, _ = RecReasons.objects.exclude(id__in=used).delete()
    return deleted


def _titles_present(ids: set[int]) -> set[int]:
    """Which of these titles are in the catalog: a title deleted while the build ran is left
    out of the batch's rows (its rail and its place in others'), rather than failing it."""
    found = rows_select(f"SELECT id FROM catalog_title WHERE {any_of('id')}", ids)  # noqa: S608
    return {int(pk) for (pk,) in found}


def _batch_commit(
    *,
    build: RecBuild,
    kind: str,
    positions: IntArray,
    rails: Rails,
    digests: list[int],
    maker: RailMaker,
    states: States,
    stored_reasons: set[int],
    replace: bool,
) -> None:
    slot = DIGEST_SLOT[kind]
    ratings = maker.ratings.digests
    changed: list[int] = []  # positions
    fresh: list[tuple[int, int, int, int]] = []
    updated: list[tuple[int, int, int]] = []
    new_states: dict[int, list[int]] = {}
    for p in positions.tolist():
        title_id = int(rails.title_ids[p])
        old = states.get(title_id)
        state = list(old) if old else [0, 0, 0]
        if state[slot] != digests[p]:
            changed.append(p)
        state[slot] = digests[p]
        if kind == RecNeighbour.Kind.ALSO_LIKED:
            state[0] = ratings.get(title_id, 0)
        if old is None:
            fresh.append((title_id, *state))  # type: ignore[arg-type]
        elif state != old:
            updated.append((state[slot], state[0], title_id))
        new_states[title_id] = state
    changed_ids = [int(t) for t in rails.title_ids[changed].tolist()]
    new_reasons: set[int] = set()
    with transaction.atomic():
        keys = maker.text_keys
        rows = [
            (t, n, kind, rank, score, keys[why], origin)
            for t, rank, n, score, why, origin in rails.entries(np.asarray(changed, np.int64))
        ]
        present = _titles_present(
            {state[0] for state in fresh} | {r[0] for r in rows} | {r[1] for r in rows}
        )
        if changed:
            rows = [r for r in rows if r[0] in present and r[1] in present]
            new_reasons = {r[5] for r in rows} - stored_reasons
            _reasons_write(maker, new_reasons)
            _rails_write(kind=kind, title_ids=changed_ids, rows=rows, replace=replace)
        rows_insert(RecTitleState, STATE_COLUMNS, [s for s in fresh if s[0] in present])
        rows_update(RecTitleState, [f"{kind}_digest", "ratings_digest"], updated, key="title_id")
        build.batches_done += 1
        build.written += len(changed)
        build.save(update_fields=["batches_done", "written"])
        if changed:
            # Only these pages show the rails; their cards elsewhere did not change.
            title_documents_forget(changed_ids)
    # Only once the batch is committed do the in-memory states move on.
    states.update(new_states)
    stored_reasons.update(new_reasons)


# --- Evaluation ----------------------------------------------------------------------------


class NoRatingsError(Exception):
    pass


@dataclass
class EvaluationReport:
    results: list[Result]
    users: int
    items: int
    positives: int
    seed: int
    table: str
    winner: Result


def recs_evaluate(
    *, seed: int = SEED, quick: bool = False, log: Callable[[str], None] = lambda _: None
) -> EvaluationReport:
    """Run the offline protocol (evaluation.py) on the MovieLens ratings in the database and
    store its result; the build then uses the winning model."""
    ratings = rating_matrix_get(source="movielens")
    x = ratings.matrix
    if x.nnz == 0:
        raise NoRatingsError(
            "No MovieLens ratings in the database: import them first (reelhouse import ...)."
        )
    lower = lower_ratings_get(ratings, source="movielens")
    # Titles nobody rated 8 or more are columns of zeros: dropped, as in the anchors' runs.
    results = protocol_run(
        x, seed=seed, candidates=candidates_default(quick=quick), log=log, lower=lower
    )
    winner = evaluation_winner(results)
    table = results_table(results, users=x.shape[0], items=x.shape[1], positives=int(x.nnz))
    RecEvaluation.objects.create(
        created_at=timezone.now(),
        seed=seed,
        results=[_result_dict(r) for r in results],
        winner_kind=winner.kind,
        winner_params=winner.params,
    )
    return EvaluationReport(
        results=results,
        users=x.shape[0],
        items=x.shape[1],
        positives=int(x.nnz),
        seed=seed,
        table=table,
        winner=winner,
    )


def evaluation_winner(results: Sequence[Result]) -> Result:
    """The model the build will use: the best validation NDCG@10 (the test set only reports),
    the production model on a tie. Ablations (parts of the production model switched off) are
    never chosen."""
    return max(
        (r for r in results if not r.is_ablation),
        key=lambda r: (r.validation_ndcg, r.is_production),
    )


def _result_dict(r: Result) -> dict[str, Any]:
    return {
        "label": r.label,
        "kind": r.kind,
        "params": r.params,
        "test": r.test.as_dict(),
        "items": r.items.as_dict() if r.items else None,
        "fit_seconds": r.fit_seconds,
        "validation_ndcg": r.validation_ndcg,
        "is_production": r.is_production,
        "is_ablation": r.is_ablation,
    }


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )


def results_table(results: Sequence[Result], *, users: int, items: int, positives: int) -> str:
    lines = [
        "| model | tuned | NDCG@10 | Recall@20 | HitRate@10 | Coverage@10 | rail NDCG@10 "
        "| rail Recall@20 | fit |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rail = r.items
        rail_ndcg = f"{rail.ndcg10:.4f}" if rail else "—"
        rail_recall = f"{rail.recall20:.4f}" if rail else "—"
        lines.append(
            f"| {r.label} | {_params_text(r.params) or '—'} | {r.test.ndcg10:.4f} "
            f"| {r.test.recall20:.4f} | {r.test.hitrate10:.4f} | {r.test.coverage10:.2%} "
            f"| {rail_ndcg} | {rail_recall} "
            f"| {r.fit_seconds:.1f} s |"
        )
    baselines = [r for r in results if not r.is_production and not r.is_ablation]
    production = [r for r in results if r.is_production]
    if baselines and production:
        best = max(baselines, key=lambda r: r.test.ndcg10)
        prod = production[0]
        beats = prod.test.ndcg10 > best.test.ndcg10
        keeps = prod.test.coverage10 >= best.test.coverage10
        lines.append("")
        lines.append(
            f"Production ({prod.label}) vs the best baseline ({best.label}): NDCG@10 "
            f"{prod.test.ndcg10:.4f} vs {best.test.ndcg10:.4f} "
            f"({'beats it' if beats else 'does NOT beat it'}), coverage@10 "
            f"{prod.test.coverage10:.2%} vs {best.test.coverage10:.2%} "
            f"({'kept' if keeps else 'lost'})."
        )
    lines.append(
        f"{users:,} users, {items:,} titles with a positive, {positives:,} positives (score ≥ 8)."
    )
    return "\n".join(lines)

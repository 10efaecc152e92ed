"""Writes for recommendations: `recs_build` (the rails of every title) and `recs_evaluate`.

How a build works, per kind of rail ("similar", then "also_liked"):

1. Read the inputs (titles' facts; ratings) and fingerprint them. A finished build with the
   same fingerprint means nothing changed: the kind is skipped.
2. Plan which titles to compute: all of them for "similar" (content neighbours are cheap) and
   for a first or `--full` "also_liked" build. Otherwise "also_liked" is incremental: the plan
   is the titles whose ratings changed (their digest differs from the stored one), the titles
   whose stored rail shows one of them, and titles never built. The model is always refitted on
   all ratings (it is global: seconds on the demo catalog); titles outside the plan keep their
   stored rails, which a small change in other titles' ratings would shift only slightly.
   `--full` recomputes every rail.
3. Compute the plan in batches. A batch writes only the rails that came out different from
   the stored ones (compared by digest), their titles' states, and the build's progress, all
   in one transaction, and forgets those titles' documents. A killed build resumes after its
   last whole batch, with the plan it stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

import numpy as np
import scipy.sparse as sp
from django.db import transaction
from django.utils import timezone

from reelhouse.catalog.documents import title_documents_forget
from reelhouse.lib.progress import Progress
from reelhouse.recs.algorithms import Model, fit_model
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
from reelhouse.recs.models import RecBuild, RecEvaluation, RecNeighbour, RecTitleState
from reelhouse.recs.selectors import RatingMatrix, rating_matrix_get, title_facts_list

K = 20
BATCH_TITLES = 500
# A title needs this many positive ratings before its "also liked" rail trusts the model.
MIN_SUPPORT = 3
# Bump when the computation changes, so the next build recomputes everything.
BUILD_VERSION = "1"
# The model when no evaluation has been stored yet: the one that won it on the demo catalog
# (docs/BENCHMARKS.md, recs section): EASE, lambda 200.
DEFAULT_CHOICE: tuple[str, dict[str, Any]] = ("ease", {"lam": 200.0})
SEED = 42


@dataclass
class RailEntry:
    neighbour: int
    score: float
    reasons: list[str]
    model: str


@dataclass
class KindReport:
    kind: str
    skipped: bool = False
    resumed_at: int = 0
    planned: int = 0
    written: int = 0
    model: str = ""
    seconds: float = 0.0


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


def _digest(value: Any) -> int:
    raw = json.dumps(value, sort_keys=True, default=str).encode()
    # 62 bits: fits a signed BigIntegerField on every database.
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") >> 2


def _fingerprint(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()


def model_choice_get() -> tuple[str, dict[str, Any]]:
    """The model the latest evaluation chose for "You may also like"; the default before one."""
    latest = RecEvaluation.objects.order_by("-created_at", "-id").first()
    if latest is None:
        return DEFAULT_CHOICE
    return latest.winner_kind, dict(latest.winner_params)


# --- Rails ---------------------------------------------------------------------------------


class RailMaker:
    """Computes both rails for rows of the catalog (rows = positions in `facts`)."""

    def __init__(
        self, facts: Sequence[TitleFacts], ratings: RatingMatrix, choice: tuple[str, dict[str, Any]]
    ) -> None:
        self.facts = list(facts)
        self.content: ContentModel = content_model_fit(self.facts)
        self.ratings = ratings
        self.choice = choice
        self._model: Model | None = None
        x = ratings.matrix
        self.support = np.asarray(x.sum(axis=0)).ravel().astype(np.int64)
        self.xt = sp.csr_matrix(x.T)
        self.x = sp.csc_matrix(x)
        self._popular = self._popular_lists()

    @property
    def model(self) -> Model:
        if self._model is None:
            kind, params = self.choice
            self._model = fit_model(kind, self.ratings.matrix, params, seed=SEED)
        return self._model

    @property
    def model_name(self) -> str:
        return self.model.name

    def similar(self, rows: Sequence[int]) -> list[list[RailEntry]]:
        idx, values = self.content.neighbours(np.asarray(rows, np.int64), K)
        pair_r, pair_c = np.nonzero(values > 0)
        reasons = self.content.reasons_many(np.asarray(rows, np.int64)[pair_r], idx[pair_r, pair_c])
        out: list[list[RailEntry]] = [[] for _ in rows]
        for r, c, why in zip(pair_r.tolist(), pair_c.tolist(), reasons, strict=True):
            out[r].append(
                RailEntry(
                    neighbour=self.facts[int(idx[r, c])].id,
                    score=round(float(values[r, c]), 6),
                    reasons=why,
                    model="content",
                )
            )
        return out

    def also_liked(self, rows: Sequence[int]) -> list[list[RailEntry]]:
        arr = np.asarray(rows, np.int64)
        supported = arr[self.support[arr] >= MIN_SUPPORT]
        learned: dict[int, tuple[Any, Any, Any]] = {}
        if len(supported):
            idx, values = self.model.similar(supported, K)
            # How many people liked both: the count the reasons quote.
            co = (self.xt[supported] @ self.x).tocsr()
            for n, row in enumerate(supported):
                learned[int(row)] = (idx[n], values[n], co.getrow(n))
        content_idx, content_values = self.content.neighbours(arr, K)
        out: list[list[RailEntry]] = []
        # Content entries get their reasons in one vectorised pass once every rail is known.
        pending: list[tuple[RailEntry, int, int]] = []
        for r, row in enumerate(rows):
            rail: list[RailEntry] = []
            taken = {row}
            if row in learned:
                idx_row, val_row, co_row = learned[row]
                counts = dict(zip(co_row.indices.tolist(), co_row.data.tolist(), strict=True))
                for j, v in zip(idx_row.tolist(), val_row.tolist(), strict=True):
                    if v <= 0 or j in taken:
                        continue
                    taken.add(j)
                    rail.append(
                        RailEntry(
                            neighbour=self.facts[j].id,
                            score=round(float(v), 6),
                            reasons=[self._people_reason(row, int(counts.get(j, 0)))],
                            model=self.model_name,
                        )
                    )
            # Titles few people rated: what is like it, then what is popular in its era and genres.
            for j, v in zip(content_idx[r].tolist(), content_values[r].tolist(), strict=True):
                if len(rail) >= K:
                    break
                if v > 0 and j not in taken:
                    taken.add(j)
                    entry = RailEntry(
                        neighbour=self.facts[j].id, score=0.0, reasons=[], model="content"
                    )
                    rail.append(entry)
                    pending.append((entry, row, j))
            for reason, candidates in self._popular_for(row):
                if len(rail) >= K:
                    break
                for j in candidates:
                    if len(rail) >= K:
                        break
                    if j not in taken:
                        taken.add(j)
                        rail.append(
                            RailEntry(
                                neighbour=self.facts[j].id,
                                score=0.0,
                                reasons=[reason],
                                model="popular",
                            )
                        )
            out.append(rail[:K])
        if pending:
            reasons = self.content.reasons_many(
                np.asarray([p[1] for p in pending], np.int64),
                np.asarray([p[2] for p in pending], np.int64),
            )
            for (entry, _, _), why in zip(pending, reasons, strict=True):
                entry.reasons = why
        return out

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


def recs_build(
    *,
    full: bool = False,
    kinds: Sequence[str] = ("similar", "also_liked"),
    batch_size: int = BATCH_TITLES,
    stream: TextIO | None = None,
    quiet: bool = False,
) -> BuildReport:
    """Compute and store every title's rails; see the module doc for what is incremental."""
    facts = title_facts_list()
    ids = [f.id for f in facts]
    ratings = rating_matrix_get(title_ids=ids)
    choice = model_choice_get()
    maker = RailMaker(facts, ratings, choice)
    content_fp = _fingerprint([BUILD_VERSION, [(asdict(f) | {"popularity": None}) for f in facts]])
    report = BuildReport()
    states = {s.title_id: s for s in RecTitleState.objects.all()}
    for kind in kinds:
        started = timezone.now()
        if kind == RecNeighbour.Kind.SIMILAR:
            fingerprint = content_fp
            compute: Callable[[Sequence[int]], list[list[RailEntry]]] = maker.similar
        else:
            fingerprint = _fingerprint(
                [BUILD_VERSION, content_fp, choice, sorted(ratings.digests.items())]
            )
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
    return report


def _kind_build(
    *,
    kind: str,
    fingerprint: str,
    full: bool,
    maker: RailMaker,
    compute: Callable[[Sequence[int]], list[list[RailEntry]]],
    states: dict[int, RecTitleState],
    batch_size: int,
    stream: TextIO | None,
    quiet: bool,
) -> KindReport:
    report = KindReport(kind=kind)
    latest = RecBuild.objects.filter(kind=kind).order_by("-started_at", "-id").first()
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
            params={"plan": plan, "choice": list(maker.choice)},
            planned=len(plan),
            started_at=timezone.now(),
        )
    plan = [int(t) for t in build.params["plan"]]
    report.planned = len(plan)
    row_of = {f.id: i for i, f in enumerate(maker.facts)}
    batches = [plan[i : i + batch_size] for i in range(0, len(plan), batch_size)]
    progress = None if quiet else Progress(f"recs {kind}", len(plan), stream=stream)
    model_name = ""
    for number, batch in enumerate(batches):
        if number < build.batches_done:
            continue
        present = [t for t in batch if t in row_of]
        rails = compute([row_of[t] for t in present])
        model_name = model_name or next(
            (e.model for rail in rails for e in rail if e.model not in {"content", "popular"}), ""
        )
        _batch_commit(
            build=build,
            kind=kind,
            rails=dict(zip(present, rails, strict=True)),
            states=states,
            ratings=maker.ratings,
        )
        if progress:
            progress.update(
                min((number + 1) * batch_size, len(plan)), min((number + 1) * batch_size, len(plan))
            )
    build.status = RecBuild.Status.FINISHED
    build.finished_at = timezone.now()
    build.model = (model_name or ("content" if kind == "similar" else ""))[:40]
    build.save(update_fields=["status", "finished_at", "model"])
    if progress:
        progress.finish()
    report.written = build.written
    report.model = build.model
    return report


def _plan(
    *,
    kind: str,
    full: bool,
    maker: RailMaker,
    states: dict[int, RecTitleState],
    latest: RecBuild | None,
) -> list[int]:
    ids = [f.id for f in maker.facts]
    if kind == RecNeighbour.Kind.SIMILAR or full or latest is None:
        return ids
    if latest.params.get("choice") != list(maker.choice):
        return ids  # another model: every rail changes
    digests = maker.ratings.digests
    changed = {t for t in ids if t not in states or states[t].ratings_digest != digests.get(t, 0)}
    # Rails whose learned entries show a changed title. Fallback entries (content, popular)
    # are left as they are: they are refreshed by the next full build.
    showing = set(
        RecNeighbour.objects.filter(kind=kind, neighbour_id__in=changed)
        .exclude(model__in=["content", "popular"])
        .values_list("title_id", flat=True)
    )
    return sorted(changed | showing)


def _rails_write(*, kind: str, rails: dict[int, list[RailEntry]], built_at: dt.datetime) -> None:
    """Replace these titles' rails of one kind. Runs inside the batch's transaction."""
    RecNeighbour.objects.filter(kind=kind, title_id__in=list(rails)).delete()
    RecNeighbour.objects.bulk_create(
        [
            RecNeighbour(
                title_id=title_id,
                neighbour_id=e.neighbour,
                kind=kind,
                rank=rank,
                score=e.score,
                reasons=e.reasons,
                model=e.model[:40],
                built_at=built_at,
            )
            for title_id, rail in rails.items()
            for rank, e in enumerate(rail)
        ],
        batch_size=2000,
    )


def _batch_commit(
    *,
    build: RecBuild,
    kind: str,
    rails: dict[int, list[RailEntry]],
    states: dict[int, RecTitleState],
    ratings: RatingMatrix,
) -> None:
    digest_field = f"{kind}_digest"
    changed: dict[int, list[RailEntry]] = {}
    new_digests: dict[int, int] = {}
    for title_id, rail in rails.items():
        d = _digest([asdict(e) for e in rail])
        new_digests[title_id] = d
        state = states.get(title_id)
        if state is None or getattr(state, digest_field) != d:
            changed[title_id] = rail
    with transaction.atomic():
        if changed:
            _rails_write(kind=kind, rails=changed, built_at=timezone.now())
        to_create: list[RecTitleState] = []
        to_update: list[RecTitleState] = []
        for title_id, d in new_digests.items():
            state = states.get(title_id)
            fresh = state is None
            if state is None:
                state = RecTitleState(title_id=title_id)
            setattr(state, digest_field, d)
            if kind == RecNeighbour.Kind.ALSO_LIKED:
                state.ratings_digest = ratings.digests.get(title_id, 0)
            (to_create if fresh else to_update).append(state)
        RecTitleState.objects.bulk_create(to_create, batch_size=2000)
        RecTitleState.objects.bulk_update(
            to_update, [digest_field, "ratings_digest"], batch_size=2000
        )
        build.batches_done += 1
        build.written += len(changed)
        build.save(update_fields=["batches_done", "written"])
        if changed:
            # Only these pages show the rails; their cards elsewhere did not change.
            title_documents_forget(changed)
    # Only once the batch is committed do the in-memory states move on.
    for state in to_create:
        states[state.title_id] = state


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
    # Titles nobody rated 8 or more are columns of zeros: dropped, as in the anchors' runs.
    results = protocol_run(x, seed=seed, candidates=candidates_default(quick=quick), log=log)
    winner = max(results, key=lambda r: (r.test.ndcg10, r.is_production))
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
    baselines = [r for r in results if not r.is_production]
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

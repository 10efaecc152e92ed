"""The offline evaluation protocol (issue 5, item 5), on a users x items matrix of positives.

1. Positives: ratings of 8.0 or more on our 0-10 scale (4 stars or more on MovieLens).
2. Holdout: each user with at least two positives keeps a seeded random 20% of them (at least
   one) as the test set; the rest is training.
3. Tuning: the same 80/20 rule carves a validation set out of each user's *training* positives;
   every hyperparameter setting is fitted on what remains and scored on validation NDCG@10. The
   best setting is then refitted on the whole training set and scored once on the test set.
4. Ranking: every item is ranked for every user, only the user's training items excluded.
5. Metrics, averaged over users with a test set: NDCG@10 (binary gains), Recall@20 (hits over
   min(20, test size), as in Liang et al. 2018), HitRate@10 (a hit in the top 10), and catalog
   coverage@10 (distinct items in anyone's top 10 over items in the matrix).
6. Item-to-item: for each user, the "you may also like" lists (top 20) of the titles they liked
   in training are merged, each neighbour scored by the sum of its weights in those lists; the
   merged ranking is scored with the same metrics. It measures the rail, not the user model.
7. Lower ratings: models may also read `lower`, every rating below 8 (1.0 where rated). The
   holdout hides positives only, so these are all training data, for validation too; a pair
   that is a positive is removed from `lower` first, so a held-out positive appears nowhere
   in a model's input. Which items are ranked and excluded (step 4) does not change: a model
   that leaves out titles the user rated lower does so in its own scores.
8. Roles: baselines (issue 5's list), the production model, and ablations (parts of the
   production model switched off, to show where its gain comes from; they never win).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from reelhouse.recs.algorithms import FloatArray, IntArray, Model, fit_model, topk, weights_memo

POSITIVE_SCORE = 8.0
HOLDOUT_SHARE = 0.2
RAIL_K = 20
EVAL_BATCH = 1024


@dataclass(frozen=True)
class Split:
    train: sp.csr_matrix
    test: sp.csr_matrix


def holdout_split(x: sp.csr_matrix, *, seed: int, share: float = HOLDOUT_SHARE) -> Split:
    """Per user, a seeded random `share` of positives (at least one) goes to the test set.

    Users with fewer than two positives keep them all in training: they have nothing to hide
    and still count in the others' training data.
    """
    rng = np.random.default_rng(seed)
    x = x.tocsr()
    x.sort_indices()
    train_rows: list[npt.NDArray[np.int32]] = []
    train_cols: list[npt.NDArray[np.int32]] = []
    test_rows: list[npt.NDArray[np.int32]] = []
    test_cols: list[npt.NDArray[np.int32]] = []
    for u in range(x.shape[0]):
        items = x.indices[x.indptr[u] : x.indptr[u + 1]]
        n = len(items)
        n_test = max(1, round(share * n)) if n >= 2 else 0
        chosen = rng.permutation(n)
        held = np.sort(items[chosen[:n_test]])
        kept = np.sort(items[chosen[n_test:]])
        test_rows.append(np.full(len(held), u, np.int32))
        test_cols.append(held)
        train_rows.append(np.full(len(kept), u, np.int32))
        train_cols.append(kept)
    return Split(
        train=_csr(train_rows, train_cols, x.shape), test=_csr(test_rows, test_cols, x.shape)
    )


def _csr(
    rows: list[npt.NDArray[np.int32]], cols: list[npt.NDArray[np.int32]], shape: tuple[int, int]
) -> sp.csr_matrix:
    r = np.concatenate(rows) if rows else np.zeros(0, np.int32)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int32)
    return sp.csr_matrix((np.ones(len(r), np.float32), (r, c)), shape=shape)


@dataclass
class Metrics:
    ndcg10: float
    recall20: float
    hitrate10: float
    coverage10: float
    users: int

    def as_dict(self) -> dict[str, float]:
        return {
            "ndcg@10": self.ndcg10,
            "recall@20": self.recall20,
            "hitrate@10": self.hitrate10,
            "coverage@10": self.coverage10,
        }


def rankings_score(ranked: IntArray, test: sp.csr_matrix, items: int) -> Metrics:
    """Metrics of top-20 rankings (users x ≥20 item indices) against each user's test items.

    Users with no test items are left out of every average but coverage.
    """
    discounts = 1.0 / np.log2(np.arange(2, 12))
    ndcg, recall, hit = [], [], []
    shown: set[int] = set()
    for u in range(ranked.shape[0]):
        truth = test.indices[test.indptr[u] : test.indptr[u + 1]]
        shown.update(int(i) for i in ranked[u, :10])
        if len(truth) == 0:
            continue
        hits = np.isin(ranked[u, :20], truth)
        dcg = float((hits[:10] * discounts).sum())
        ideal = float(discounts[: min(len(truth), 10)].sum())
        ndcg.append(dcg / ideal)
        recall.append(float(hits.sum()) / min(len(truth), 20))
        hit.append(float(hits[:10].any()))
    return Metrics(
        ndcg10=float(np.mean(ndcg)) if ndcg else 0.0,
        recall20=float(np.mean(recall)) if recall else 0.0,
        hitrate10=float(np.mean(hit)) if hit else 0.0,
        coverage10=len(shown) / items if items else 0.0,
        users=len(ndcg),
    )


def model_rank(
    model: Model,
    train: sp.csr_matrix,
    users: IntArray,
    k: int = 20,
    *,
    lower: sp.csr_matrix | None = None,
) -> IntArray:
    """Top-k items for each of `users`, their training items excluded."""
    k = min(k, train.shape[1])
    out = np.zeros((len(users), k), np.int64)
    for start in range(0, len(users), EVAL_BATCH):
        batch = users[start : start + EVAL_BATCH]
        rows = train[batch]
        scores = (
            model.scores(train)[batch]
            if _needs_full(model)
            else model.scores(rows, None if lower is None else lower[batch])
        )
        scores = _exclude(scores, rows)
        out[start : start + len(batch)] = topk(scores, k)[0]
    return out


def _needs_full(model: Model) -> bool:
    # ALS has fitted factors for exactly the training rows; scoring those rows uses them.
    return model.name == "implicit ALS"


def _exclude(scores: FloatArray, rows: sp.csr_matrix) -> FloatArray:
    scores = np.array(scores, dtype=np.float32, copy=True)
    coo = rows.tocoo()
    scores[coo.row, coo.col] = -np.inf
    return scores


def item_lists_rank(
    model: Model, train: sp.csr_matrix, users: IntArray, *, rail: int = RAIL_K, k: int = 20
) -> tuple[IntArray, float]:
    """Rankings built only from the rails of the items each user liked in training.

    Returns the rankings and the mean number of distinct titles those rails offered a user
    (so a reader can see how much room the rails had to hit anything).
    """
    n_items = train.shape[1]
    liked_any = np.unique(train.indices)
    neighbours = np.zeros((n_items, rail), np.int64)
    weights = np.zeros((n_items, rail), np.float32)
    for start in range(0, len(liked_any), EVAL_BATCH):
        batch = liked_any[start : start + EVAL_BATCH].astype(np.int64)
        idx, w = model.similar(batch, rail)
        neighbours[batch, : idx.shape[1]] = idx
        # Rails rank by position on the page; weights of different models are not comparable,
        # so each neighbour counts 1/(1+rank) as the page shows them in order.
        weights[batch, : idx.shape[1]] = 1.0 / (1.0 + np.arange(idx.shape[1], dtype=np.float32))
        del w
    k = min(k, n_items)
    out = np.zeros((len(users), k), np.int64)
    offered = []
    for row, u in enumerate(users):
        liked = train.indices[train.indptr[u] : train.indptr[u + 1]]
        scores = np.zeros(n_items, np.float32)
        np.add.at(scores, neighbours[liked].ravel(), weights[liked].ravel())
        scores[liked] = -np.inf
        offered.append(int((scores > 0).sum()))
        out[row] = topk(scores[None, :], k)[0][0]
    return out, float(np.mean(offered)) if offered else 0.0


@dataclass
class Candidate:
    """A model kind and the hyperparameter grid it is tuned over."""

    kind: str
    label: str
    grid: Sequence[dict[str, Any]]
    is_production: bool = False
    is_ablation: bool = False


@dataclass
class Result:
    label: str
    kind: str
    params: dict[str, Any]
    test: Metrics
    items: Metrics | None
    items_offered: float
    fit_seconds: float
    validation_ndcg: float
    is_production: bool = False
    is_ablation: bool = False
    tried: list[tuple[dict[str, Any], float]] = field(default_factory=list)


def candidate_evaluate(
    candidate: Candidate,
    split: Split,
    validation: Split,
    *,
    seed: int,
    log: Callable[[str], None] = lambda _: None,
    lower: sp.csr_matrix | None = None,
) -> Result:
    """Tune on validation (carved from training), refit on training, score on test.

    `lower` (ratings below 8, disjoint from the positives) is input at both stages: the
    holdouts hide positives only.
    """
    n_items = split.train.shape[1]
    val_users = np.flatnonzero(np.diff(validation.test.indptr)).astype(np.int64)
    tried: list[tuple[dict[str, Any], float]] = []
    for params in candidate.grid:
        model = fit_model(candidate.kind, validation.train, params, seed=seed, lower=lower)
        ranked = model_rank(model, validation.train, val_users, lower=lower)
        score = rankings_score(ranked, validation.test[val_users], n_items).ndcg10
        tried.append((params, score))
        log(f"  {candidate.label} {params}: validation NDCG@10 {score:.4f}")
    # The first best wins ties: grids list the simpler setting first.
    best_params, best_val = max(tried, key=lambda pair: pair[1])
    started = time.perf_counter()
    model = fit_model(candidate.kind, split.train, best_params, seed=seed, lower=lower)
    fit_seconds = time.perf_counter() - started
    test_users = np.flatnonzero(np.diff(split.test.indptr)).astype(np.int64)
    test = rankings_score(
        model_rank(model, split.train, test_users, lower=lower), split.test[test_users], n_items
    )
    items: Metrics | None = None
    offered = 0.0
    if candidate.kind != "popular":
        ranked, offered = item_lists_rank(model, split.train, test_users)
        items = rankings_score(ranked, split.test[test_users], n_items)
    return Result(
        label=candidate.label,
        kind=candidate.kind,
        params=dict(best_params),
        test=test,
        items=items,
        items_offered=offered,
        fit_seconds=fit_seconds,
        validation_ndcg=best_val,
        is_production=candidate.is_production,
        is_ablation=candidate.is_ablation,
        tried=tried,
    )


PRODUCTION_KIND = "ease_ratings"
PRODUCTION_LABEL = "EASE on all ratings (production)"


def candidates_default(*, quick: bool = False) -> list[Candidate]:
    candidates = _candidates(quick=quick)
    if importlib.util.find_spec("implicit") is None:
        # The eval extra is not installed: say so in the table rather than fail.
        return [c for c in candidates if c.kind != "als"]
    return candidates


def _production(
    *,
    lams: Sequence[float],
    lower_weights: Sequence[float],
    dropouts: Sequence[float],
    debiases: Sequence[float],
    exclude_rated: bool = True,
) -> list[dict[str, Any]]:
    # Debias innermost: settings that differ only there share one fit (`weights_memo`).
    return [
        {
            "lam": lam,
            "lower_weight": w,
            "dropout": p,
            "debias": d,
            "exclude_rated": exclude_rated,
        }
        for w in lower_weights
        for lam in lams
        for p in dropouts
        for d in debiases
    ]


def _candidates(*, quick: bool) -> list[Candidate]:
    """The baselines of issue 5, the production model and its ablations, each with its grid.

    The production model (`algorithms.ease_ratings_fit`) reads every rating as input, the
    positives at 1 and the lower ratings at `lower_weight`, predicts the positives, divides
    each title's column by its popularity to the power `debias` (some debias is always on, to
    keep the catalog coverage the issue asks for), and never recommends a title the user
    rated, as the "For you" page does. Its grid includes EDLAE's dropout penalty (0.25) and none.
    The two ablations switch off the lower ratings and debias (leaving EASE plus the exclusion
    of rated titles), or the exclusion alone.
    """
    if quick:
        return [
            Candidate("popular", "most popular", [{}]),
            Candidate("knn", "item-kNN (cosine)", [{"neighbours": 100}]),
            Candidate("ease", "EASE", [{"lam": 100.0}]),
            Candidate("als", "implicit ALS", [{"factors": 32, "iterations": 5}]),
            Candidate(
                PRODUCTION_KIND,
                PRODUCTION_LABEL,
                _production(lams=[100.0], lower_weights=[0.25], dropouts=[0.0], debiases=[0.1]),
                is_production=True,
            ),
            Candidate(
                PRODUCTION_KIND,
                "EASE + rated titles left out (ablation)",
                _production(lams=[100.0], lower_weights=[0.0], dropouts=[0.0], debiases=[0.0]),
                is_ablation=True,
            ),
        ]
    lams = (100.0, 200.0, 400.0, 800.0)
    return [
        Candidate("popular", "most popular", [{}]),
        Candidate(
            "knn",
            "item-kNN (cosine)",
            [{"neighbours": n, "shrink": s} for n in (50, 100, 200, 400) for s in (0.0, 10.0)],
        ),
        Candidate("ease", "EASE", [{"lam": lam} for lam in (50.0, 100.0, 200.0, 400.0, 800.0)]),
        Candidate(
            "als",
            "implicit ALS",
            [
                {"factors": f, "regularization": r, "alpha": a, "iterations": 15}
                for f in (64, 128, 256)
                for r in (1.0, 10.0, 30.0, 50.0, 100.0)
                for a in (5.0, 10.0, 20.0)
            ],
        ),
        Candidate(
            PRODUCTION_KIND,
            PRODUCTION_LABEL,
            _production(
                lams=lams,
                lower_weights=(0.25, 0.5),
                dropouts=(0.0, 0.25),
                debiases=(0.1, 0.2, 0.3),
            ),
            is_production=True,
        ),
        Candidate(
            PRODUCTION_KIND,
            "EASE + rated titles left out (ablation)",
            _production(lams=lams, lower_weights=(0.0,), dropouts=(0.0,), debiases=(0.0,)),
            is_ablation=True,
        ),
        Candidate(
            PRODUCTION_KIND,
            "production, rated titles not left out (ablation)",
            _production(
                lams=lams,
                lower_weights=(0.25, 0.5),
                dropouts=(0.0,),
                debiases=(0.1, 0.2, 0.3),
                exclude_rated=False,
            ),
            is_ablation=True,
        ),
    ]


def protocol_run(
    x: sp.csr_matrix,
    *,
    seed: int,
    candidates: Sequence[Candidate],
    log: Callable[[str], None] = lambda _: None,
    lower: sp.csr_matrix | None = None,
) -> list[Result]:
    """Split `x` (users x items positives) and evaluate every candidate on the same split.

    `lower` (users x items, 1.0 where rated below 8) is extra input for the models that read
    it; any entry that is also a positive is dropped, so no held-out positive is in it.
    """
    split = holdout_split(x, seed=seed)
    validation = holdout_split(split.train, seed=seed + 1)
    if lower is not None:
        lower = lower_without_positives(lower, x)
    with weights_memo():
        return [
            candidate_evaluate(c, split, validation, seed=seed, log=log, lower=lower)
            for c in candidates
        ]


def lower_without_positives(lower: sp.csr_matrix, x: sp.csr_matrix) -> sp.csr_matrix:
    """`lower` as 0/1, minus every (user, item) that is a positive in `x`."""
    rated, liked = _ones(lower), _ones(x)
    out = sp.csr_matrix(rated - rated.multiply(liked))
    out.eliminate_zeros()
    return sp.csr_matrix(out, dtype=np.float32)


def _ones(m: sp.csr_matrix) -> sp.csr_matrix:
    out = sp.csr_matrix(m, dtype=np.float32, copy=True)
    out.eliminate_zeros()
    out.sum_duplicates()
    out.data[:] = 1.0
    return out

"""Collaborative models on a users x items matrix of positives (scipy CSR, 1.0 where liked).

Pure numpy/scipy, no Django: the evaluation, the build and the benchmark all call these. Every
model answers two questions: `scores(rows)` ranks every item for some users (the evaluation's
full ranking), and `similar(items, k)` gives each item's top-k "people who liked this also liked"
neighbours (the title page's rail). Fitting is deterministic for a given seed.

Some models also read `lower`: the same users x items shape, 1.0 where someone rated a title
below the positive threshold. It never shares an entry with the positives. Models fitted on
positives alone ignore it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
Float64Array = npt.NDArray[np.float64]


class Model(Protocol):
    name: str
    params: dict[str, Any]

    def scores(self, rows: sp.csr_matrix, lower: sp.csr_matrix | None = None) -> FloatArray:
        """Dense (len(rows) x items) scores; higher ranks first. `lower`: the same people's
        ratings below the positive threshold, for the models that use them."""
        ...

    def similar(self, items: IntArray, k: int) -> tuple[IntArray, FloatArray]:
        """Each item's top-k neighbours (never itself) and their weights, best first."""
        ...


def topk(matrix: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    """Row-wise top-k indices and values, best first; ties broken by the lower index."""
    k = min(k, matrix.shape[1])
    if k <= 0:
        return np.zeros((matrix.shape[0], 0), np.int64), np.zeros((matrix.shape[0], 0), np.float32)
    part = np.argpartition(-matrix, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(matrix, part, axis=1)
    # lexsort sorts by the last key first: value descending, then index ascending, so that
    # equal scores always come out in the same order (determinism across runs and platforms).
    order = np.lexsort((part, -values), axis=1)
    idx = np.take_along_axis(part, order, axis=1).astype(np.int64)
    return idx, np.take_along_axis(values, order, axis=1).astype(np.float32)


def _active(x: sp.csr_matrix) -> IntArray:
    """Items somebody liked: the only ones an item-item model can link (the others' columns
    are all zero), so the dense matrices are fitted over these alone."""
    return np.flatnonzero(np.diff(x.tocsc().indptr)).astype(np.int64)


@dataclass
class Popular:
    counts: FloatArray
    name: str = "most popular"
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(cls, x: sp.csr_matrix) -> Popular:
        return cls(counts=np.asarray(x.sum(axis=0), dtype=np.float32).ravel())

    def scores(self, rows: sp.csr_matrix, lower: sp.csr_matrix | None = None) -> FloatArray:
        return np.broadcast_to(self.counts, (rows.shape[0], len(self.counts))).copy()

    def similar(self, items: IntArray, k: int) -> tuple[IntArray, FloatArray]:
        rows = np.broadcast_to(self.counts, (len(items), len(self.counts))).copy()
        rows[np.arange(len(items)), items] = -np.inf
        return topk(rows, k)


@dataclass
class ItemItem:
    """A linear item-item model: a user's scores are the sum of the rows of the items they liked.

    `weights` covers the `active` items only (row i: what liking i adds to each j). A model
    fitted on all ratings also adds `lower_weight` times the rows of the titles rated lower,
    and may leave out every title the person rated, as the "For you" page does.
    """

    weights: FloatArray
    active: IntArray
    items: int
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    lower_weight: float = 0.0
    excludes_rated: bool = False

    def scores(self, rows: sp.csr_matrix, lower: sp.csr_matrix | None = None) -> FloatArray:
        out = np.zeros((rows.shape[0], self.items), np.float32)
        profile = rows[:, self.active]
        if lower is not None and self.lower_weight:
            profile = profile + self.lower_weight * lower[:, self.active]
        out[:, self.active] = np.asarray(profile @ self.weights, dtype=np.float32)
        if self.excludes_rated:
            for rated in (rows, lower) if lower is not None else (rows,):
                r, c = rated.nonzero()
                out[r, c] = -np.inf
        return out

    def similar(self, items: IntArray, k: int) -> tuple[IntArray, FloatArray]:
        position = np.full(self.items, -1, np.int64)
        position[self.active] = np.arange(len(self.active))
        rows = np.full((len(items), len(self.active)), -np.inf, np.float32)
        known = position[items] >= 0
        rows[known] = self.weights[position[items][known]]
        rows[np.flatnonzero(known), position[items][known]] = -np.inf
        idx, values = topk(rows, k)
        return self.active[idx], values


def _keep_strongest(sim: FloatArray, neighbours: int) -> FloatArray:
    """Zero all but the `neighbours` largest entries of each row."""
    if neighbours >= sim.shape[1]:
        return sim
    cut = np.partition(sim, sim.shape[1] - neighbours, axis=1)[:, sim.shape[1] - neighbours]
    return np.where(sim >= cut[:, None], sim, np.float32(0.0)).astype(np.float32)


def knn_fit(x: sp.csr_matrix, *, neighbours: int = 100, shrink: float = 0.0) -> ItemItem:
    """Cosine item-kNN: each item keeps its `neighbours` most similar items."""
    active = _active(x)
    xa = x[:, active].astype(np.float32)
    gram = np.asarray((xa.T @ xa).toarray(), dtype=np.float32)
    norms = np.sqrt(np.diag(gram)).astype(np.float32)
    sim = gram / (np.outer(norms, norms) + np.float32(shrink) + np.float32(1e-9))
    np.fill_diagonal(sim, 0.0)
    return ItemItem(
        weights=_keep_strongest(sim, neighbours),
        active=active,
        items=x.shape[1],
        name="item-kNN (cosine)",
        params={"neighbours": neighbours, "shrink": shrink},
    )


def ease_weights(x: sp.csr_matrix, lam: float) -> FloatArray:
    """EASE's item x item weights B (Steck 2019) over the columns of `x`.

    B = I - P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, so B has a zero diagonal. With fewer users
    than items P comes from the Woodbury identity, inverting a users x users matrix instead:
    (XᵀX + λI)⁻¹ = (I - Xᵀ(λI + XXᵀ)⁻¹X)/λ, exact and several times faster on MovieLens-small.
    """
    users, items = x.shape
    if users >= items:
        # XᵀX from the sparse matrix: a dense users x items copy of X is not needed here (it
        # would be 16 GB for 200,000 users x 10,000 items).
        gram: Float64Array = np.asarray((x.T @ x).astype(np.float64).toarray(), np.float64)
        gram[np.diag_indices(items)] += lam
        p: Float64Array = np.asarray(np.linalg.inv(gram), np.float64)
    else:
        dense = x.astype(np.float64).toarray()
        inner = dense @ dense.T
        inner[np.diag_indices(users)] += lam
        p = -dense.T @ np.linalg.solve(inner, dense)
        p[np.diag_indices(items)] += 1.0
        p /= lam
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b.astype(np.float32)


def ease_fit(x: sp.csr_matrix, *, lam: float = 100.0) -> ItemItem:
    active = _active(x)
    return ItemItem(
        weights=ease_weights(x[:, active], lam),
        active=active,
        items=x.shape[1],
        name="EASE",
        params={"lam": lam},
    )


def rp3_weights(x: sp.csr_matrix, *, alpha: float, beta: float, neighbours: int) -> FloatArray:
    """RP3β (Paudel et al. 2017): three-step random walk item → user → item, its transition
    probabilities raised to `alpha`, divided by the target's popularity to the power `beta`."""
    xd = x.astype(np.float64)
    user_deg = np.asarray(xd.sum(axis=1)).ravel()
    item_deg = np.asarray(xd.sum(axis=0)).ravel()
    p_ui = sp.diags(1.0 / np.maximum(user_deg, 1.0)) @ xd
    walk = np.asarray((xd.T @ p_ui).toarray()) / np.maximum(item_deg, 1.0)[:, None]
    walk = np.power(walk, alpha) / np.power(np.maximum(item_deg, 1.0), beta)[None, :]
    np.fill_diagonal(walk, 0.0)
    return _keep_strongest(walk.astype(np.float32), neighbours)


def blend_fit(
    x: sp.csr_matrix,
    *,
    lam: float = 100.0,
    alpha: float = 1.0,
    beta: float = 0.5,
    neighbours: int = 200,
    mix: float = 0.5,
) -> ItemItem:
    """EASE blended with RP3β: (1-mix)·B/‖B‖ + mix·W/‖W‖, both row-scaled to comparable size.

    EASE ranks best but recommends few distinct titles; RP3β's popularity penalty reaches
    further into the catalog. Both are item-item matrices, so the blend is one too: the same
    weights rank a user's recommendations and fill each title's "you may also like" rail.
    """
    active = _active(x)
    xa = x[:, active]
    b = ease_weights(xa, lam)
    w = rp3_weights(xa, alpha=alpha, beta=beta, neighbours=neighbours)
    weights = (1.0 - mix) * b / _scale(b) + mix * w / _scale(w)
    return ItemItem(
        weights=weights.astype(np.float32),
        active=active,
        items=x.shape[1],
        name="EASE + RP3β",
        params={"lam": lam, "alpha": alpha, "beta": beta, "neighbours": neighbours, "mix": mix},
    )


def rp3_fit(
    x: sp.csr_matrix, *, alpha: float = 1.0, beta: float = 0.5, neighbours: int = 200
) -> ItemItem:
    active = _active(x)
    return ItemItem(
        weights=rp3_weights(x[:, active], alpha=alpha, beta=beta, neighbours=neighbours),
        active=active,
        items=x.shape[1],
        name="RP3β",
        params={"alpha": alpha, "beta": beta, "neighbours": neighbours},
    )


def ratings_weights(
    z: sp.csr_matrix, y: sp.csr_matrix | None = None, *, lam: float, dropout: float = 0.0
) -> FloatArray:
    """Item x item weights B with a zero diagonal that predict the targets `y` from the inputs `z`
    (`y` None: the inputs are the targets, which saves the largest product).

    B minimises ‖Y - ZB‖² + Σᵢ Λᵢ‖Bᵢ‖² subject to diag(B) = 0, with
    Λ = dropout/(1-dropout)·diag(ZᵀZ) + λ: the penalty of EDLAE (Steck, NeurIPS 2020), which
    is what dropping out each input with probability `dropout` adds in expectation. With
    Z = Y and dropout 0 this is EASE (`ease_weights`); with Z = Y, EDLAE.

    Closed form: with P = (ZᵀZ + Λ)⁻¹, B = PZᵀY - P·diag(μ), μⱼ = (PZᵀY)ⱼⱼ / Pⱼⱼ so that
    Bⱼⱼ = 0. With fewer users than items, Woodbury gives it from a users x users matrix
    K = I + ZΛ⁻¹Zᵀ: PZᵀ = Λ⁻¹ZᵀK⁻¹ and P = Λ⁻¹ - Λ⁻¹ZᵀK⁻¹ZΛ⁻¹, so with Q = K⁻¹Z and
    R = K⁻¹Y, B = Λ⁻¹Zᵀ(R + QΛ⁻¹diag(μ)) - Λ⁻¹diag(μ): one items x users x items product.
    When Y = Z, PZᵀY = I - PΛ and B = I - P·diag(1/diag(P)), as in EASE.
    """
    users, items = z.shape
    zd = z.astype(np.float64)
    gram_diag = np.asarray(zd.multiply(zd).sum(axis=0), np.float64).ravel()
    penalty = dropout / (1.0 - dropout) * gram_diag + lam
    if users >= items:
        gram: Float64Array = np.asarray((zd.T @ zd).toarray(), np.float64)
        gram[np.diag_indices(items)] += penalty
        p: Float64Array = np.asarray(np.linalg.inv(gram), np.float64)
        del gram
        if y is None:
            b: Float64Array = -p / np.diag(p)[None, :]
        else:
            b = p @ np.asarray((zd.T @ y.astype(np.float64)).toarray(), np.float64)
            mu = np.diag(b) / np.diag(p)
            b -= p * mu[None, :]
    else:
        dense = zd.toarray()
        inv = 1.0 / penalty
        scaled = dense * inv[None, :]  # ZΛ⁻¹
        k = scaled @ dense.T
        k[np.diag_indices(users)] += 1.0
        if y is None:
            q = r = np.linalg.solve(k, dense)
        else:
            target = y.astype(np.float64).toarray()
            solved = np.linalg.solve(k, np.hstack([dense, target]))
            q, r = solved[:, :items], solved[:, items:]
        diag_pzy = inv * (dense * r).sum(axis=0)
        diag_p = inv - inv * inv * (dense * q).sum(axis=0)
        mu_scaled = inv * diag_pzy / diag_p  # Λ⁻¹μ
        b = scaled.T @ (r + q * mu_scaled[None, :])
        b[np.diag_indices(items)] -= mu_scaled
    np.fill_diagonal(b, 0.0)
    return b.astype(np.float32)


# While `weights_memo` is on: the key and weights of the last `ease_ratings_fit`, so that a
# tuning grid refits only when more than the popularity debias changes.
_memo: list[tuple[bytes, FloatArray]] | None = None


@contextmanager
def weights_memo() -> Iterator[None]:
    """Within, `ease_ratings_fit` reuses the previous fit's weights for the same inputs and
    settings (bar `debias`, applied after). Off by default: the memo holds one items x items
    matrix."""
    global _memo
    _memo = []
    try:
        yield
    finally:
        _memo = None


def _memo_key(*parts: Any) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, sp.csr_matrix):
            for array in (part.indptr, part.indices, part.data):
                digest.update(np.ascontiguousarray(array).tobytes())
            digest.update(repr(part.shape).encode())
        else:
            digest.update(repr(part).encode())
    return digest.digest()


def ease_ratings_fit(
    x: sp.csr_matrix,
    *,
    lower: sp.csr_matrix | None = None,
    lam: float = 400.0,
    lower_weight: float = 0.25,
    dropout: float = 0.0,
    debias: float = 0.2,
    exclude_rated: bool = True,
) -> ItemItem:
    """EASE that reads all of a person's ratings and still predicts only what they will like.

    The input is the positives plus `lower_weight` times `lower` (the titles rated below the
    threshold: seen, so telling of taste, but not liked); the target is the positives alone.
    `ratings_weights` fits it, with EDLAE's penalty when `dropout` > 0. Column j is then divided
    by its number of positives to the power `debias`, so the most popular titles crowd out
    fewer others. With `exclude_rated`, a title the person rated at any score is never
    recommended, as the "For you" page leaves out everything rated. Only the titles somebody
    liked are modelled; lower ratings of the others are not read.
    """
    active = _active(x)
    xa = sp.csr_matrix(x[:, active], dtype=np.float64)
    la = (
        sp.csr_matrix(lower[:, active], dtype=np.float64)
        if lower is not None and lower_weight
        else sp.csr_matrix(xa.shape, dtype=np.float64)
    )
    key = _memo_key(xa, la, lam, lower_weight, dropout)
    if _memo and _memo[0][0] == key:
        base = _memo[0][1]
    elif la.nnz == 0:
        base = ratings_weights(xa, lam=lam, dropout=dropout)  # the input is the target
        if _memo is not None:
            _memo[:] = [(key, base)]
    else:
        base = ratings_weights(
            (xa + lower_weight * la).tocsr(), xa.tocsr(), lam=lam, dropout=dropout
        )
        if _memo is not None:
            _memo[:] = [(key, base)]
    popularity = np.maximum(np.asarray(xa.sum(axis=0)).ravel(), 1.0)
    weights = base / np.power(popularity, debias).astype(np.float32)[None, :] if debias else base
    return ItemItem(
        weights=weights.astype(np.float32, copy=False),
        active=active,
        items=x.shape[1],
        name="EASE, all ratings",
        params={
            "lam": lam,
            "lower_weight": lower_weight,
            "dropout": dropout,
            "debias": debias,
            "exclude_rated": exclude_rated,
        },
        lower_weight=lower_weight,
        excludes_rated=exclude_rated,
    )


def _scale(weights: FloatArray) -> np.float32:
    """The mean of each row's largest absolute weight: a scale both blended matrices share."""
    return np.float32(np.abs(weights).max(axis=1).mean() + 1e-12)


@dataclass
class ALS:
    """implicit's ALS (Hu, Koren, Volinsky 2008), one thread so that a seed fixes the result."""

    user_factors: FloatArray
    item_factors: FloatArray
    fitted_rows: sp.csr_matrix
    name: str = "implicit ALS"
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        x: sp.csr_matrix,
        *,
        factors: int = 128,
        regularization: float = 0.05,
        alpha: float = 2.0,
        iterations: int = 15,
        seed: int = 0,
    ) -> ALS:
        # Neither package ships type information.
        from implicit.cpu.als import AlternatingLeastSquares  # type: ignore[import-untyped]
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        # implicit warns (and runs up to ten times slower) when BLAS runs threads of its own
        # inside its solver; the limit is lifted again when the fit ends.
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=factors,
                regularization=regularization,
                alpha=alpha,
                iterations=iterations,
                random_state=seed,
                num_threads=1,
                calculate_training_loss=False,
            )
            model.fit(x.astype(np.float32).tocsr(), show_progress=False)
        return cls(
            user_factors=np.asarray(model.user_factors, dtype=np.float32),
            item_factors=np.asarray(model.item_factors, dtype=np.float32),
            fitted_rows=x,
            params={
                "factors": factors,
                "regularization": regularization,
                "alpha": alpha,
                "iterations": iterations,
            },
        )

    def scores(self, rows: sp.csr_matrix, lower: sp.csr_matrix | None = None) -> FloatArray:
        users = (
            self.user_factors
            if rows is self.fitted_rows
            # Other rows (a profile not in the fit) get the factors that solve their
            # least-squares problem against the item factors, as implicit's recalculate_user.
            else self._user_vectors(rows)
        )
        return np.asarray(users @ self.item_factors.T, dtype=np.float32)

    def _user_vectors(self, rows: sp.csr_matrix) -> FloatArray:
        y = self.item_factors.astype(np.float64)
        alpha = float(self.params["alpha"])
        reg = float(self.params["regularization"])
        yty = y.T @ y
        out = np.zeros((rows.shape[0], y.shape[1]), np.float64)
        for u in range(rows.shape[0]):
            start, end = rows.indptr[u], rows.indptr[u + 1]
            idx = rows.indices[start:end]
            if len(idx) == 0:
                continue
            yi = y[idx]
            # implicit's confidence is alpha·r, with the unobserved items at confidence 1.
            conf = alpha * np.asarray(rows.data[start:end], dtype=np.float64)
            a = yty + (yi.T * (conf - 1.0)) @ yi + reg * np.eye(y.shape[1])
            out[u] = np.linalg.solve(a, (yi.T * conf).sum(axis=1))
        return out.astype(np.float32)

    def similar(self, items: IntArray, k: int) -> tuple[IntArray, FloatArray]:
        norms = np.linalg.norm(self.item_factors, axis=1) + np.float32(1e-9)
        unit = self.item_factors / norms[:, None]
        rows = unit[items] @ unit.T
        rows[np.arange(len(items)), items] = -np.inf
        return topk(rows.astype(np.float32), k)


@dataclass
class SparseItemItem:
    """An item-item model that keeps only each item's `neighbours` strongest links.

    `neighbour_idx`/`neighbour_weights` are (items x neighbours), best first, -1 / 0 where an
    item has fewer; `weights` is the same as a sparse (items x items) matrix for `scores`.
    Memory grows with items x neighbours, not items², so it fits catalogs dense models cannot.
    """

    neighbour_idx: IntArray
    neighbour_weights: FloatArray
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def weights(self) -> sp.csr_matrix:
        items, n = self.neighbour_idx.shape
        keep = self.neighbour_idx >= 0
        rows = np.repeat(np.arange(items), n).reshape(items, n)
        return sp.csr_matrix(
            (self.neighbour_weights[keep], (rows[keep], self.neighbour_idx[keep])),
            shape=(items, items),
        )

    def scores(self, rows: sp.csr_matrix, lower: sp.csr_matrix | None = None) -> FloatArray:
        return np.asarray((rows.astype(np.float32) @ self.weights).toarray(), dtype=np.float32)

    def similar(self, items: IntArray, k: int) -> tuple[IntArray, FloatArray]:
        idx = self.neighbour_idx[items, :k]
        values = self.neighbour_weights[items, :k]
        # Callers read -1 as "no neighbour"; a weight of -inf sorts it last, as `topk` would.
        return idx.copy(), np.where(idx >= 0, values, -np.inf).astype(np.float32)


# Rows of the item-item walk computed at a time: a dense block is BLOCK x items float32
# (60,000 items: 120 MB), plus the sparse product it comes from.
SPARSE_BLOCK = 512


def rp3_sparse_fit(
    x: sp.csr_matrix,
    *,
    alpha: float = 1.0,
    beta: float = 0.5,
    neighbours: int = 100,
    block: int = SPARSE_BLOCK,
    progress: Any = None,
) -> SparseItemItem:
    """RP3β computed a block of items at a time, each row pruned to its top `neighbours`.

    The same weights as `rp3_fit` with the same `neighbours` (up to float32 rounding), but
    never more than a block of the items x items walk in memory: time grows with the
    co-occurrences (sum over users of their positives squared), memory with the catalog.
    `progress(done, total)` is called after each block.
    """
    x = x.tocsr().astype(np.float32)
    items = x.shape[1]
    user_deg = np.asarray(x.sum(axis=1)).ravel()
    item_deg = np.maximum(np.asarray(x.sum(axis=0)).ravel(), 1.0).astype(np.float32)
    p_ui = (sp.diags((1.0 / np.maximum(user_deg, 1.0)).astype(np.float32)) @ x).tocsr()
    xt = x.T.tocsr()
    penalty = np.power(item_deg, np.float32(beta)).astype(np.float32)
    n = min(neighbours, max(items - 1, 0))
    idx = np.full((items, n), -1, np.int64)
    values = np.zeros((items, n), np.float32)
    for start in range(0, items, block):
        stop = min(start + block, items)
        walk = np.asarray((xt[start:stop] @ p_ui).toarray(), dtype=np.float32)
        walk /= item_deg[start:stop, None]
        if alpha != 1.0:
            np.power(walk, np.float32(alpha), out=walk)
        walk /= penalty[None, :]
        walk[np.arange(stop - start), np.arange(start, stop)] = 0.0
        if n:
            b_idx, b_values = topk(walk, n)
            b_idx[b_values <= 0] = -1
            idx[start:stop] = b_idx
            values[start:stop] = np.where(b_values > 0, b_values, np.float32(0.0))
        if progress is not None:
            progress(stop, items)
    return SparseItemItem(
        neighbour_idx=idx,
        neighbour_weights=values,
        name="RP3β (sparse)",
        params={"alpha": alpha, "beta": beta, "neighbours": neighbours},
    )


# Dense item-item models hold a few items x items float64 matrices (EASE: XᵀX, its inverse
# and B; 3 x 8 x items² bytes). Above this many items somebody liked, that passes 3.5 GB and
# the build fits `rp3_sparse_fit` instead (docs/BENCHMARKS.md, recs section: 12,000 items are
# 3.5 GB; 60,000 would be 86 GB).
DENSE_MAX_ITEMS = 12_000
DENSE_KINDS = frozenset({"knn", "ease", "rp3", "blend", "ease_ratings"})
SPARSE_NEIGHBOURS = 100


def scale_choice(kind: str, params: dict[str, Any], *, items: int) -> tuple[str, dict[str, Any]]:
    """The model to fit for a catalog of `items` liked items: the chosen one while it fits in
    memory, else sparse RP3β (keeping the choice's alpha and beta when it has them)."""
    if kind not in DENSE_KINDS or items <= DENSE_MAX_ITEMS:
        return kind, params
    sparse = {
        "alpha": float(params.get("alpha", 1.0)),
        "beta": float(params.get("beta", 0.5)),
        "neighbours": SPARSE_NEIGHBOURS,
    }
    return "rp3_sparse", sparse


def fit_model(
    kind: str,
    x: sp.csr_matrix,
    params: dict[str, Any],
    *,
    seed: int,
    lower: sp.csr_matrix | None = None,
) -> Model:
    """Fit a model of `kind`; `lower` (ratings below the threshold) reaches only the models
    that read it."""
    if kind == "popular":
        return Popular.fit(x)
    if kind == "knn":
        return knn_fit(x, **params)
    if kind == "ease":
        return ease_fit(x, **params)
    if kind == "rp3":
        return rp3_fit(x, **params)
    if kind == "blend":
        return blend_fit(x, **params)
    if kind == "rp3_sparse":
        return rp3_sparse_fit(x, **params)
    if kind == "als":
        return ALS.fit(x, seed=seed, **params)
    if kind == "ease_ratings":
        return ease_ratings_fit(x, lower=lower, **params)
    raise ValueError(f"unknown model kind {kind!r}")

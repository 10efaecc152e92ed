from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp

from reelhouse.recs import algorithms
from reelhouse.recs.algorithms import (
    FloatArray,
    ease_ratings_fit,
    ease_weights,
    ratings_weights,
    rp3_fit,
    rp3_sparse_fit,
    scale_choice,
    weights_memo,
)
from reelhouse.recs.models import RecBuild, RecNeighbour
from reelhouse.recs.services import recs_build
from reelhouse.recs.tests.factories import planted_catalog


def _random_positives(users: int, items: int, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = (rng.random((users, items)) < 0.15).astype(np.float32)
    return sp.csr_matrix(dense)


def _lower_ratings(x: sp.csr_matrix, seed: int = 1) -> sp.csr_matrix:
    """Random ratings below the threshold, never on a positive."""
    rng = np.random.default_rng(seed)
    dense = (rng.random(x.shape) < 0.2) & (x.toarray() == 0)
    return sp.csr_matrix(dense.astype(np.float32))


def _direct_weights(
    z: npt.NDArray[np.float64], y: npt.NDArray[np.float64], penalty: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Each column's ridge regression on every input but its own: the definition itself."""
    items = z.shape[1]
    b = np.zeros((items, items))
    for j in range(items):
        others = [i for i in range(items) if i != j]
        zo = z[:, others]
        b[others, j] = np.linalg.solve(zo.T @ zo + np.diag(penalty[others]), zo.T @ y[:, j])
    return b


# 30 users x 12 items inverts the items x items matrix; 8 users x 12 items goes through Woodbury.
@pytest.mark.parametrize("users", [30, 8])
def test_all_ratings_weights_match_the_constrained_least_squares(users: int) -> None:
    x = _random_positives(users, 12, seed=users)
    lower = _lower_ratings(x)
    z = (x + 0.4 * lower).toarray().astype(np.float64)
    y = x.toarray().astype(np.float64)
    lam, dropout = 3.0, 0.3
    penalty = dropout / (1 - dropout) * (z * z).sum(axis=0) + lam
    got = ratings_weights(sp.csr_matrix(z), x, lam=lam, dropout=dropout)
    np.testing.assert_allclose(got, _direct_weights(z, y, penalty), atol=1e-6)
    assert np.all(np.diag(got) == 0.0)


@pytest.mark.parametrize("users", [30, 8])
def test_with_the_positives_as_input_it_is_edlae_and_without_dropout_ease(users: int) -> None:
    x = _random_positives(users, 12, seed=users)
    xd = x.toarray().astype(np.float64)
    gram = xd.T @ xd
    dropout, lam = 0.25, 2.0
    # Steck 2020, EDLAE: B = I - P·diag(1/diag(P)), P = (XᵀX + p/(1-p)·diag(XᵀX) + λI)⁻¹.
    p = np.linalg.inv(gram + np.diag(dropout / (1 - dropout) * np.diag(gram) + lam))
    edlae = np.eye(12) - p / np.diag(p)[None, :]
    for target in (x, None):  # the general form, and the one for inputs that are the targets
        got = ratings_weights(x, target, lam=lam, dropout=dropout)
        np.testing.assert_allclose(got, edlae, atol=1e-6)
        ease = ratings_weights(x, target, lam=lam)
        np.testing.assert_allclose(ease, ease_weights(x, lam), atol=1e-6)


def test_the_all_ratings_model_reads_lower_ratings_and_leaves_out_every_rated_title() -> None:
    x = _random_positives(40, 15)
    lower = _lower_ratings(x)
    model = ease_ratings_fit(x, lower=lower, lam=5.0, lower_weight=0.5, debias=0.0)
    rows, low = x[:6], lower[:6]
    scores = model.scores(rows, low)
    rated = (rows + low).toarray() > 0
    assert np.all(scores[rated] == -np.inf)
    assert np.all(np.isfinite(scores[~rated]))
    # The unrated titles are ranked from positives plus half-weighted lower ratings.
    profile = (rows + 0.5 * low).toarray()
    np.testing.assert_allclose(
        scores[~rated], (profile @ model.weights)[~rated], rtol=1e-5, atol=1e-6
    )
    kept = ease_ratings_fit(x, lower=lower, lam=5.0, lower_weight=0.5, exclude_rated=False)
    assert np.isfinite(kept.scores(rows, low)).all()


def test_debias_divides_each_title_by_its_popularity() -> None:
    x = _random_positives(40, 15)
    lower = _lower_ratings(x)
    plain = ease_ratings_fit(x, lower=lower, lam=5.0, debias=0.0)
    debiased = ease_ratings_fit(x, lower=lower, lam=5.0, debias=0.5)
    popularity = np.asarray(x.sum(axis=0)).ravel()
    np.testing.assert_allclose(
        debiased.weights, plain.weights / np.sqrt(popularity)[None, :], rtol=1e-5, atol=1e-7
    )


def test_the_memo_refits_only_when_more_than_debias_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = _random_positives(40, 15)
    lower = _lower_ratings(x)
    fits: list[float] = []
    real = algorithms.ratings_weights

    def counting(*args: Any, **kwargs: Any) -> FloatArray:
        fits.append(kwargs["lam"])
        return real(*args, **kwargs)

    monkeypatch.setattr(algorithms, "ratings_weights", counting)
    with weights_memo():
        first = ease_ratings_fit(x, lower=lower, lam=5.0, debias=0.0)
        ease_ratings_fit(x, lower=lower, lam=5.0, debias=0.3)
        ease_ratings_fit(x, lower=lower, lam=6.0, debias=0.3)
        again = ease_ratings_fit(x[:30], lower=lower[:30], lam=6.0, debias=0.3)
    ease_ratings_fit(x, lower=lower, lam=5.0, debias=0.0)
    ease_ratings_fit(x, lower=lower, lam=5.0, debias=0.0)
    assert fits == [5.0, 6.0, 6.0, 5.0, 5.0]
    assert first.weights.shape == again.weights.shape


def test_it_keeps_the_chosen_model_while_the_catalog_fits_in_memory() -> None:
    params = {"lam": 200.0}
    assert scale_choice("ease", params, items=algorithms.DENSE_MAX_ITEMS) == ("ease", params)
    assert scale_choice("als", {}, items=10 * algorithms.DENSE_MAX_ITEMS) == ("als", {})


def test_it_switches_a_large_catalog_to_sparse_rp3() -> None:
    kind, params = scale_choice("blend", {"lam": 200.0, "alpha": 1.0, "beta": 0.3}, items=60_000)
    assert kind == "rp3_sparse"
    assert params == {"alpha": 1.0, "beta": 0.3, "neighbours": algorithms.SPARSE_NEIGHBOURS}


@pytest.mark.parametrize("alpha", [1.0, 0.8])
def test_sparse_rp3_finds_the_same_neighbours_as_dense_rp3(alpha: float) -> None:
    x = _random_positives(300, 80)
    dense = rp3_fit(x, alpha=alpha, beta=0.5, neighbours=10)
    sparse = rp3_sparse_fit(x, alpha=alpha, beta=0.5, neighbours=10, block=7)
    items = np.arange(80, dtype=np.int64)
    d_idx, d_val = dense.similar(items, 10)
    s_idx, s_val = sparse.similar(items, 10)
    np.testing.assert_allclose(s_val, d_val, rtol=1e-4)
    assert (s_idx == d_idx).mean() > 0.99  # only float32 near-ties may swap
    rows = x[:5]
    np.testing.assert_allclose(sparse.scores(rows), dense.scores(rows), rtol=1e-4, atol=1e-6)


@pytest.mark.django_db
def test_the_build_fits_sparse_rp3_above_the_dense_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    planted = planted_catalog()
    monkeypatch.setattr(algorithms, "DENSE_MAX_ITEMS", 5)
    recs_build(quiet=True)
    build = RecBuild.objects.get(kind="also_liked")
    assert build.model == "RP3β (sparse)"
    first = planted.ballet[0]
    rail = list(
        RecNeighbour.objects.filter(title=first, kind="also_liked")
        .order_by("rank")
        .values_list("neighbour_id", "origin", "reasons__texts")
    )
    rated_ballet = {t.pk for t in planted.ballet[1:]}
    assert {pk for pk, _, _ in rail[: len(rated_ballet)]} == rated_ballet
    assert rail[0][1] == RecNeighbour.Origin.LEARNED
    assert rail[0][2][0].endswith("people who liked Ballet 0 also liked this")

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from reelhouse.recs import algorithms
from reelhouse.recs.algorithms import rp3_fit, rp3_sparse_fit, scale_choice
from reelhouse.recs.models import RecBuild, RecNeighbour
from reelhouse.recs.services import recs_build
from reelhouse.recs.tests.factories import planted_catalog


def _random_positives(users: int, items: int, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = (rng.random((users, items)) < 0.15).astype(np.float32)
    return sp.csr_matrix(dense)


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
        .values_list("neighbour_id", "model", "reasons")
    )
    rated_ballet = {t.pk for t in planted.ballet[1:]}
    assert {pk for pk, _, _ in rail[: len(rated_ballet)]} == rated_ballet
    assert rail[0][1] == "RP3β (sparse)"
    assert rail[0][2][0].endswith("people who liked Ballet 0 also liked this")

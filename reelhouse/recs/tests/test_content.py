from __future__ import annotations

import numpy as np

from reelhouse.recs.content import TitleFacts, content_model_fit


def _catalog() -> list[TitleFacts]:
    # Many titles with identical vectors (genres and a year only), as in imported catalogs,
    # plus a few described ones; popularity varies so that the tie-break matters.
    rng = np.random.default_rng(7)
    genres = ["Drama", "Comedy", "Western", "Musical"]
    facts = []
    for i in range(300):
        picked = sorted({genres[int(g)] for g in rng.integers(0, 4, size=int(rng.integers(1, 3)))})
        facts.append(
            TitleFacts(
                id=i + 1,
                title=f"T{i}",
                year=1940 + int(rng.integers(0, 4)) * 10,
                genres=picked,
                keywords=["ballet"] if i % 37 == 0 else [],
                synopsis="A dancer joins a ballet company." if i % 41 == 0 else "",
                popularity=float(rng.integers(0, 5)),
            )
        )
    facts.append(TitleFacts(id=999, title="Nothing known", year=None))
    return facts


def test_it_ranks_every_title_as_the_one_at_a_time_path_does() -> None:
    model = content_model_fit(_catalog())
    rows = np.arange(len(model.ids), dtype=np.int64)
    idx_all, values_all = model.neighbours_all(10, block=64)
    idx_one, values_one = model.neighbours(rows, 10)
    values_one = np.where(values_one > 0, values_one, 0.0)
    idx_one = np.where(values_one > 0, idx_one, -1)
    np.testing.assert_allclose(values_all, values_one, rtol=1e-6)
    # The same neighbours up to the order of (float-rounding) ties: each one picked scores
    # what the brute-force ranking has at that place.
    full = np.asarray((model.matrix @ model.matrix.T).toarray(), np.float64)
    full = np.where(full > 0, full + model.prior[None, :], 0.0)
    picked = np.where(idx_all >= 0, full[rows[:, None], np.maximum(idx_all, 0)], 0.0)
    np.testing.assert_allclose(picked, values_one, rtol=1e-6, atol=1e-7)
    assert (idx_all == idx_one).mean() > 0.9
    assert (idx_all[-1] == -1).all()  # a title with nothing to compare has no neighbours
    assert not (idx_all == rows[:, None]).any()

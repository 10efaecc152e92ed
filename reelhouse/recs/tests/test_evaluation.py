from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import call_command

from reelhouse.recs import algorithms, evaluation
from reelhouse.recs.algorithms import Model
from reelhouse.recs.docs import SECTION_END, SECTION_START, benchmarks_section_write
from reelhouse.recs.evaluation import (
    Candidate,
    Metrics,
    Result,
    holdout_split,
    lower_without_positives,
    protocol_run,
    rankings_score,
)
from reelhouse.recs.models import RecEvaluation
from reelhouse.recs.services import evaluation_winner, results_table
from reelhouse.recs.tests.factories import planted_catalog


def _csr(rows: list[list[int]], items: int) -> sp.csr_matrix:
    r = [u for u, items_ in enumerate(rows) for _ in items_]
    c = [i for items_ in rows for i in items_]
    return sp.csr_matrix((np.ones(len(r), np.float32), (r, c)), shape=(len(rows), items))


def test_metrics_match_a_hand_checked_example() -> None:
    # User 0 holds out items 1 and 7; user 1 holds out item 3; user 2 holds out nothing.
    test = _csr([[1, 7], [3], []], items=30)
    ranked = np.array(
        [
            [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 7],  # 1st and 20th
            [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],  # missed
            [21, 22, 23, 24, 25, 26, 27, 28, 29, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        ]
    )
    m = rankings_score(ranked, test, items=30)
    ideal0 = 1 + 1 / math.log2(3)
    assert m.users == 2
    assert m.ndcg10 == pytest.approx((1 / ideal0 + 0) / 2)
    assert m.recall20 == pytest.approx((2 / 2 + 0) / 2)
    assert m.hitrate10 == pytest.approx(0.5)
    # Top 10s: user 0 shows 1-6 and 8-11, user 1 shows 0-2 and 4-10, user 2 shows 21-29 and 0.
    assert m.coverage10 == pytest.approx(len(set(range(0, 12)) | set(range(21, 30))) / 30)


def test_the_holdout_is_seeded_and_takes_a_fifth_of_each_user() -> None:
    x = _csr([list(range(10)), [0, 1], [5]], items=10)
    a, b = holdout_split(x, seed=7), holdout_split(x, seed=7)
    assert (a.test - b.test).nnz == 0
    assert np.diff(a.test.indptr).tolist() == [2, 1, 0]
    assert (a.train.multiply(a.test)).nnz == 0
    assert (a.train + a.test - x).nnz == 0


@pytest.mark.django_db
def test_the_command_evaluates_every_baseline_and_stores_the_winner(
    capsys: pytest.CaptureFixture[str],
) -> None:
    planted_catalog()
    call_command("recs", "evaluate", "--quick")
    out = capsys.readouterr().out
    for label in (
        "most popular",
        "item-kNN (cosine)",
        "EASE",
        "implicit ALS",
        "production",
        "(ablation)",
    ):
        assert label in out
    assert RecEvaluation.objects.count() == 1
    assert RecEvaluation.objects.get().winner_kind != ""


def test_no_held_out_positive_reaches_a_models_input(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    x = sp.csr_matrix((rng.random((40, 30)) < 0.3).astype(np.float32))
    # Lower ratings, some deliberately on positives (a title rated twice): those must go.
    lower = sp.csr_matrix((rng.random((40, 30)) < 0.3).astype(np.float32))
    assert lower.multiply(x).nnz > 0
    seen: list[tuple[sp.csr_matrix, sp.csr_matrix | None]] = []
    real = algorithms.fit_model

    def spying(kind: str, x: sp.csr_matrix, params: dict[str, Any], **kwargs: Any) -> Model:
        seen.append((x, kwargs.get("lower")))
        return real(kind, x, params, **kwargs)

    monkeypatch.setattr(evaluation, "fit_model", spying)
    grid = [{"lam": 5.0, "lower_weight": 0.5, "dropout": 0.0, "debias": 0.1}]
    protocol_run(x, seed=5, candidates=[Candidate("ease_ratings", "p", grid)], lower=lower)
    split = holdout_split(x, seed=5)
    validation = holdout_split(split.train, seed=6)
    assert len(seen) == 2  # one setting on validation, then the refit on training
    for (fitted, fitted_lower), hidden in zip(seen, [validation.test, split.test], strict=True):
        assert fitted_lower is not None
        assert fitted.multiply(hidden).nnz == 0
        assert fitted.multiply(split.test).nnz == 0
        assert fitted_lower.multiply(hidden).nnz == 0
        # Every held-out positive, of validation and of test, is out of the lower ratings.
        assert fitted_lower.multiply(x).nnz == 0
        assert fitted_lower.nnz == (lower - lower.multiply(x)).nnz


def test_lower_ratings_lose_every_pair_that_is_a_positive() -> None:
    x = _csr([[0, 1], [2]], items=4)
    lower = sp.csr_matrix(np.array([[1, 0, 3, 0], [0, 0, 2, 5]], np.float32))
    out = lower_without_positives(lower, x)
    assert out.toarray().tolist() == [[0, 0, 1, 0], [0, 0, 0, 1]]


def _result(
    label: str,
    ndcg: float,
    *,
    validation: float | None = None,
    is_production: bool = False,
    is_ablation: bool = False,
) -> Result:
    metrics = Metrics(ndcg10=ndcg, recall20=0.0, hitrate10=0.0, coverage10=0.1, users=1)
    return Result(
        label=label,
        kind="ease",
        params={},
        test=metrics,
        items=None,
        items_offered=0.0,
        fit_seconds=0.0,
        validation_ndcg=ndcg if validation is None else validation,
        is_production=is_production,
        is_ablation=is_ablation,
    )


def test_an_ablation_is_neither_a_baseline_nor_the_winner() -> None:
    results = [
        _result("EASE", 0.26),
        _result("production", 0.32, is_production=True),
        _result("part of production", 0.40, is_ablation=True),
    ]
    assert evaluation_winner(results).label == "production"
    table = results_table(results, users=1, items=1, positives=1)
    assert "vs the best baseline (EASE)" in table
    assert "(beats it)" in table


def test_the_winner_is_chosen_on_validation_never_on_the_test_set() -> None:
    results = [
        _result("EASE", 0.30, validation=0.15),
        _result("production", 0.29, validation=0.20, is_production=True),
    ]
    assert evaluation_winner(results).label == "production"


def test_the_docs_section_is_appended_then_replaced(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nOther section.\n", encoding="utf-8")
    benchmarks_section_write(path, "evaluation", "| a |", command="x", machine="m")
    benchmarks_section_write(path, "evaluation", "| b |", command="y", machine="m")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nOther section.\n")
    assert text.count(SECTION_START) == 1
    assert text.index(SECTION_START) < text.index("| b |") < text.index(SECTION_END)
    assert "| a |" not in text

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import call_command

from reelhouse.recs.docs import SECTION_END, SECTION_START, benchmarks_section_write
from reelhouse.recs.evaluation import holdout_split, rankings_score
from reelhouse.recs.models import RecEvaluation
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
    for label in ("most popular", "item-kNN (cosine)", "EASE", "implicit ALS", "production"):
        assert label in out
    assert RecEvaluation.objects.count() == 1


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

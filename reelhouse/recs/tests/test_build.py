from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from reelhouse.catalog.models import Title
from reelhouse.community.models import Rating
from reelhouse.recs import algorithms, selectors, services
from reelhouse.recs.algorithms import Model
from reelhouse.recs.models import RecBuild, RecEvaluation, RecNeighbour, RecReasons
from reelhouse.recs.selectors import rating_matrix_get, title_facts_list
from reelhouse.recs.services import recs_build
from reelhouse.recs.tests.factories import FANS_PER_CLUSTER, Planted, planted_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(db: None) -> Planted:
    return planted_catalog()


def _rail(title_id: int, kind: str) -> list[tuple[int, list[str], str]]:
    """(neighbour, reasons, origin: "content", "popular" or "learned") of each entry."""
    return [
        (n.neighbour_id, n.reasons.texts, n.get_origin_display())
        for n in RecNeighbour.objects.filter(title_id=title_id, kind=kind)
        .select_related("reasons")
        .order_by("rank")
    ]


def _all_rows() -> list[tuple[Any, ...]]:
    return list(
        RecNeighbour.objects.order_by("title_id", "kind", "rank").values_list(
            "title_id", "kind", "rank", "neighbour_id", "score", "reasons__texts", "origin"
        )
    )


def test_it_finds_content_neighbours_in_the_same_cluster_with_reasons(planted: Planted) -> None:
    recs_build(quiet=True)
    first = planted.ballet[0]
    rail = _rail(first.pk, "similar")
    cluster = {t.pk for t in planted.ballet[1:]} | {planted.unrated.pk}
    assert {pk for pk, _, _ in rail[: len(cluster)]} == cluster
    reasons = rail[0][1]
    assert "Same director: Ada Director" in reasons
    assert "Also stars Moira Dancer" in reasons
    assert "Both about ballet" in reasons
    assert all(origin == "content" for _, _, origin in rail)


def test_it_learns_also_liked_from_the_fans_with_counts(planted: Planted) -> None:
    recs_build(quiet=True)
    first = planted.ballet[0]
    rail = _rail(first.pk, "also_liked")
    rated_ballet = {t.pk for t in planted.ballet[1:]}
    assert {pk for pk, _, _ in rail[: len(rated_ballet)]} == rated_ballet
    top_reason = rail[0][1][0]
    # Fan f skips ballet film f % 6: fans 0 and 6 skip Ballet 0, fan 2 skips Ballet 2, so the
    # two were liked together by the other five.
    assert top_reason == "5 people who liked Ballet 0 also liked this"
    assert rail[0][2] == "learned"


def test_a_title_with_no_ratings_still_gets_a_rail(planted: Planted) -> None:
    recs_build(quiet=True)
    rail = _rail(planted.unrated.pk, "also_liked")
    assert len(rail) >= len(planted.ballet)
    assert {pk for pk, _, _ in rail[: len(planted.ballet)]} == {t.pk for t in planted.ballet}
    assert rail[0][2] == "content"
    assert "Same director: Ada Director" in rail[0][1]


def test_the_build_is_deterministic(planted: Planted) -> None:
    recs_build(quiet=True)
    first = _all_rows()
    RecNeighbour.objects.all().delete()
    RecBuild.objects.all().delete()
    from reelhouse.recs.models import RecTitleState

    RecTitleState.objects.all().delete()
    recs_build(quiet=True)
    assert _all_rows() == first


def test_a_rerun_with_nothing_changed_does_nothing(planted: Planted) -> None:
    recs_build(quiet=True)
    ids = list(RecNeighbour.objects.order_by("pk").values_list("pk", flat=True))
    report = recs_build(quiet=True)
    assert [k.skipped for k in report.kinds] == [True, True]
    assert list(RecNeighbour.objects.order_by("pk").values_list("pk", flat=True)) == ids
    full = recs_build(full=True, quiet=True)
    assert [k.written for k in full.kinds] == [0, 0]


def test_a_killed_build_resumes_after_its_last_batch(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services._rails_write
    calls = {"n": 0}

    def dying(**kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] > 2:
            raise RuntimeError("killed")
        real(**kwargs)

    monkeypatch.setattr(services, "_rails_write", dying)
    with pytest.raises(RuntimeError, match="killed"):
        recs_build(batch_size=3, quiet=True)
    build = RecBuild.objects.get(kind="similar")
    assert build.status == RecBuild.Status.RUNNING
    assert build.batches_done == 2
    monkeypatch.setattr(services, "_rails_write", real)

    report = recs_build(batch_size=3, quiet=True)
    assert report.kinds[0].resumed_at == 2
    resumed = _all_rows()
    # A full rebuild finds every rail already right.
    assert [k.written for k in recs_build(full=True, batch_size=3, quiet=True).kinds] == [0, 0]
    assert _all_rows() == resumed


def _evaluation_store(kind: str, params: dict[str, Any]) -> None:
    RecEvaluation.objects.create(
        created_at=timezone.now(), seed=0, results=[], winner_kind=kind, winner_params=params
    )


def test_an_incremental_build_recomputes_only_what_changed(planted: Planted) -> None:
    # EASE on positives: no rail of one cluster shows the other, so the plan is exactly the
    # ballet titles. (The production model also reads each fan's low rating of the other
    # cluster, which links the clusters, and rails showing a changed title are replanned.)
    _evaluation_store("ease", {"lam": 200.0})
    recs_build(quiet=True)
    untouched = planted.westerns[0]
    before = _rail(untouched.pk, "also_liked")
    written = list(
        RecNeighbour.objects.filter(title=untouched, kind="also_liked").values_list("pk", flat=True)
    )
    # A new fan likes two ballet films: only ballet titles (and rails showing them) change.
    for t in planted.ballet[:2]:
        Rating.objects.create(
            title=t, source="movielens", external_user="new", score=9.0, rated_at=t.created_at
        )
    report = recs_build(quiet=True)
    similar, also_liked = report.kinds
    assert similar.skipped
    assert 2 <= also_liked.planned <= len(planted.ballet) + 1
    build = RecBuild.objects.filter(kind="also_liked").order_by("-id").first()
    assert build is not None
    plan = set(build.params["plan"])
    assert {t.pk for t in planted.ballet[:2]} <= plan
    assert not plan & {t.pk for t in planted.westerns}
    assert _rail(untouched.pk, "also_liked") == before
    # Not written again: the same rows.
    assert (
        list(
            RecNeighbour.objects.filter(title=untouched, kind="also_liked").values_list(
                "pk", flat=True
            )
        )
        == written
    )


def test_each_list_of_reasons_is_stored_once_and_every_entry_finds_its_own(
    planted: Planted,
) -> None:
    recs_build(quiet=True)
    used = set(RecNeighbour.objects.values_list("reasons_id", flat=True))
    stored = dict(RecReasons.objects.values_list("id", "texts"))
    assert set(stored) == used
    assert len(used) < RecNeighbour.objects.count()
    assert len({json.dumps(texts) for texts in stored.values()}) == len(stored)


def test_a_build_that_rewrites_rails_deletes_the_reasons_nothing_gives_any_more(
    planted: Planted,
) -> None:
    recs_build(quiet=True)
    first = planted.ballet[0]
    people_reason = _rail(first.pk, "also_liked")[0][1]
    unused = RecReasons.objects.create(id=1, texts=["Nothing gives this"])
    # Everyone who liked Ballet 0 leaves: its rail's people no longer count.
    Rating.objects.filter(title=first).delete()
    report = recs_build(quiet=True)
    assert report.kinds[1].written > 0
    assert not RecReasons.objects.filter(pk=unused.pk).exists()
    assert not RecReasons.objects.filter(texts=people_reason).exists()
    used = set(RecNeighbour.objects.values_list("reasons_id", flat=True))
    assert set(RecReasons.objects.values_list("id", flat=True)) == used


def test_the_command_builds_and_reports(
    planted: Planted, capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    call_command("recs", "build")
    out = capsys.readouterr().out
    assert "similar:" in out
    assert "also_liked:" in out
    assert RecNeighbour.objects.filter(kind="similar").exists()


def _neighbour_index_exists() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, RecNeighbour._meta.db_table)
    return "rec_neighbour_of" in constraints


def test_a_large_write_sets_the_neighbour_index_aside_and_builds_it_again(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "INDEX_ASIDE_ROWS", 0)
    seen: list[bool] = []
    real = services._rails_write

    def watching(**kwargs: Any) -> None:
        seen.append(_neighbour_index_exists())
        real(**kwargs)

    monkeypatch.setattr(services, "_rails_write", watching)
    recs_build(quiet=True)
    assert seen
    assert not any(seen)
    assert _neighbour_index_exists()


def test_a_build_killed_without_its_index_builds_it_first(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "INDEX_ASIDE_ROWS", 0)
    monkeypatch.setattr(services, "_index_ensure", lambda: None)  # as if killed before it
    monkeypatch.setattr(services, "_batch_commit", _raise_killed)
    with pytest.raises(RuntimeError, match="killed"):
        recs_build(quiet=True)
    assert not _neighbour_index_exists()
    monkeypatch.undo()
    recs_build(quiet=True)
    assert _neighbour_index_exists()


def _raise_killed(**_: Any) -> None:
    raise RuntimeError("killed")


def test_also_liked_rails_are_the_same_computed_in_the_background_or_not(
    planted: Planted,
) -> None:
    facts = title_facts_list()
    ratings = rating_matrix_get(title_ids=[f.id for f in facts])
    lower = selectors.lower_ratings_get(ratings)
    rows = np.arange(len(facts), dtype=np.int64)
    direct = services.RailMaker(facts, ratings, services.DEFAULT_CHOICE, lower)
    background = services.RailMaker(facts, ratings, services.DEFAULT_CHOICE, lower)
    background.also_liked_start()
    a, b = direct.also_liked(rows), background.also_liked(rows)
    assert direct.digests(a) == background.digests(b)
    assert (a.neighbours == b.neighbours).all()


def _fits_watched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, sp.csr_matrix | None]]:
    fits: list[tuple[str, sp.csr_matrix | None]] = []
    real = algorithms.fit_model

    def watching(kind: str, x: sp.csr_matrix, params: dict[str, Any], **kwargs: Any) -> Model:
        fits.append((kind, kwargs.get("lower")))
        return real(kind, x, params, **kwargs)

    monkeypatch.setattr(services, "fit_model", watching)
    return fits


def test_the_build_uses_the_model_that_won_the_evaluation(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_command("recs", "evaluate", "--quick")
    evaluated = RecEvaluation.objects.get()
    fits = _fits_watched(monkeypatch)
    recs_build(quiet=True)
    build = RecBuild.objects.get(kind="also_liked")
    assert build.params["choice"] == [evaluated.winner_kind, evaluated.winner_params]
    assert [kind for kind, _ in fits] == [evaluated.winner_kind]
    # A later evaluation with another winner changes the model of the next build.
    _evaluation_store("ease", {"lam": 50.0})
    recs_build(quiet=True)
    latest = RecBuild.objects.filter(kind="also_liked").order_by("-id").first()
    assert latest is not None
    assert latest.model == "EASE"
    assert latest.params["choice"] == ["ease", {"lam": 50.0}]


def test_before_any_evaluation_the_build_fits_the_all_ratings_model_with_the_low_ratings(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    fits = _fits_watched(monkeypatch)
    recs_build(quiet=True)
    assert RecBuild.objects.get(kind="also_liked").model == "EASE, all ratings"
    [(kind, lower)] = fits
    assert kind == "ease_ratings"
    assert lower is not None
    # Every fan rated one film of the other cluster 4/10, and nothing else below 8.
    assert lower.nnz == 2 * FANS_PER_CLUSTER
    assert lower.multiply(rating_matrix_get(title_ids=_title_ids()).matrix).nnz == 0


def test_the_low_ratings_line_up_with_the_positives(planted: Planted) -> None:
    ratings = rating_matrix_get(title_ids=_title_ids())
    lower = selectors.lower_ratings_get(ratings)
    assert lower.shape == ratings.matrix.shape
    column = {int(t): i for i, t in enumerate(ratings.title_ids.tolist())}
    for fan in range(FANS_PER_CLUSTER):
        row = ratings.user_keys.index(f"movielens:b{fan}")
        liked = set(ratings.matrix[row].indices.tolist())
        assert {column[t.pk] for t in planted.ballet} - liked == {fan % len(planted.ballet)}
        low = planted.westerns[fan % len(planted.westerns)]
        assert lower[row].indices.tolist() == [column[low.pk]]


def _title_ids() -> list[int]:
    return [f.id for f in title_facts_list()]


def _deleting_while_building(monkeypatch: pytest.MonkeyPatch, title_id: int) -> None:
    """The title is deleted after the rails are computed and before they are written."""
    digests = services.RailMaker.digests

    def deleting(self: services.RailMaker, rails: services.Rails) -> list[int]:
        Title.objects.filter(pk=title_id).delete()
        return digests(self, rails)

    monkeypatch.setattr(services.RailMaker, "digests", deleting)


def test_a_title_deleted_while_the_build_runs_is_left_out(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = planted.ballet[1].pk
    _deleting_while_building(monkeypatch, gone)
    recs_build(quiet=True, kinds=("similar",))
    assert RecBuild.objects.get(kind="similar").status == RecBuild.Status.FINISHED
    rail = [pk for pk, _, _ in _rail(planted.ballet[0].pk, "similar")]
    assert rail
    assert gone not in rail
    assert not RecNeighbour.objects.filter(title_id=gone).exists()
    assert not RecNeighbour.objects.filter(neighbour_id=gone).exists()


@pytest.mark.django_db(transaction=True)
def test_a_build_outside_a_transaction_leaves_no_broken_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On SQLite the build's connection checks its keys once a batch, not row by row.
    planted = planted_catalog()
    gone = planted.ballet[1].pk
    _deleting_while_building(monkeypatch, gone)
    recs_build(quiet=True)
    assert not RecNeighbour.objects.filter(neighbour_id=gone).exists()
    assert RecNeighbour.objects.filter(title_id=planted.ballet[0].pk, kind="similar").exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pragma_foreign_key_check")
            assert cursor.fetchone()[0] == 0
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1  # checked again after the build

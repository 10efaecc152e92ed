"""The PostgreSQL backend's popular tiers and prefix strategies, on a catalog small enough to
tier by lowering the tier sizes: whatever path a match takes, it answers what one plain query
ordered by id answers."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.db import connection

from reelhouse.catalog.tests.factories import make_title
from reelhouse.search.backends.base import Alternatives
from reelhouse.search.services import search_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiered(db: None, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """60 titles over many popularity buckets, indexed in tiers of 5, 10, 20 and 40 ranks."""
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend")
    from reelhouse.search.backends import postgres

    monkeypatch.setattr(postgres, "TIER_FIRST", 5)
    monkeypatch.setattr(postgres, "TIER_GROWTH", 2)
    for n in range(60):
        words = ["common", "rare" if n % 7 == 0 else "plain", f"w{n}"]
        make_title(" ".join(words), year=1950 + n, rating_votes=3**n % 100_003 + n, rating=6.0)
    search_rebuild(quiet=True, restart=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_below FROM search_tier ORDER BY id_below")
        return [row[0] for row in cursor.fetchall()]


def _expected(groups: Sequence[Alternatives], limit: int, *, spare: int = 0) -> list[int]:
    from reelhouse.search.backends.postgres import tsquery_expression

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM search_document WHERE tsv @@ to_tsquery('simple', %s) "
            "ORDER BY id LIMIT %s",
            [tsquery_expression(groups, spare=spare), limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _match(groups: Sequence[Alternatives], limit: int, *, spare: int = 0) -> list[int]:
    from reelhouse.search.backends.postgres import PostgresBackend

    return [row.id for row in PostgresBackend().match(groups, ["title"], limit, spare=spare)]


def test_a_rebuild_makes_tiers_with_their_own_indexes(tiered: list[int]) -> None:
    assert len(tiered) >= 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'search_document' "
            "AND indexname LIKE 'search_document_tsv_t%%' ORDER BY indexname"
        )
        assert [row[0] for row in cursor.fetchall()] == [
            f"search_document_tsv_t{n}" for n in range(len(tiered))
        ]
        # The table is laid out in id (popularity) order, and scans it alone.
        cursor.execute("SELECT id FROM search_document ORDER BY ctid")
        ids = [row[0] for row in cursor.fetchall()]
        assert ids == sorted(ids)
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'search_document'")
        assert "parallel_workers=0" in cursor.fetchone()[0]


@pytest.mark.parametrize(
    "groups",
    [
        [[("common", False)]],
        [[("rare", False)]],
        [[("common", False)], [("rare", False)]],
        [[("comm", True)]],
        [[("common", False)], [("ra", True)]],
        [[("rare", False)], [("w", True)]],
        [[("plain", False), ("rare", False)], [("w1", True)]],
        [[("common", False)], [("19", True)]],
    ],
)
def test_a_match_across_tiers_is_the_first_matches_by_id(
    tiered: list[int], groups: Sequence[Alternatives]
) -> None:
    # The limits in one test: the tiered catalog takes a second to build.
    for limit in (1, 3, 8, 30, 100):
        assert _match(groups, limit) == _expected(groups, limit), f"limit {limit}"


@pytest.mark.parametrize(
    ("checked_up_to", "row_cost"),
    [
        (100, 10),  # always checked on the other words' rows
        (0, 0),  # by the vocabulary's counts: searched
        (0, 10**9),  # by the vocabulary's counts: checked
    ],
)
def test_a_prefix_checked_or_searched_finds_the_same(
    tiered: list[int], monkeypatch: pytest.MonkeyPatch, checked_up_to: int, row_cost: int
) -> None:
    from reelhouse.search.backends import postgres

    monkeypatch.setattr(postgres, "PREFIX_CHECKED_UP_TO", checked_up_to)
    monkeypatch.setattr(postgres, "ROW_COST", row_cost)
    for groups in (
        [[("common", False)], [("w", True)]],
        [[("rare", False)], [("w2", True)]],
        [[("plain", False)], [("w5", True)]],
        [[("common", False)], [("pla", True)]],
    ):
        for limit in (2, 9, 100):
            assert _match(groups, limit) == _expected(groups, limit)


def test_tier_bounds_kept_from_before_a_rebuild_change_nothing_but_speed(
    tiered: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reelhouse.search.backends import postgres

    stale = {
        key: (kept[0], [b + (3 << 40) for b in kept[1]])
        for key, kept in postgres._tiers_read.items()
    }
    assert stale
    monkeypatch.setattr(postgres, "_tiers_read", stale)
    for groups in ([[("common", False)]], [[("rare", False)], [("w", True)]]):
        for limit in (3, 30):
            assert _match(groups, limit) == _expected(groups, limit)


def test_every_word_but_one_and_any_word(tiered: list[int]) -> None:
    groups: list[Alternatives] = [[("common", False)], [("rare", False)], [("w14", False)]]
    assert _match(groups, 100, spare=1) == _expected(groups, 100, spare=1)
    assert 14 > len(_match(groups, 100, spare=1)) > 1
    # Any of the words: the best-known tiers are enough.
    from reelhouse.search.backends.postgres import ANY_TIERS

    found = _match(groups, 100, spare=2)
    assert found == _expected(groups, 100, spare=2)[: len(found)]
    assert all(pk < tiered[ANY_TIERS - 1] for pk in found)

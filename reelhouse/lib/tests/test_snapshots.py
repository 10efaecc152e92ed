"""A fixture's snapshot puts back exactly what its build wrote, and only from the same state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from reelhouse.catalog.models import Title
from reelhouse.catalog.tests.factories import make_title
from reelhouse.importers.demo import showcase_load
from reelhouse.lib.snapshots import Snapshots, fingerprint
from reelhouse.search.engine import search

pytestmark = pytest.mark.django_db


@contextmanager
def rolled_back() -> Iterator[None]:
    """A block whose writes are undone after it, as each test's are."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _found(query: str) -> list[str]:
    return [r["name"] for r in search(query)["results"]]


# Transactions of its own, as tests have: FTS5 keeps state across them.
@pytest.mark.django_db(transaction=True)
def test_it_puts_back_exactly_what_the_build_wrote() -> None:
    snapshots = Snapshots()
    with rolled_back():
        assert snapshots.load("showcase", showcase_load) is False
        built, found = fingerprint(), _found("red shoes")
    assert fingerprint() != built
    if connection.vendor == "postgresql":
        # As TRUNCATE ... RESTART IDENTITY would leave it (SQLite's rolls back by itself).
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('catalog_title', 'id'), 1)")
    with rolled_back():
        assert snapshots.load("showcase", showcase_load) is True
        assert fingerprint() == built
        # The search index (FTS5's virtual table on SQLite) answers as after the build.
        assert _found("red shoes") == found
        assert "The Red Shoes" in found
        # New rows get ids of their own: the sequences are past the rows put back.
        put_back = list(Title.objects.values_list("pk", flat=True))
        # (bulk_create: no signal, so the search index is only read in this transaction, the
        # case in which FTS5 would keep a structure it read from rows written behind its back)
        (after,) = Title.objects.bulk_create([Title(title="After the showcase", slug="after")])
        assert after.pk is not None
        assert after.pk > max(put_back)
    # And nothing is left of it, the search index included, which takes new titles at once.
    make_title("Red Shoes Again")
    assert _found("red shoes") == ["Red Shoes Again"]
    assert Title.objects.count() == 1


def test_it_builds_again_from_another_state() -> None:
    snapshots = Snapshots()
    calls = []

    def build() -> None:
        calls.append(1)
        make_title("Built")

    with rolled_back():
        assert snapshots.load("one", build) is False
    with rolled_back():
        make_title("Already here")
        assert snapshots.load("one", build) is False
        assert sorted(Title.objects.values_list("title", flat=True)) == ["Already here", "Built"]
    with rolled_back():
        assert snapshots.load("one", build) is True
        assert list(Title.objects.values_list("title", flat=True)) == ["Built"]
    assert len(calls) == 2


def test_a_build_that_creates_a_table_runs_every_time() -> None:
    snapshots = Snapshots()

    def build() -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE snapshot_scratch (n integer)")
            cursor.execute("INSERT INTO snapshot_scratch VALUES (1)")

    for _ in range(2):
        with rolled_back():
            assert snapshots.load("table", build) is False
            with connection.cursor() as cursor:
                cursor.execute("SELECT n FROM snapshot_scratch")
                assert cursor.fetchall() == [(1,)]

from __future__ import annotations

import pytest
from django.utils import timezone

from reelhouse.catalog.models import Title
from reelhouse.importers.bulk import (
    _existing_index_names,
    indexes_ensure,
    indexes_set_aside,
    rows_insert,
    rows_update,
)

pytestmark = pytest.mark.django_db(transaction=True)

NAMED = {index.name for index in Title._meta.indexes}


def test_it_inserts_and_updates_rows_in_bulk() -> None:
    now = timezone.now()
    columns = [
        "title",
        "slug",
        "match_key",
        "kind",
        "format",
        "original_title",
        "synopsis",
        "tagline",
        "original_language",
        "is_adult",
        "poster_url",
        "backdrop_url",
        "rating_source",
        "popularity",
        "field_sources",
        "created_at",
        "updated_at",
    ]
    rows = [
        (
            f"T{n}",
            f"t{n}",
            f"t{n}|",
            "movie",
            "",
            "",
            "",
            "",
            "",
            False,
            "",
            "",
            "",
            0.0,
            "{}",
            now,
            now,
        )
        for n in range(3)
    ]
    rows_insert(Title, columns, rows)
    assert sorted(Title.objects.values_list("title", flat=True)) == ["T0", "T1", "T2"]
    first = Title.objects.get(title="T0")
    rows_update(Title, ["synopsis"], [("Updated.", first.pk)])
    first.refresh_from_db()
    assert first.synopsis == "Updated."


def test_secondary_indexes_come_back_after_a_bulk_load() -> None:
    with indexes_set_aside(Title, when=True):
        assert not NAMED & _existing_index_names(Title)
    assert _existing_index_names(Title) >= NAMED


def test_a_load_killed_without_its_indexes_gets_them_back() -> None:
    context = indexes_set_aside(Title, when=True)
    context.__enter__()  # the process "dies" here: __exit__ never runs
    assert sorted(indexes_ensure(Title)) == sorted(NAMED)
    assert indexes_ensure(Title) == []

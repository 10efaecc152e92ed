from __future__ import annotations

import pytest
from django.db import connection, models

from reelhouse.catalog.models import AlternativeTitle
from reelhouse.people.models import Credit

pytestmark = pytest.mark.django_db


def _indexed_columns(model: type[models.Model]) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]


@pytest.mark.parametrize(
    ("model", "leading"),
    [(Credit, "title_id"), (Credit, "person_id"), (AlternativeTitle, "title_id")],
)
def test_a_foreign_key_is_indexed_once_by_an_index_that_leads_with_it(
    model: type[models.Model], leading: str
) -> None:
    # Importers write millions of these rows; every index is maintained row by row.
    indexed = _indexed_columns(model)
    assert [leading] not in indexed
    assert any(columns[0] == leading and len(columns) > 1 for columns in indexed)

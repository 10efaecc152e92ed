"""The interface both index backends implement, and the rows they answer with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple, Protocol

from django.db import connection

from reelhouse.search.documents import KIND_SHIFT, KINDS, Document
from reelhouse.search.text import deletes, typo_budget

# One typed word and what it may match: (term, is_prefix) alternatives.
Alternatives = Sequence[tuple[str, bool]]


class Row(NamedTuple):
    id: int
    kind: int
    object_id: int
    name: str
    slug: str
    year: int | None
    names: str
    popularity: float


ROW_COLUMNS = "d.id, d.kind, d.object_id, d.name, d.slug, d.year, d.names, d.popularity"


class Backend(Protocol):
    vendor: str

    def schema_create(self) -> None: ...

    def schema_drop(self) -> None: ...

    def clear(self) -> None: ...

    def bulk_begin(self) -> None: ...

    def bulk_end(self) -> None: ...

    def documents_write(self, documents: Sequence[Document], *, fresh: bool = False) -> None:
        """Insert or replace documents; `fresh` says none of them is indexed yet (a rebuild)."""

    def documents_delete(self, kind: str, object_ids: Sequence[int]) -> None: ...

    def vocabulary_add(self, counts: Counter[str]) -> None: ...

    def vocabulary_clear(self) -> None: ...

    def vocabulary_known(self, tokens: Sequence[str]) -> set[str]: ...

    def vocabulary_near(self, token: str) -> list[str]:
        """Indexed words that may be within the token's typo budget (checked by the caller)."""

    def match(
        self,
        groups: Sequence[Alternatives],
        kinds: Sequence[str],
        limit: int,
        *,
        every: bool = True,
    ) -> list[Row]:
        """The best-known documents matching every group (or any group), best known first."""

    def exact(self, names: Sequence[str], kinds: Sequence[str], limit: int) -> list[Row]: ...

    def rows_for(self, kind: str, object_ids: Sequence[int]) -> list[Row]:
        """The documents of these titles, people or articles (those indexed)."""

    def count(self) -> int: ...


def kind_codes(kinds: Sequence[str]) -> list[int]:
    return sorted(KINDS[k] for k in kinds)


def vocabulary_keys(words: Counter[str]) -> list[tuple[str, str]]:
    """(key, word) rows of the symmetric-delete index: each word under itself and its deletes."""
    # Sorted, so a bulk load appends to the primary key instead of splitting pages all over it.
    return sorted((key, word) for word in words if typo_budget(word) for key in deletes(word, 1))


def query_keys(token: str) -> list[str]:
    """The keys a typed word looks up: its deletes, two deep for long words."""
    return sorted(deletes(token, min(typo_budget(token), 2)))


def kind_condition(column: str, kinds: Sequence[str]) -> str:
    """SQL that keeps ids of these kinds, read from the id's kind bits (no table lookup).

    Empty when every kind is wanted. Codes are our own small integers, safe to inline.
    """
    if len(kinds) >= len(KINDS):
        return ""
    codes = ", ".join(str(code) for code in kind_codes(kinds)) or "-1"
    return f" AND (({column} >> {KIND_SHIFT}) & 3) IN ({codes})"


def exact_subqueries(names: Sequence[str], kinds: Sequence[str]) -> str:
    """One `ORDER BY document_id LIMIT` per name, so each reads only the first ids of its name
    in the (name, document_id) primary key, however many documents share a common name."""
    condition = kind_condition("document_id", kinds)
    # Only our own kind codes are inlined; names and limits are parameters.
    one = (
        "SELECT * FROM (SELECT document_id FROM search_name WHERE name = %s"  # noqa: S608
        f"{condition} ORDER BY document_id LIMIT %s) s{{n}}"
    )
    return " UNION ALL ".join(one.format(n=n) for n in range(len(names)))


def exact_rows(names: Sequence[str], kinds: Sequence[str], limit: int) -> list[Row]:
    """Documents named exactly one of `names` (both backends: plain indexed SQL)."""
    names = [n for n in names if n]
    if not names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ROW_COLUMNS} FROM ({exact_subqueries(names, kinds)}) n "  # noqa: S608
            "JOIN search_document d ON d.id = n.document_id ORDER BY d.id LIMIT %s",
            [*(v for name in names for v in (name, limit)), limit],
        )
        return [Row(*row) for row in cursor.fetchall()]

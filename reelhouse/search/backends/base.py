"""The interface both index backends implement, and the rows they answer with."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from django.db import connection

from reelhouse.search.documents import KIND_SHIFT, KINDS, Document
from reelhouse.search.text import deletes, typo_budget

# One typed word and what it may match: (term, is_prefix) alternatives.
Alternatives = Sequence[tuple[str, bool]]
# The vocabulary row whose count is the number of documents (for IDF): no folded word is empty.
DOCUMENT_COUNT = ""


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

    def vocabulary_counts(self, words: Sequence[str]) -> dict[str, int]:
        """How many documents hold each of these words (those the vocabulary knows)."""

    def vocabulary_near(self, tokens: Sequence[str]) -> dict[str, list[str]]:
        """Per token, indexed words that may be within its typo budget (the caller checks)."""

    def match(
        self,
        groups: Sequence[Alternatives],
        kinds: Sequence[str],
        limit: int,
        *,
        spare: int = 0,
    ) -> list[Row]:
        """The best-known documents matching every group but `spare` of them, best known first.

        `spare=0`: every word; `spare=len(groups) - 1`: any word, for which the best-known
        documents are enough (a backend may look at those only).
        """

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


def keys_near(tokens: Sequence[str], rows: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Per token, the words of the (key, word) rows that one lookup of all tokens' keys found."""
    words: dict[str, set[str]] = {}
    for key, word in rows:
        words.setdefault(key, set()).add(word)
    return {
        token: sorted({w for key in query_keys(token) for w in words.get(key, ())})
        for token in tokens
    }


def match_expression(
    groups: Sequence[Alternatives],
    spare: int,
    term: Callable[[str, bool], str],
    *,
    both: str,
    either: str,
) -> str:
    """A full-text query (FTS5's or tsquery's, by `both`/`either`) for every group but `spare`.

    With one spare group, the disjunction of every way to leave one out: "the red shoes powell"
    finds The Red Shoes.
    """
    parts = ["(" + either.join(term(t, p) for t, p in group) + ")" for group in groups]
    need = len(parts) - spare
    if need >= len(parts):
        return both.join(parts)
    if need <= 1:
        return either.join(parts)
    return either.join(
        "(" + both.join(subset) + ")" for subset in itertools.combinations(parts, need)
    )


def kind_condition(column: str, kinds: Sequence[str]) -> str:
    """SQL that keeps ids of these kinds, read from the id's kind bits (no table lookup).

    Empty when every kind is wanted. Codes are our own small integers, safe to inline.
    """
    if len(kinds) >= len(KINDS):
        return ""
    codes = ", ".join(str(code) for code in kind_codes(kinds)) or "-1"
    return f" AND (({column} >> {KIND_SHIFT}) & 3) IN ({codes})"


def exact_subqueries(names: Sequence[str]) -> str:
    """One `ORDER BY document_id LIMIT` per name, so each reads only the first ids of its name
    in the (name, document_id) primary key, however many documents share a common name."""
    # The kind is checked outside: inside, PostgreSQL priced the bit test as keeping 1% of the
    # entries and sorted all 7,800 documents named "anan" rather than read the first 50 (11 ms).
    one = (
        "SELECT * FROM (SELECT document_id FROM search_name WHERE name = %s "
        "ORDER BY document_id LIMIT %s) s{n}"
    )
    return " UNION ALL ".join(one.format(n=n) for n in range(len(names)))


def exact_rows(names: Sequence[str], kinds: Sequence[str], limit: int) -> list[Row]:
    """Documents named exactly one of `names` (both backends: plain indexed SQL)."""
    names = [n for n in names if n]
    if not names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ROW_COLUMNS} FROM ({exact_subqueries(names)}) n "  # noqa: S608
            "JOIN search_document d ON d.id = n.document_id "
            f"WHERE true{kind_condition('d.id', kinds)} ORDER BY d.id LIMIT %s",
            [*(v for name in names for v in (name, limit)), limit],
        )
        return [Row(*row) for row in cursor.fetchall()]

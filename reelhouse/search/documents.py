"""What the search index holds for a title, a person or an article, built from the catalog.

A document's id orders the index by how well known it is: the most popular documents have the
smallest ids, so "the first K matches in id order" is "the K best-known matches", which both
backends can answer without ranking every match (see docs/SEARCH.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count

from reelhouse.catalog.models import AlternativeTitle, Title
from reelhouse.editorial.selectors import article_published_list
from reelhouse.people.models import Person
from reelhouse.search.text import fold

KINDS = {"title": 0, "person": 1, "article": 2}
KIND_NAMES = {code: name for name, code in KINDS.items()}
POPULARITY_BUCKETS = 1000
# Bits of a document id: popularity bucket from bit 40, kind at bits 38-39, object id below.
KIND_SHIFT = 38
POPULARITY_SHIFT = 40
NAMES_PER_DOCUMENT = 16


@dataclass
class Document:
    kind: str
    object_id: int
    name: str
    slug: str
    year: int | None
    names: list[str]  # folded; the primary name first
    popularity: float  # 0 for the unknown, about 15 for the best known

    @property
    def id(self) -> int:
        return document_id(self.kind, self.object_id, self.popularity)

    @property
    def text(self) -> str:
        return "\n".join(self.names)


def document_id(kind: str, object_id: int, popularity: float) -> int:
    bucket = min(POPULARITY_BUCKETS - 1, max(0, int(popularity * 40)))
    return (
        ((POPULARITY_BUCKETS - bucket) << POPULARITY_SHIFT)
        | (KINDS[kind] << KIND_SHIFT)
        | object_id
    )


def title_popularity(votes: int | None, popularity: float, rating: float | None) -> float:
    score = math.log1p(votes or 0) + 0.5 * math.log1p(max(popularity, 0.0))
    return score + (0.25 if rating is not None else 0.0)


def person_popularity(popularity: float, credits: int) -> float:
    return math.log1p(max(popularity, 0.0)) + 0.5 * math.log1p(credits)


def _names(*values: str) -> list[str]:
    # The original title is most often the title itself: fold each distinct value once.
    return [n for n in dict.fromkeys(fold(v) for v in dict.fromkeys(values)) if n][
        :NAMES_PER_DOCUMENT
    ]


def title_documents(
    ids: Iterable[int] | None = None, *, after: int = 0, limit: int = 0
) -> list[Document]:
    """Documents for the titles given, or for a batch of titles by id after `after`. 2 queries."""
    rows = Title.objects.exclude(kind=Title.Kind.EPISODE).order_by("pk")
    rows = rows.filter(pk__in=list(ids)) if ids is not None else rows.filter(pk__gt=after)
    titles = list(
        (rows[:limit] if limit else rows).values_list(
            "pk", "title", "original_title", "slug", "year", "rating_votes", "popularity", "rating"
        )
    )
    if not titles:
        return []
    alternatives: dict[int, list[str]] = defaultdict(list)
    low, high = titles[0][0], titles[-1][0]
    alt_rows = AlternativeTitle.objects.filter(title_id__gte=low, title_id__lte=high)
    if ids is not None:
        alt_rows = alt_rows.filter(title_id__in=[t[0] for t in titles])
    for title_id, name in alt_rows.order_by("title_id", "ordering").values_list("title_id", "name"):
        alternatives[title_id].append(name)
    return [
        Document(
            kind="title",
            object_id=pk,
            name=title,
            slug=slug,
            year=year,
            names=_names(title, original, *alternatives.get(pk, ())),
            popularity=title_popularity(votes, popularity, rating),
        )
        for pk, title, original, slug, year, votes, popularity, rating in titles
    ]


def person_documents(
    ids: Iterable[int] | None = None, *, after: int = 0, limit: int = 0
) -> list[Document]:
    rows = Person.objects.order_by("pk")
    rows = rows.filter(pk__in=list(ids)) if ids is not None else rows.filter(pk__gt=after)
    rows = rows.annotate(credit_count=Count("credits"))
    people = (rows[:limit] if limit else rows).values_list(
        "pk", "name", "slug", "birth_year", "popularity", "credit_count"
    )
    return [
        Document(
            kind="person",
            object_id=pk,
            name=name,
            slug=slug,
            year=birth_year,
            names=_names(name),
            popularity=person_popularity(popularity, credits),
        )
        for pk, name, slug, birth_year, popularity, credits in people
    ]


def article_documents(
    ids: Iterable[int] | None = None, *, after: int = 0, limit: int = 0
) -> list[Document]:
    """Published articles only; a draft or unpublished article has no document."""
    rows = article_published_list().order_by("pk")
    rows = rows.filter(pk__in=list(ids)) if ids is not None else rows.filter(pk__gt=after)
    articles = (rows[:limit] if limit else rows).values_list(
        "pk", "headline", "slug", "published_at"
    )
    return [
        Document(
            kind="article",
            object_id=pk,
            name=headline,
            slug=slug,
            year=published.year if published else None,
            names=_names(headline),
            popularity=1.0,
        )
        for pk, headline, slug, published in articles
    ]


BUILDERS = {"title": title_documents, "person": person_documents, "article": article_documents}


def documents_for(kind: str, ids: Iterable[int]) -> list[Document]:
    return BUILDERS[kind](list(ids))


def documents_batches(kind: str, *, after: int = 0, size: int = 5000) -> Iterator[list[Document]]:
    while batch := BUILDERS[kind](after=after, limit=size):
        yield batch
        after = batch[-1].object_id

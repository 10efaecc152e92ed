"""Search: candidates from the index backend, then one ranking in Python for both backends.

`search(query, types=..., limit=..., offset=...)` answers in `selectors.search`'s shape:
{"count", "results": [{"type", "id", "name", "year", "url"}]}. See docs/SEARCH.md for how a
query becomes candidates (exact words and prefixes, then typo corrections, then any word) and how
candidates are ranked (match quality first, popularity as the tie-breaker that decides namesakes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from django.db import connection
from django.urls import reverse

from reelhouse.catalog.models import Title
from reelhouse.people.models import Person
from reelhouse.search.backends.base import Alternatives, Backend, Row
from reelhouse.search.documents import KIND_NAMES, KINDS
from reelhouse.search.text import ParsedQuery, distance, query_parse, typo_budget

ResultType = Literal["title", "person", "article"]
RESULT_TYPES: tuple[ResultType, ...] = ("title", "person", "article")
# Ranked results a search can page through; past them a query is too vague to be worth paging.
MAX_RESULTS = 500
SUGGESTIONS = 8
# Fewer matches than this and the typo corrections are searched too.
FUZZY_BELOW = 10
# Story search (when installed): queries of this many words, the nearest stories, the cosine
# under which a story is not a match, and what a cosine above it is worth (see _story_scores).
STORY_MIN_WORDS = 3
STORY_CANDIDATES = 50
STORY_FLOOR = 0.3
STORY_WEIGHT = 6.0
LEADING_ARTICLES = frozenset(
    {"the", "a", "an", "le", "la", "les", "l", "der", "die", "das", "el", "il"}
)


class SearchResult(TypedDict):
    type: ResultType
    id: int
    name: str
    year: int | None
    url: str


class SearchPage(TypedDict):
    count: int
    results: list[SearchResult]


def backend() -> Backend:
    if connection.vendor == "postgresql":
        from reelhouse.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    from reelhouse.search.backends.sqlite import SqliteBackend

    return SqliteBackend()


@dataclass
class _Plan:
    parsed: ParsedQuery
    # Typed word -> indexed words within its typo budget, with their distance.
    corrections: dict[str, dict[str, int]] = field(default_factory=dict)


def search(
    query: str,
    *,
    types: Sequence[ResultType] = RESULT_TYPES,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Titles, people and articles for a cleaned query (see `selectors.search_query_clean`)."""
    ranked = _ranked(query, types, candidates=MAX_RESULTS, story=True)
    return {"count": len(ranked), "results": ranked[offset : offset + limit]}


def suggest(query: str, *, limit: int = SUGGESTIONS) -> list[SearchResult]:
    """The first titles and people for what has been typed so far."""
    return _ranked(query, ("title", "person"), candidates=64)[:limit]


def _ranked(
    query: str, types: Sequence[ResultType], *, candidates: int, story: bool = False
) -> list[SearchResult]:
    parsed = query_parse(query)
    if parsed.external_id is not None:
        return external_id_results(parsed, types)
    if not parsed.tokens or not types:
        return []
    plan = _Plan(parsed)
    engine = backend()
    rows = _candidates(engine, plan, types, candidates)
    stories: dict[int, float] = {}
    if story and "title" in types and len(parsed.name_tokens) >= STORY_MIN_WORDS:
        stories = _story_scores(engine, query, rows)
    scored = sorted(
        rows,
        key=lambda row: (-(_score(row, plan) + stories.get(row.id, 0.0)), row.id),
    )
    return [_result(row) for row in scored]


def _story_scores(engine: Backend, query: str, rows: list[Row]) -> dict[int, float]:
    """Document id -> story bonus; adds the titles whose stories match to `rows`.

    A cosine counts above STORY_FLOOR, times STORY_WEIGHT: at most about 2.4, below what a
    title whose name matches every typed word scores (4 and up), above a match on one word
    of six ("the"), so a description finds its film while a name still finds its own.
    """
    from reelhouse.search.story import story_search

    hits = [
        (pk, cos) for pk, cos in story_search(query, limit=STORY_CANDIDATES) if cos > STORY_FLOOR
    ]
    if not hits:
        return {}
    known = {row.object_id: row for row in rows if row.kind == KINDS["title"]}
    missing = [pk for pk, _ in hits if pk not in known]
    for row in engine.rows_for("title", missing):
        known[row.object_id] = row
        rows.append(row)
    return {known[pk].id: STORY_WEIGHT * (cos - STORY_FLOOR) for pk, cos in hits if pk in known}


def _candidates(engine: Backend, plan: _Plan, types: Sequence[ResultType], limit: int) -> list[Row]:
    parsed = plan.parsed
    tokens = parsed.tokens
    kinds = list(types)
    found: dict[int, Row] = {}

    def add(rows: list[Row]) -> None:
        for row in rows:
            found.setdefault(row.id, row)

    def groups(corrected: bool, *, drop_year: bool = False) -> list[Alternatives]:
        result: list[Alternatives] = []
        for i, token in enumerate(tokens):
            if drop_year and parsed.year is not None and token == str(parsed.year):
                continue
            alternatives = [(token, i == len(tokens) - 1 and len(token) >= 2)]
            if corrected:
                alternatives += [(w, False) for w in plan.corrections.get(token, {}) if w != token]
            result.append(alternatives)
        return result

    name = " ".join(parsed.name_tokens)
    core = " ".join(_core(parsed.name_tokens))
    add(engine.exact(list(dict.fromkeys([name, core, " ".join(tokens)])), kinds, 50))
    add(engine.match(groups(False), kinds, limit))
    if parsed.year is not None and len(found) < FUZZY_BELOW:
        add(engine.match(groups(False, drop_year=True), kinds, limit))
    if len(found) < FUZZY_BELOW:
        correctable = [t for t in dict.fromkeys(tokens) if typo_budget(t)]
        known = engine.vocabulary_known(correctable) if correctable else set()
        if found:
            # Every word matched something, the last maybe as the prefix of an unfinished word.
            known.add(tokens[-1])
        unknown = [t for t in correctable if t not in known]
        # Words the index does not know are corrected; known words only when nothing matched,
        # since the OR of every word's neighbours is the costliest query a search makes.
        for batch in (unknown, [] if found else sorted(known)):
            if not batch:
                continue
            _correct(engine, plan, batch)
            if any(plan.corrections.values()):
                add(engine.match(groups(True), kinds, limit))
                if parsed.year is not None and len(found) < FUZZY_BELOW:
                    add(engine.match(groups(True, drop_year=True), kinds, limit))
            if found:
                break
    if not found and len(tokens) > 1:
        # No document has every word: rank those that have some of them.
        add(engine.match(groups(True), kinds, limit, every=False))
    return list(found.values())


def _correct(engine: Backend, plan: _Plan, tokens: Sequence[str]) -> None:
    """Indexed words within each token's typo budget, by optimal string alignment distance."""
    for token in tokens:
        budget = typo_budget(token)
        near = {w: distance(token, w, budget) for w in engine.vocabulary_near(token)}
        plan.corrections[token] = {w: d for w, d in near.items() if d <= budget}


def _core(tokens: Sequence[str]) -> list[str]:
    """A name without its leading article: "the red shoes" and "red shoes" are the same film."""
    if len(tokens) > 1 and tokens[0] in LEADING_ARTICLES:
        return list(tokens[1:])
    return list(tokens)


def _word_score(token: str, word: str, *, is_last: bool, corrections: dict[str, int]) -> float:
    if token == word:
        return 1.0
    if word.startswith(token):
        return (0.7 if is_last else 0.5) + 0.25 * len(token) / len(word)
    edits = corrections.get(word)
    if edits is not None:
        return 0.75 if edits == 1 else 0.55
    return 0.0


def _score(row: Row, plan: _Plan) -> float:
    """Match quality (0 to about 6) plus popularity (0 to about 2)."""
    parsed = plan.parsed
    tokens = parsed.tokens
    query_core = _core(parsed.name_tokens)
    best = 0.0
    for rank, variant in enumerate(row.names.split("\n")):
        words = variant.split()
        matched: set[int] = set()
        coverage = 0.0
        for i, token in enumerate(tokens):
            is_last = i == len(tokens) - 1
            scores = [
                _word_score(token, w, is_last=is_last, corrections=plan.corrections.get(token, {}))
                for w in words
            ]
            top = max(scores, default=0.0)
            if top > 0:
                matched.add(scores.index(top))
            elif parsed.year is not None and token == str(parsed.year) == str(row.year):
                top = 1.0
            coverage += top
        coverage /= len(tokens)
        name_core = _core(words)
        fit = len(matched) / max(len(words), 1)
        quality = 3.0 * coverage + fit
        if name_core == query_core:
            quality += 1.5
        elif " ".join(name_core).startswith(" ".join(query_core)):
            quality += 0.6 * len(query_core) / len(name_core)
        best = max(best, quality * (1.0 if rank == 0 else 0.92))
    if parsed.year is not None and row.year is not None:
        gap = abs(row.year - parsed.year)
        best += 1.0 if gap == 0 else 0.3 if gap == 1 else -0.3
    return best + 0.12 * row.popularity


_ROUTES = {"title": "catalog:detail", "person": "people:detail"}


def _result(row: Row) -> SearchResult:
    kind = KIND_NAMES[row.kind]
    if kind == "article":
        url = reverse("editorial:detail", args=[row.slug])
    else:
        url = reverse(_ROUTES[kind], args=[row.object_id, row.slug])
    return {"type": kind, "id": row.object_id, "name": row.name, "year": row.year, "url": url}  # type: ignore[typeddict-item]


def external_id_results(parsed: ParsedQuery, types: Sequence[ResultType]) -> list[SearchResult]:
    """tt0040725 and nm0000001 (IMDb), tmdb:123, movielens:123 (or ml:123): exact lookups."""
    found = parsed.external_id
    if found is None:
        return []
    results: list[SearchResult] = []
    if "title" in types:
        field_name = {"imdb": "imdb_id", "tmdb": "tmdb_id", "movielens": "movielens_id"}[
            found.source
        ]
        if not (found.source == "imdb" and found.value.startswith("nm")):
            for title in Title.objects.filter(**{field_name: found.value}).only(
                "id", "title", "slug", "year"
            ):
                results.append(
                    {
                        "type": "title",
                        "id": title.pk,
                        "name": title.title,
                        "year": title.year,
                        "url": title.get_absolute_url(),
                    }
                )
    is_title_id = found.source == "imdb" and found.value.startswith("tt")
    if "person" in types and found.source in {"imdb", "tmdb"} and not is_title_id:
        field_name = "imdb_id" if found.source == "imdb" else "tmdb_id"
        for person in Person.objects.filter(**{field_name: found.value}).only(
            "id", "name", "slug", "birth_year"
        ):
            results.append(
                {
                    "type": "person",
                    "id": person.pk,
                    "name": person.name,
                    "year": person.birth_year,
                    "url": person.get_absolute_url(),
                }
            )
    return results

"""Search: candidates from the index backend, then one ranking in Python for both backends.

`search(query, types=..., limit=..., offset=...)` answers in `selectors.search`'s shape:
{"count", "results": [{"type", "id", "name", "year", "url"}]}. See docs/SEARCH.md for how a
query becomes candidates (exact words and prefixes, then typo corrections, then any word) and how
candidates are ranked (match quality first, popularity as the tie-breaker that decides namesakes;
for a description rather than a name, the story's cosine blended in).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypedDict

from django.db import connection
from django.urls import reverse

from reelhouse.catalog.models import Title
from reelhouse.people.models import Person
from reelhouse.search.backends.base import DOCUMENT_COUNT, Alternatives, Backend, Row
from reelhouse.search.documents import KIND_NAMES, KINDS
from reelhouse.search.text import ParsedQuery, distance, query_parse, typo_budget

ResultType = Literal["title", "person", "article"]
RESULT_TYPES: tuple[ResultType, ...] = ("title", "person", "article")
# Ranked results a search can page through; past them a query is too vague to be worth paging.
MAX_RESULTS = 500
SUGGESTIONS = 8
# Fewer matches than this and the typo corrections are searched too.
FUZZY_BELOW = 10
POPULARITY_WEIGHT = 0.12
# Story search (when installed), for queries of this many words (a year aside): the nearest
# stories, the cosine under which a story is no match and the one from which it is a full match.
STORY_MIN_WORDS = 3
STORY_CANDIDATES = 50
STORY_FLOOR = 0.3
STORY_FULL = 0.6
# About the best keyword quality there is (every word exact 3, every name word 1, the whole name
# 1.5, the year 1): a story's match is brought to this scale before the two are blended.
KEYWORD_FULL = 6.5
# How much of a query the best-matching name explains (its words weighted by IDF): from
# TITLE_FIT up the query is a name and ranks by names alone; at STORY_FIT and below it is a
# description and the story counts STORY_WEIGHT_MAX of the blend (see _story_weight). A query
# holding a whole name that explains CONTAINED_FIT of it is that name plus a few words ("the red
# shoes powell", "love actually christmas"): a name too.
TITLE_FIT = 0.9
STORY_FIT = 0.5
STORY_WEIGHT_MAX = 0.8
CONTAINED_FIT = 0.5
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


class ExplainedResult(SearchResult):
    """A result with the parts of its score (`search_explained`, for benchmarks and tests)."""

    score: float
    keyword: float
    cosine: float
    popularity: float
    story_weight: float


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
    # (typed word's position, indexed word) -> _word_score: candidates share most of their words.
    word_scores: dict[tuple[int, str], float] = field(default_factory=dict)
    # Typed word -> documents holding it (words the index knows), and DOCUMENT_COUNT.
    counts: dict[str, int] | None = None

    def vocabulary(self, engine: Backend) -> dict[str, int]:
        """The typed words' document counts, read once per search."""
        if self.counts is None:
            self.counts = engine.vocabulary_counts([*self.parsed.tokens, DOCUMENT_COUNT])
        return self.counts

    def word_score(self, position: int, word: str) -> float:
        key = (position, word)
        score = self.word_scores.get(key)
        if score is None:
            tokens = self.parsed.tokens
            score = self.word_scores[key] = _word_score(
                tokens[position],
                word,
                is_last=position == len(tokens) - 1,
                corrections=self.corrections.get(tokens[position], {}),
            )
        return score


class _Keyword(NamedTuple):
    quality: float  # how well a name matches, 0 to about KEYWORD_FULL; the year's part included
    matched: int  # bit i set: the query's i-th word matched a word of one of the names
    is_contained: bool  # every word of one of the names (a leading article aside) matched


class _Scored(NamedTuple):
    row: Row
    score: float
    keyword: float
    cosine: float


@dataclass
class _Ranking:
    scored: list[_Scored]
    story_weight: float = 0.0
    external: list[SearchResult] | None = None  # an external id's exact lookups

    def __len__(self) -> int:
        return len(self.external) if self.external is not None else len(self.scored)

    def results(self, start: int, stop: int) -> list[SearchResult]:
        # Only the page is turned into results: a URL reversed for each of 500 candidates was
        # more than half of a search's time at a million titles.
        if self.external is not None:
            return self.external[start:stop]
        return [_result(item.row) for item in self.scored[start:stop]]


def search(
    query: str,
    *,
    types: Sequence[ResultType] = RESULT_TYPES,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Titles, people and articles for a cleaned query (see `selectors.search_query_clean`)."""
    ranking = _ranked(query, types, candidates=MAX_RESULTS, story=True)
    return {"count": len(ranking), "results": ranking.results(offset, offset + limit)}


def suggest(query: str, *, limit: int = SUGGESTIONS) -> list[SearchResult]:
    """The first titles and people for what has been typed so far."""
    return _ranked(query, ("title", "person"), candidates=64).results(0, limit)


def search_explained(query: str, *, limit: int = 10) -> list[ExplainedResult]:
    """`search`'s first results with the parts of their scores."""
    ranking = _ranked(query, RESULT_TYPES, candidates=MAX_RESULTS, story=True)
    return [
        {
            **result,
            "score": item.score,
            "keyword": item.keyword,
            "cosine": item.cosine,
            "popularity": item.row.popularity,
            "story_weight": ranking.story_weight,
        }
        for result, item in zip(ranking.results(0, limit), ranking.scored, strict=False)
    ]


def _ranked(
    query: str, types: Sequence[ResultType], *, candidates: int, story: bool = False
) -> _Ranking:
    parsed = query_parse(query)
    if parsed.external_id is not None:
        return _Ranking([], external=external_id_results(parsed, types))
    if not parsed.tokens or not types:
        return _Ranking([])
    plan = _Plan(parsed)
    engine = backend()
    rows = _candidates(engine, plan, types, candidates)
    keyword = {row.id: _keyword(row, plan) for row in rows}
    weight, cosines = 0.0, {}
    if story and "title" in types and len(parsed.name_tokens) >= STORY_MIN_WORDS:
        weight = _story_weight(_title_fit(engine, plan, keyword.values()))
        if weight > 0:
            cosines = _story_cosines(engine, query, rows)
            keyword.update((row.id, _keyword(row, plan)) for row in rows if row.id not in keyword)
        if not cosines:
            weight = 0.0
    scored = [
        _blend(row, keyword[row.id].quality, cosines.get(row.id, 0.0), weight) for row in rows
    ]
    scored.sort(key=lambda item: (-item.score, item.row.id))
    return _Ranking(scored, story_weight=weight)


def _blend(row: Row, quality: float, cosine: float, weight: float) -> _Scored:
    """One score from the name's match quality and the story's cosine, weighted by the query.

    Both are on KEYWORD_FULL's scale (a story from STORY_FLOOR, nothing, to STORY_FULL, a full
    match), and popularity breaks ties within each: it is added to a story only when the story
    matches, so a famous film whose name shares "the" and "who" with a description does not
    outrank a lesser-known film whose story it describes. With no story weight this is the
    keyword ranking, unchanged.
    """
    popularity = POPULARITY_WEIGHT * row.popularity
    story = 0.0
    if cosine > STORY_FLOOR:
        story = KEYWORD_FULL * min(1.0, (cosine - STORY_FLOOR) / (STORY_FULL - STORY_FLOOR))
        story += popularity
    score = (1.0 - weight) * (quality + popularity) + weight * story
    return _Scored(row, score, quality, cosine)


def _title_fit(engine: Backend, plan: _Plan, keywords: Iterable[_Keyword]) -> float:
    """How much of the query a candidate's name explains, its words weighted by IDF; 1.0 when
    a whole name explains CONTAINED_FIT of it.

    "red shoes" is all explained by The Red Shoes (1.0), "the red shoes powell" holds it and
    Powell is a quarter of it (1.0); "the ballerina who can't stop dancing" is at most a name
    with "the", "cant" and "stop", common words in names next to "ballerina" (0.2 on the demo
    catalog): a description, not a name.
    """
    parsed = plan.parsed
    tokens = parsed.tokens
    counts = plan.vocabulary(engine)
    documents = max([*counts.values(), 1])  # DOCUMENT_COUNT, unless an old index lacks it
    weights = [math.log((documents + 1) / (counts.get(t, 0) + 1)) for t in tokens]
    if parsed.year is not None:
        # The year is not part of the name (the last such word, as in ParsedQuery.name_tokens).
        weights[len(tokens) - 1 - tokens[::-1].index(str(parsed.year))] = 0.0
    total = sum(weights)
    if total <= 0:
        return 1.0
    best = 0.0
    for keyword in keywords:
        share = _share(keyword.matched, weights) / total
        if keyword.is_contained and share >= CONTAINED_FIT:
            return 1.0
        best = max(best, share)
    return best


def _share(matched: int, weights: Sequence[float]) -> float:
    return sum(w for i, w in enumerate(weights) if matched >> i & 1)


def _story_weight(fit: float) -> float:
    """0 for a query a name explains (TITLE_FIT), up to STORY_WEIGHT_MAX for a description."""
    if fit >= TITLE_FIT:
        return 0.0
    return STORY_WEIGHT_MAX * min(1.0, (TITLE_FIT - fit) / (TITLE_FIT - STORY_FIT))


def _story_cosines(engine: Backend, query: str, rows: list[Row]) -> dict[int, float]:
    """Document id -> cosine of the story to the query, for stories above STORY_FLOOR; adds
    the titles of those stories that are not keyword candidates to `rows`."""
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
    return {known[pk].id: cos for pk, cos in hits if pk in known}


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
        # One lookup for every word: a word the vocabulary holds is its own neighbour.
        near = engine.vocabulary_near(correctable) if correctable else {}
        known = {t for t in correctable if t in near[t]}
        if found:
            # Every word matched something, the last maybe as the prefix of an unfinished word.
            known.add(tokens[-1])
        unknown = [t for t in correctable if t not in known]
        # Words the index does not know are corrected; known words only when nothing matched,
        # since the OR of every word's neighbours is the costliest query a search makes.
        for batch in (unknown, [] if found else sorted(known)):
            if not batch:
                continue
            _correct(plan, {t: near[t] for t in batch})
            if any(plan.corrections.values()):
                add(engine.match(groups(True), kinds, limit))
                if parsed.year is not None and len(found) < FUZZY_BELOW:
                    add(engine.match(groups(True, drop_year=True), kinds, limit))
            if found:
                break
    if not found and len(tokens) > 2:
        # A name and a word more ("the red shoes powell", "love actually christmas"): every
        # word but one.
        add(engine.match(groups(True), kinds, limit, spare=1))
    if not found and len(tokens) > 1:
        # No document has every word: rank those that have some of them.
        add(engine.match(groups(True), kinds, limit, spare=len(tokens) - 1))
    return list(found.values())


def _correct(plan: _Plan, near: dict[str, list[str]]) -> None:
    """Indexed words within each token's typo budget, by optimal string alignment distance."""
    for token, words in near.items():
        budget = typo_budget(token)
        distances = {w: distance(token, w, budget) for w in words}
        plan.corrections[token] = {w: d for w, d in distances.items() if d <= budget}


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


def _keyword(row: Row, plan: _Plan) -> _Keyword:
    """Match quality (0 to about KEYWORD_FULL; popularity is added by _blend) and which typed
    words matched."""
    parsed = plan.parsed
    tokens = parsed.tokens
    query_core = _core(parsed.name_tokens)
    best = 0.0
    matched_tokens = 0
    is_contained = False
    cached = plan.word_scores  # read inline: a method call less per word of every candidate
    for rank, variant in enumerate(row.names.split("\n")):
        words = variant.split()
        matched: set[int] = set()
        coverage = 0.0
        for i, token in enumerate(tokens):
            top, at = 0.0, -1
            for j, word in enumerate(words):
                score = cached.get((i, word))
                if score is None:
                    score = plan.word_score(i, word)
                if score > top:
                    top, at = score, j
            if at >= 0:
                matched.add(at)
                matched_tokens |= 1 << i
            elif parsed.year is not None and token == str(parsed.year) == str(row.year):
                top = 1.0
            coverage += top
        coverage /= len(tokens)
        name_core = _core(words)
        is_contained = is_contained or (
            bool(words)
            and len(matched.intersection(range(len(words) - len(name_core), len(words))))
            == len(name_core)
        )
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
    return _Keyword(best, matched_tokens, is_contained)


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

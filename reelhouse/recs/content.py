"""Content neighbours ("Similar titles") from what describes a title, with their reasons.

Each title becomes a sparse vector made of blocks: genres, keywords, people (by role and
billing), era, certification and synopsis TF-IDF. Each block is IDF-weighted, scaled to unit
length and multiplied by the square root of its weight, so the dot product of two titles is
the weighted sum of their per-block cosines. A neighbour's reasons are its largest shared
features, said in words ("Same director: Michael Powell", "Both about ballet").

Pure Python, numpy and scipy: the build feeds it rows read from the database, the benchmark
feeds it synthetic ones.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from reelhouse.recs.algorithms import FloatArray, IntArray, topk

# Block weights: what makes two films alike to a visitor. People and keywords say most;
# era and certification only separate otherwise close titles.
BLOCK_WEIGHTS = {
    "person": 3.0,
    "keyword": 2.0,
    "genre": 1.5,
    "synopsis": 1.0,
    "era": 0.6,
    "certification": 0.2,
}
# What a credit weighs inside the people block. Directors and the top-billed cast count most.
ROLE_WEIGHTS = {"director": 3.0, "writer": 1.5, "composer": 1.0, "photography": 1.0}
CAST_BILLED = 12  # cast below this billing says little about the film
REASONS_PER_TITLE = 4
# Ranks ties by popularity: titles with identical features (many MovieLens titles have only
# genres and a year) would otherwise come out in id order.
POPULARITY_TIE_BREAK = 1e-4
# Above this many cells (features x candidate titles) `neighbours_all` stays sparse.
DENSE_CELLS = 64_000_000

_WORD = re.compile(r"[a-z][a-z'-]{2,}")
STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "his",
        "her",
        "their",
        "its",
        "this",
        "that",
        "from",
        "into",
        "onto",
        "over",
        "under",
        "after",
        "before",
        "when",
        "while",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "why",
        "how",
        "are",
        "was",
        "were",
        "been",
        "being",
        "has",
        "have",
        "had",
        "not",
        "but",
        "all",
        "any",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "one",
        "two",
        "three",
        "out",
        "off",
        "upon",
        "about",
        "than",
        "then",
        "them",
        "they",
        "there",
        "these",
        "those",
        "too",
        "very",
        "just",
        "also",
        "only",
        "own",
        "same",
        "such",
        "some",
        "more",
        "most",
        "other",
        "others",
        "each",
        "both",
        "few",
        "many",
        "much",
        "our",
        "ours",
        "your",
        "yours",
        "him",
        "she",
        "he",
        "it's",
        "film",
        "films",
        "movie",
        "story",
        "life",
        "lives",
        "young",
        "old",
        "new",
        "man",
        "woman",
        "men",
        "women",
        "world",
        "years",
        "year",
        "time",
        "who's",
        "she's",
        "he's",
        "becomes",
        "become",
        "finds",
        "find",
        "takes",
        "take",
        "gets",
        "get",
        "makes",
        "make",
        "goes",
        "go",
        "comes",
        "come",
        "back",
        "way",
        "day",
    ]
)


def cast_weight(order: int) -> float:
    """Top billed 2.0, second 1.33, third 1.0, ... fading with billing order."""
    return 2.0 / (1.0 + order / 2.0)


def crew_role(job: str, department: str) -> str | None:
    """The role a crew credit plays in similarity, or None when it plays none."""
    job_l, dept_l = job.lower().strip(), department.lower().strip()
    if job_l == "director":
        return "director"
    if dept_l == "writing" or job_l in {"screenplay", "writer", "story", "novel", "author"}:
        return "writer"
    if "composer" in job_l:
        return "composer"
    if job_l in {"director of photography", "cinematography", "cinematographer"}:
        return "photography"
    return None


@dataclass
class TitleFacts:
    """What the content model knows of a title."""

    id: int
    title: str
    year: int | None
    genres: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    # (person id, name, role, weight): role is "cast" or one of ROLE_WEIGHTS.
    people: list[tuple[int, str, str, float]] = field(default_factory=list)
    certification: str = ""
    synopsis: str = ""
    popularity: float = 0.0


@dataclass(frozen=True)
class Feature:
    block: str
    key: str  # what the reason names: a person's name, a keyword, a decade, a word
    role: str = ""


def decade(year: int) -> int:
    return year // 10 * 10


def synopsis_terms(text: str) -> Counter[str]:
    words = [w.strip("'-") for w in _WORD.findall(text.lower())]
    return Counter(w for w in words if len(w) > 2 and w not in STOP_WORDS)


class _Columns:
    def __init__(self) -> None:
        self.index: dict[Feature, int] = {}
        self.features: list[Feature] = []

    def get(self, feature: Feature) -> int:
        col = self.index.get(feature)
        if col is None:
            col = self.index[feature] = len(self.features)
            self.features.append(feature)
        return col


@dataclass
class ContentModel:
    matrix: sp.csr_matrix  # titles x features, blocks scaled as described in the module doc
    features: list[Feature]
    ids: list[int]
    facts: list[TitleFacts]
    prior: FloatArray  # the popularity tie-break, per title
    _groups: IntArray = field(init=False, repr=False)
    _labels: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        group = {"genre": _GENRE, "synopsis": _SYNOPSIS}
        self._groups = np.asarray(
            [
                _DECADE
                if f.role == "decade"
                else _BAND
                if f.role == "band"
                else group.get(f.block, _SINGLE)
                for f in self.features
            ],
            np.int64,
        )
        self._labels = [_feature_reason(f) for f in self.features]

    def neighbours(
        self, rows: IntArray, k: int, *, exclude: set[int] | None = None
    ) -> tuple[IntArray, FloatArray]:
        """Top-k content neighbours (row indices) of the titles at `rows`, best first.

        Neighbours with nothing in common (a zero similarity) are returned with score 0 and
        left for the caller to drop.
        """
        sims = np.asarray((self.matrix[rows] @ self.matrix.T).toarray(), dtype=np.float32)
        has_any = sims > 0
        sims = np.where(has_any, sims + self.prior[None, :], np.float32(0.0))
        sims[np.arange(len(rows)), rows] = -np.inf
        idx, values = topk(sims, k)
        return idx, values

    def vector_groups(self) -> tuple[IntArray, IntArray]:
        """Titles with identical vectors (most imported titles have only genres and a year):
        each row's group, and each group's first row."""
        m = self.matrix
        seen: dict[bytes, int] = {}
        group = np.empty(m.shape[0], np.int64)
        firsts: list[int] = []
        for r in range(m.shape[0]):
            a, b = m.indptr[r], m.indptr[r + 1]
            # Indices then values: the length (8 bytes an entry) says where one ends.
            key = m.indices[a:b].tobytes() + m.data[a:b].tobytes()
            g = seen.get(key)
            if g is None:
                g = seen[key] = len(firsts)
                firsts.append(r)
            group[r] = g
        return group, np.asarray(firsts, np.int64)

    def neighbours_all(
        self, k: int, *, block: int = 512, groups: tuple[IntArray, IntArray] | None = None
    ) -> tuple[IntArray, FloatArray]:
        """Top-k content neighbours of every title: row indices (-1 where there are fewer
        than k with anything in common) and scores, best first, ranked as `neighbours` does.

        Titles with identical vectors have identical similarities, so each distinct vector is
        compared once, and only against the k+1 most popular titles of each vector (the others
        lose every tie-break to them); a title's list is its vector's list without itself.
        """
        n = self.matrix.shape[0]
        group, firsts = groups if groups is not None else self.vector_groups()
        by_group = np.lexsort((np.arange(n), -self.prior, group))
        sorted_groups = group[by_group]
        place = np.arange(n) - np.searchsorted(sorted_groups, sorted_groups, side="left")
        candidates = np.sort(by_group[place <= k])
        against: Any = self.matrix[candidates].T.tocsr()
        if against.shape[0] * against.shape[1] <= DENSE_CELLS:
            # Few features (no synopses): a sparse x dense product is many times faster.
            against = np.asarray(against.toarray(), dtype=np.float32)
        prior = self.prior[candidates]
        width = min(k + 1, len(candidates))
        top_idx = np.full((len(firsts), k + 1), -1, np.int64)
        top_val = np.zeros((len(firsts), k + 1), np.float32)
        for start in range(0, len(firsts), block):
            reps = firsts[start : start + block]
            product: Any = self.matrix[reps] @ against
            sims = np.asarray(
                product if isinstance(product, np.ndarray) else product.toarray(),
                dtype=np.float32,
            )
            sims = np.where(sims > 0, sims + prior[None, :], np.float32(0.0))
            idx, values = topk(sims, width)
            top_idx[start : start + len(reps), :width] = candidates[idx]
            top_val[start : start + len(reps), :width] = values
        rows_idx, rows_val = top_idx[group], top_val[group]
        # Drop the title itself where its vector's list shows it, else the list's last entry.
        keep = np.argsort(rows_idx == np.arange(n)[:, None], axis=1, kind="stable")[:, :k]
        idx = np.take_along_axis(rows_idx, keep, axis=1)
        values = np.take_along_axis(rows_val, keep, axis=1)
        none = values <= 0
        idx[none] = -1
        values[none] = 0.0
        return idx, values

    def reasons(self, a: int, b: int, *, limit: int = REASONS_PER_TITLE) -> list[str]:
        """Why row `b` is like row `a`: its strongest shared features, in words."""
        return self.reasons_many(np.asarray([a]), np.asarray([b]), limit=limit)[0]

    def reasons_many(
        self, a: IntArray, b: IntArray, *, limit: int = REASONS_PER_TITLE
    ) -> list[list[str]]:
        """Reasons for many pairs at once (rows `a[i]` and `b[i]`), vectorised per pair batch.

        Every shared person, keyword or certification is a candidate reason weighing its share
        of the similarity; shared genres, decade and era band make one ("Also a 1940s drama");
        shared synopsis words make one from the two strongest. The `limit` heaviest are kept.
        """
        n = len(a)
        if n == 0:
            return []
        shared = self.matrix[a].multiply(self.matrix[b]).tocsr()
        shared.sort_indices()
        rows = np.repeat(np.arange(n), np.diff(shared.indptr))
        cols = shared.indices.astype(np.int64)
        vals = shared.data.astype(np.float64)
        groups = self._groups[cols]
        cand_rows, cand_scores, cand_keys = [], [], []  # key: ("col", col) or text

        single = groups == _SINGLE
        cand_rows.append(rows[single])
        cand_scores.append(vals[single])
        cand_keys.append(cols[single])

        # One era-and-genre reason per pair: its weight is all that those blocks share.
        era = (groups == _GENRE) | (groups == _DECADE) | (groups == _BAND)
        era_weight = np.bincount(rows[era], weights=vals[era], minlength=n)
        top_genre = self._first_per_row(rows, vals, cols, groups == _GENRE, n)
        decade_col = self._first_per_row(rows, vals, cols, groups == _DECADE, n)
        band_col = self._first_per_row(rows, vals, cols, groups == _BAND, n)
        has_era = era_weight > 0
        era_rows = np.flatnonzero(has_era)
        cand_rows.append(era_rows)
        cand_scores.append(era_weight[era_rows])
        cand_keys.append(-1 - era_rows)  # negative keys: built per pair below

        # Synopsis: the two strongest shared words, weighing what they share.
        syn = groups == _SYNOPSIS
        order = np.lexsort((cols[syn], -vals[syn], rows[syn]))
        syn_rows, syn_vals, syn_cols = rows[syn][order], vals[syn][order], cols[syn][order]
        first = np.searchsorted(syn_rows, syn_rows, side="left")
        rank = np.arange(len(syn_rows)) - first
        top2 = rank < 2
        syn_weight = np.bincount(syn_rows[top2], weights=syn_vals[top2], minlength=n)
        words: dict[int, list[str]] = {}
        for r, c in zip(syn_rows[top2].tolist(), syn_cols[top2].tolist(), strict=True):
            words.setdefault(r, []).append(self.features[c].key)
        syn_pairs = np.flatnonzero(syn_weight > 0)
        cand_rows.append(syn_pairs)
        cand_scores.append(syn_weight[syn_pairs])
        cand_keys.append(-1 - n - syn_pairs)

        all_rows = np.concatenate(cand_rows)
        all_scores = np.concatenate(cand_scores)
        all_keys = np.concatenate(cand_keys)
        order = np.lexsort((all_keys, -all_scores, all_rows))
        all_rows, all_keys = all_rows[order], all_keys[order]
        first = np.searchsorted(all_rows, all_rows, side="left")
        keep = (np.arange(len(all_rows)) - first) < limit
        out: list[list[str]] = [[] for _ in range(n)]
        for r, key in zip(all_rows[keep].tolist(), all_keys[keep].tolist(), strict=True):
            if key >= 0:
                out[r].append(self._labels[key])
            elif key >= -n:
                g, d, band = int(top_genre[r]), int(decade_col[r]), int(band_col[r])
                out[r].append(
                    _era_genre_reason(
                        int(self.features[d].key) if d >= 0 else None,
                        self.features[g].key if g >= 0 else None,
                        int(self.features[band].key) if band >= 0 else None,
                    )
                )
            else:
                out[r].append("Similar story: " + ", ".join(words[r]))
        return out

    @staticmethod
    def _first_per_row(
        rows: IntArray, vals: npt.NDArray[np.float64], cols: IntArray, mask: Any, n: int
    ) -> IntArray:
        """Per pair, the column of its heaviest entry under `mask` (-1 when none)."""
        out = np.full(n, -1, np.int64)
        r, v, c = rows[mask], vals[mask], cols[mask]
        order = np.lexsort((c, -v, r))
        r, c = r[order], c[order]
        firsts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.zeros(0, np.int64)
        out[r[firsts]] = c[firsts]
        return out


_SINGLE, _GENRE, _DECADE, _BAND, _SYNOPSIS = 0, 1, 2, 3, 4


def _feature_reason(feature: Feature) -> str:
    if feature.block == "person":
        return {
            "director": f"Same director: {feature.key}",
            "writer": f"Same writer: {feature.key}",
            "composer": f"Music by {feature.key} too",
            "photography": f"Also shot by {feature.key}",
            "cast": f"Also stars {feature.key}",
        }.get(feature.role, "")
    if feature.block == "keyword":
        return f"Both about {feature.key}"
    if feature.block == "certification":
        return f"Also rated {feature.key}"
    return ""


GENRE_NOUNS = {
    "action": "action film",
    "adventure": "adventure",
    "animation": "animated film",
    "children": "children's film",
    "comedy": "comedy",
    "crime": "crime film",
    "documentary": "documentary",
    "drama": "drama",
    "family": "family film",
    "fantasy": "fantasy",
    "film-noir": "film noir",
    "history": "history film",
    "horror": "horror film",
    "music": "music film",
    "musical": "musical",
    "mystery": "mystery",
    "romance": "romance",
    "sci-fi": "science-fiction film",
    "science fiction": "science-fiction film",
    "thriller": "thriller",
    "war": "war film",
    "western": "western",
}


def _era_genre_reason(decade_value: int | None, genre: str | None, band: int | None) -> str:
    noun = GENRE_NOUNS.get(genre.lower(), f"{genre.lower()} film") if genre else None
    if decade_value is not None and noun:
        return f"Also a {decade_value}s {noun}"
    if decade_value is not None:
        return f"Also from the {decade_value}s"
    if noun is None:
        # Only the five-year band is shared: 1948 and 1951 are neighbours across a decade.
        return f"Also from around {band}"
    article = "an" if noun[0] in "aeiou" else "a"
    return f"Also {article} {noun}"


def content_model_fit(facts: Sequence[TitleFacts]) -> ContentModel:
    """Vectorise every title; see the module doc for the blocks and their weights."""
    columns = _Columns()
    blocks: dict[str, tuple[list[int], list[int], list[float]]] = {
        b: ([], [], []) for b in BLOCK_WEIGHTS
    }

    def add(block: str, row: int, feature: Feature, value: float) -> None:
        rows, cols, vals = blocks[block]
        rows.append(row)
        cols.append(columns.get(feature))
        vals.append(value)

    for row, t in enumerate(facts):
        for g in dict.fromkeys(t.genres):
            add("genre", row, Feature("genre", g), 1.0)
        for k in dict.fromkeys(t.keywords):
            add("keyword", row, Feature("keyword", k), 1.0)
        people: dict[Feature, float] = {}
        for _pid, name, role, weight in t.people:
            feature = Feature("person", name, role)
            people[feature] = max(people.get(feature, 0.0), weight)
        for feature, weight in people.items():
            add("person", row, feature, weight)
        if t.year:
            add("era", row, Feature("era", str(decade(t.year)), "decade"), 1.0)
            # Neighbouring decades share a little, so 1949 and 1951 are not strangers.
            add("era", row, Feature("era", str(decade(t.year + 5)), "band"), 0.5)
        if t.certification:
            add("certification", row, Feature("certification", t.certification), 1.0)
        for word, count in synopsis_terms(t.synopsis).items():
            add("synopsis", row, Feature("synopsis", word), 1.0 + math.log(count))

    n_titles, n_features = len(facts), len(columns.features)
    parts: list[sp.csr_matrix] = []
    for block, (rows, cols, vals) in blocks.items():
        m: sp.csr_matrix = sp.csr_matrix(
            (np.asarray(vals, np.float64), (np.asarray(rows), np.asarray(cols))),
            shape=(n_titles, n_features),
        )
        if block in {"genre", "keyword", "person", "synopsis", "certification"}:
            df = np.bincount(m.indices, minlength=n_features).astype(np.float64)
            idf = np.log((1.0 + n_titles) / (1.0 + df)) + 1.0
            m = sp.csr_matrix(m @ sp.diags(idf))
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        m = sp.csr_matrix(sp.diags(np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)) @ m)
        parts.append(m * math.sqrt(BLOCK_WEIGHTS[block]))
    # The blocks use disjoint columns, so their sum is their concatenation.
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    matrix = sp.csr_matrix(total, dtype=np.float32)
    matrix.sort_indices()
    popularity = np.log1p(np.asarray([max(t.popularity, 0.0) for t in facts], np.float64))
    top = popularity.max() if len(popularity) and popularity.max() > 0 else 1.0
    prior = (POPULARITY_TIE_BREAK * popularity / top).astype(np.float32)
    return ContentModel(
        matrix=matrix,
        features=columns.features,
        ids=[t.id for t in facts],
        facts=list(facts),
        prior=prior,
    )

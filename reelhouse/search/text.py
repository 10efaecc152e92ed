"""Text as the search index sees it: folded words, typo distances, queries taken apart.

Both backends index and query the output of `fold`, so accents, case and punctuation are handled
once, here, the same way everywhere ("Léonide" and "leonide" are the same word; "I'm" is "im").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

QUERY_MAX_LENGTH = 200
YEAR_MIN, YEAR_MAX = 1870, 2200
# A word of this many characters may carry one typo, of the second size two.
TYPO_1_FROM = 4
TYPO_2_FROM = 8

_FOLDS = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th"})
_APOSTROPHES = re.compile("['\u2019`\u00b4]")
_NOT_WORD = re.compile(r"[^\w]+|_+")
_EXTERNAL_ID = re.compile(
    r"(?P<imdb>(?:tt|nm)\d{5,10})|(?P<source>tmdb|movielens|ml)\s*[:/]\s*(?P<number>\d{1,10})",
    re.IGNORECASE,
)


def fold(value: str) -> str:
    """Lowercase words without accents or punctuation, separated by single spaces."""
    if value.isascii():
        # Most names: no accents to strip, and casefold is lower (a third of a rebuild's time
        # went to the per-character pass below).
        value = value.lower()
    else:
        value = unicodedata.normalize("NFKD", value.casefold().translate(_FOLDS))
        value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = _APOSTROPHES.sub("", value)
    return " ".join(_NOT_WORD.sub(" ", value).split())


def words(value: str) -> list[str]:
    return fold(value).split()


def typo_budget(word: str) -> int:
    """How many edits a typed word may be away from an indexed one."""
    if len(word) >= TYPO_2_FROM:
        return 2
    if len(word) >= TYPO_1_FROM:
        return 1
    return 0


def deletes(word: str, depth: int = 1) -> set[str]:
    """Every string `depth` or fewer deletions away from `word` (symmetric-delete spelling)."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (a transposition counts as one edit), capped at limit+1."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


@dataclass(frozen=True)
class ExternalId:
    source: str  # "imdb", "tmdb" or "movielens"
    value: str


@dataclass
class ParsedQuery:
    """A cleaned query: its folded words, a year if one was typed, an external id if it is one."""

    text: str
    tokens: list[str] = field(default_factory=list)
    year: int | None = None
    external_id: ExternalId | None = None

    @property
    def name_tokens(self) -> list[str]:
        """The words without the year, for whole-name comparisons ("red shoes 1948")."""
        if self.year is None:
            return self.tokens
        tokens = list(self.tokens)
        tokens.reverse()
        tokens.remove(str(self.year))
        tokens.reverse()
        return tokens


def external_id_parse(query: str) -> ExternalId | None:
    match = _EXTERNAL_ID.fullmatch(query.strip())
    if not match:
        return None
    if match["imdb"]:
        return ExternalId("imdb", match["imdb"].lower())
    source = match["source"].lower()
    return ExternalId("movielens" if source == "ml" else source, str(int(match["number"])))


def query_parse(query: str) -> ParsedQuery:
    parsed = ParsedQuery(text=query, external_id=external_id_parse(query))
    # At most this many words reach the index: a pasted paragraph is not a title.
    parsed.tokens = words(query)[:12]
    years = [int(t) for t in parsed.tokens if t.isdigit() and len(t) == 4]
    years = [y for y in years if YEAR_MIN <= y <= YEAR_MAX]
    # "1917" alone is a title; "red shoes 1948" is a title and its year.
    if years and len(parsed.tokens) > 1:
        parsed.year = years[-1]
    return parsed

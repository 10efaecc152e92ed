"""How facts from several sources merge into one title (or person).

Every source writes the fields it knows. A field already written by a source that ranks higher
for that field is kept; the same source (a newer file) or a higher one overwrites it. Each
row's `field_sources` records who wrote what, so the merge needs nothing else.

Titles meet across sources by external id (IMDb, TMDB, MovieLens ids), and, for sources without
a shared id (MovieLens without links, ggplot2movies), by `match_key`: the normalized title and
year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

# Editors and the showcase beat every import; TMDB's richer metadata beats IMDb's, which beats
# what the MovieLens and ggplot2movies tables carry.
SOURCE_PRIORITY: dict[str, int] = {
    "editorial": 100,
    "showcase": 100,
    "tmdb": 40,
    "imdb": 30,
    "movielens": 20,
    "ggplot2movies": 10,
}
# Fields where the general order does not hold: IMDb's ratings rest on far more votes.
FIELD_PRIORITY: dict[str, dict[str, int]] = {
    "rating": {"imdb": 50},
    "rating_votes": {"imdb": 50},
    "rating_source": {"imdb": 50},
}
# Fields that move together: a rating without its vote count and source means nothing.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "rating": ("rating", "rating_votes", "rating_source"),
}


def priority(field: str, source: str | None) -> int:
    if source is None:
        return -1
    return FIELD_PRIORITY.get(field, {}).get(source, SOURCE_PRIORITY.get(source, 0))


def fields_merge(
    current: Mapping[str, Any],
    sources: Mapping[str, str],
    incoming: Mapping[str, Any],
    source: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The changes `source` makes to a row: (changed field values, its new field_sources).

    `incoming` holds only what the source knows; None and "" mean "nothing to say" and never
    erase a value, except inside a field group that the source takes over as a whole (a new
    rating without a vote count clears the old count). Returns empty changes when nothing
    differs, so a repeated import writes nothing.
    """
    changes: dict[str, Any] = {}
    new_sources = dict(sources)
    grouped: set[str] = set()
    for fields in FIELD_GROUPS.values():
        if not any(incoming.get(f) not in (None, "") for f in fields):
            continue
        grouped.update(fields)
        # A group belongs to its strongest owner: the showcase's rating without a vote count
        # must not let a weaker source in through the empty count.
        owner = max(priority(f, sources.get(f)) for f in fields)
        if priority(fields[0], source) < owner:
            continue
        for f in fields:
            value = incoming.get(f)
            if current.get(f) != value:
                changes[f] = value
            if sources.get(f) != source:
                new_sources[f] = source
    for field, value in incoming.items():
        if field in grouped or value is None or value == "":
            continue
        if priority(field, source) < priority(field, sources.get(field)):
            continue
        if current.get(field) != value:
            changes[field] = value
        if sources.get(field) != source:
            new_sources[field] = source
    return changes, new_sources


# Leading articles that sources move to the end ("Red Shoes, The"). Words that are also common
# English words ("I", "O", "As") are left out: "I Know Where I'm Going!" keeps its "I".
# fmt: off
_ARTICLES = ("the", "a", "an", "le", "la", "les", "l'", "il", "lo", "gli", "der", "die", "das",
             "den", "el", "los", "las", "un", "une", "ein", "eine")
# fmt: on
_TRAILING_ARTICLE = re.compile(r",\s*(" + "|".join(re.escape(a) for a in _ARTICLES) + r")$")
_LEADING_ARTICLE = re.compile(
    r"^(" + "|".join(re.escape(a) for a in _ARTICLES if a != "l'") + r")\s+|^l'"
)
# Alternate titles in parentheses after the title ("City of God (Cidade de Deus)"), but not a
# title that starts with one ("(500) Days of Summer").
_PARENTHESES = re.compile(r"(?<=\S)\s*\([^)]*\)")
_NOT_WORD = re.compile(r"[^\w]+")


def title_normalize(title: str) -> str:
    """A title reduced to what two spellings of it share.

    "Red Shoes, The" and "The Red Shoes" -> "red shoes"; "City of God (Cidade de Deus)" -> "city
    of god"; accents, case, punctuation and a leading article do not count.
    """
    # Importers call this for every title they read: skip the work most titles don't need.
    if not title.isascii():
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = title.lower()
    if "&" in text:
        text = text.replace("&", " and ")
    if "(" in text:
        text = _PARENTHESES.sub("", text).strip() or text
    if "," in text:
        text = _TRAILING_ARTICLE.sub("", text.strip())
    text = _LEADING_ARTICLE.sub("", text.strip())
    return " ".join(_NOT_WORD.sub(" ", text).split())


def title_match_key(title: str, year: int | None) -> str:
    return match_key_join(title_normalize(title), year)


def match_key_join(normalized: str, year: int | None) -> str:
    """The match key of a title already normalized (title_normalize)."""
    return f"{normalized}|{year or ''}"[:200]


# Genre names as the sources spell them -> the name Reelhouse shows.
GENRE_SYNONYMS: dict[str, str] = {
    "sci-fi": "Science Fiction",
    "science fiction": "Science Fiction",
    "children": "Family",
    "children's": "Family",
    "film-noir": "Film Noir",
    "film noir": "Film Noir",
    "tv movie": "TV Movie",
    "reality-tv": "Reality TV",
    "talk-show": "Talk Show",
    "game-show": "Game Show",
    "action & adventure": "Action",
    "sci-fi & fantasy": "Science Fiction",
    "war & politics": "War",
}


def genre_name(name: str) -> str | None:
    """The canonical genre for a source's genre name; None for "(no genres listed)"."""
    name = name.strip()
    if not name or name.startswith("("):
        return None
    return GENRE_SYNONYMS.get(name.lower(), name)

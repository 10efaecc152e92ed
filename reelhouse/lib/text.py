"""Small text helpers shared by pages, the API and importers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.text import slugify as django_slugify

FOLD_AT = 420


_SLUG_DROP = re.compile(r"[^\w\s-]")
_SLUG_DASHES = re.compile(r"[-\s]+")


def slugify(value: str) -> str:
    """A URL slug that keeps accented letters: "Léonide Massine" -> "leonide-massine"."""
    if value.isascii():
        # What Django's slugify does to ASCII text, without its Unicode normalization: importers
        # slug millions of titles, and most are ASCII (test_text checks the two agree).
        slug = _SLUG_DASHES.sub("-", _SLUG_DROP.sub("", value.lower())).strip("-_")
    else:
        ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
        slug = django_slugify(ascii_value)
    return slug[:80].strip("-") or "untitled"


def rating_display(value: float | None) -> str:
    """A 0-10 rating as the site shows it: one decimal, "8.1"; nothing when unrated."""
    if value is None:
        return ""
    return f"{value:.1f}"


def runtime_display(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def date_long(value: dt.date | str | None) -> str:
    """ "October 22, 1948"."""
    day = _as_date(value)
    return f"{day:%B} {day.day}, {day.year}" if day else ""


def date_short(value: dt.date | str | None) -> str:
    """ "Oct 22, 1948"."""
    day = _as_date(value)
    return f"{day:%b} {day.day}, {day.year}" if day else ""


_SENTENCE_END = re.compile(r"[.!?]\s")


def fold(value: str, limit: int = FOLD_AT) -> tuple[str, str]:
    """Split a long text into what shows at first and what hides behind "… more".

    Texts up to a third past the limit are not folded: hiding two lines behind a link helps no one.
    The cut falls at the end of a sentence near the limit, else at a word boundary.
    """
    if len(value) <= limit * 4 // 3:
        return value, ""
    window = value[: limit + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() >= limit // 2]
    cut = ends[-1] if ends else (window.rfind(" ") if " " in window else limit)
    return value[:cut].rstrip(), value[cut:].lstrip()


def shorten(value: str, limit: int = 160) -> str:
    """One line of a synopsis for a card: whole words, an ellipsis when cut."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value.rfind(" ", 0, limit)
    return value[: cut if cut > 0 else limit].rstrip(",;:- ") + "…"

from __future__ import annotations

import datetime as dt

from django.utils.text import slugify as django_slugify

from reelhouse.lib.text import date_long, date_short, fold, runtime_display, shorten, slugify


def test_slugs_keep_accented_letters() -> None:
    assert slugify("Léonide Massine") == "leonide-massine"
    assert slugify("I Know Where I'm Going!") == "i-know-where-im-going"
    assert slugify("!!!") == "untitled"


def test_short_texts_do_not_fold() -> None:
    assert fold("Why so much hype?") == ("Why so much hype?", "")
    assert fold("x" * 500, limit=420) == ("x" * 500, "")


def test_long_texts_fold_at_a_sentence_end() -> None:
    text = "First sentence is here. " * 40
    head, tail = fold(text, limit=100)
    assert head.endswith(".")
    assert 50 <= len(head) <= 101
    assert f"{head} {tail}".split() == text.split()


def test_a_text_without_sentences_folds_at_a_word() -> None:
    text = "word " * 200
    head, tail = fold(text, limit=100)
    assert not head.endswith("wor")
    assert f"{head} {tail}".split() == text.split()


def test_shorten_cuts_whole_words_with_an_ellipsis() -> None:
    assert shorten("one two three", limit=20) == "one two three"
    assert shorten("alpha beta gamma delta", limit=12) == "alpha beta…"


def test_dates_and_runtimes_read_naturally() -> None:
    assert date_long("1948-10-22") == "October 22, 1948"
    assert date_short(dt.date(1948, 10, 22)) == "Oct 22, 1948"
    assert date_long(None) == ""
    assert runtime_display(133) == "2h 13m"
    assert runtime_display(45) == "45m"
    assert runtime_display(120) == "2h"
    assert runtime_display(None) == ""


def test_the_ascii_fast_path_agrees_with_djangos_slugify() -> None:
    for title in [
        "The Lantern Keeper",
        '"Weird Al" Yankovic: Live!',
        "  --Dashes -- and __underscores__--  ",
        "Tab\tand\x1fcontrol",
        "C'est la vie, 100% & more",
        "!!!",
        "x" * 200,
        "a " * 60 + "-" * 30 + "b",
    ]:
        expected = django_slugify(title)[:80].strip("-") or "untitled"
        assert slugify(title) == expected, title

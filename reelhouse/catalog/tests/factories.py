"""Small builders for tests: each makes one row with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from reelhouse.catalog.models import Availability, Provider, Title, TitleRelation
from reelhouse.community.models import Review
from reelhouse.lib.text import slugify
from reelhouse.people.models import Credit, Person

_numbers = itertools.count(1)


def make_title(title: str | None = None, **fields: Any) -> Title:
    title = title or f"Film {next(_numbers)}"
    fields.setdefault("year", 2000)
    fields.setdefault("synopsis", f"What happens in {title}.")
    return Title.objects.create(title=title, slug=slugify(title), **fields)


def make_person(name: str | None = None, **fields: Any) -> Person:
    name = name or f"Person {next(_numbers)}"
    return Person.objects.create(name=name, slug=slugify(name), **fields)


def make_cast(title: Title, count: int) -> list[Credit]:
    return [
        Credit.objects.create(
            title=title, person=make_person(), kind=Credit.Kind.CAST, character=f"Role {i}", order=i
        )
        for i in range(count)
    ]


def make_review(title: Title, text: str = "A fine film.", **fields: Any) -> Review:
    fields.setdefault("author_name", f"critic{next(_numbers)}")
    fields.setdefault("status", Review.Status.PUBLISHED)
    fields.setdefault("created_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    return Review.objects.create(title=title, text=text, **fields)


def make_provider(name: str = "Prime Video") -> Provider:
    return Provider.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0]


def make_rail(title: Title, kind: str, count: int, *, region: str = "US") -> list[Title]:
    """`count` titles in `title`'s similar or recommended list, each streaming somewhere."""
    provider = make_provider()
    others = []
    for rank in range(count):
        other = make_title()
        TitleRelation.objects.create(source=title, target=other, kind=kind, rank=rank)
        Availability.objects.create(title=other, provider=provider, region=region, kind="stream")
        others.append(other)
    return others

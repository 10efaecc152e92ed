"""The showcase: the reference title page's facts (The Red Shoes, 1948) and what surrounds it.

`showcase.json` beside this module holds the facts of the seeds and text written for Reelhouse.
Loading is idempotent: titles are matched by title and year, people by name, reviews by their
showcase number, so a second load changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from reelhouse.catalog.documents import title_documents_invalidate
from reelhouse.catalog.models import (
    Availability,
    Certification,
    Genre,
    Keyword,
    Provider,
    Title,
    TitleRelation,
)
from reelhouse.community.models import Review
from reelhouse.editorial.models import Article
from reelhouse.lib.text import slugify
from reelhouse.people.models import Credit, Person

SHOWCASE_PATH = Path(__file__).with_name("showcase.json")


@dataclass
class ShowcaseStats:
    titles: int
    people: int
    reviews: int
    articles: int


def showcase_load(path: Path = SHOWCASE_PATH) -> ShowcaseStats:
    data = json.loads(path.read_text(encoding="utf-8"))
    with transaction.atomic():
        providers = {p["slug"]: _provider(p) for p in data["providers"]}
        people = {p["key"]: _person(p) for p in data["people"]}
        titles = {t["key"]: _title(t, providers, people) for t in data["titles"]}
        for rel in data["relations"]:
            TitleRelation.objects.get_or_create(
                source=titles[rel["from"]],
                target=titles[rel["to"]],
                kind=rel["kind"],
                origin=TitleRelation.Origin.EDITORIAL,
            )
        for kind, lists in (("similar", data["similar"]), ("recommended", data["recommended"])):
            for owner, keys in lists.items():
                for rank, key in enumerate(keys):
                    TitleRelation.objects.update_or_create(
                        source=titles[owner],
                        target=titles[key],
                        kind=kind,
                        origin=TitleRelation.Origin.EDITORIAL,
                        defaults={"rank": rank},
                    )
        for number, review in enumerate(data["reviews"], start=1):
            _review(number, review, titles)
        for article in data["articles"]:
            _article(article, titles, people)
        title_documents_invalidate(t.pk for t in titles.values())
    return ShowcaseStats(
        titles=len(titles),
        people=len(people),
        reviews=len(data["reviews"]),
        articles=len(data["articles"]),
    )


def _provider(data: dict[str, Any]) -> Provider:
    provider, _ = Provider.objects.update_or_create(
        slug=data["slug"], defaults={"name": data["name"], "homepage": data.get("homepage", "")}
    )
    return provider


def _person(data: dict[str, Any]) -> Person:
    person = Person.objects.filter(name=data["name"]).order_by("pk").first() or Person(
        name=data["name"]
    )
    person.slug = slugify(data["name"])
    person.birth_year = data.get("birth_year")
    person.death_year = data.get("death_year")
    person.biography = data.get("biography", "")
    person.known_for = data.get("known_for", "")
    person.field_sources = {
        **person.field_sources,
        **dict.fromkeys(["name", "birth_year", "death_year", "biography", "known_for"], "showcase"),
    }
    person.save()
    return person


def _title(
    data: dict[str, Any], providers: dict[str, Provider], people: dict[str, Person]
) -> Title:
    # By IMDb id where the showcase knows it (an IMDb import may have the title already, under
    # another spelling), else by title and year.
    imdb_id = data.get("imdb_id")
    found = Title.objects.filter(imdb_id=imdb_id).first() if imdb_id else None
    title = (
        found
        or Title.objects.filter(title=data["title"], year=data["year"]).order_by("pk").first()
        or Title(title=data["title"], year=data["year"])
    )
    title.title, title.year = data["title"], data["year"]
    if imdb_id:
        title.imdb_id = imdb_id
    title.kind = data.get("kind", Title.Kind.MOVIE)
    title.original_title = data.get("original_title") or data["title"]
    title.slug = slugify(data["title"])
    title.release_date = (
        dt.date.fromisoformat(data["release_date"]) if data.get("release_date") else None
    )
    title.runtime = data.get("runtime")
    title.synopsis = data.get("synopsis", "")
    title.tagline = data.get("tagline", "")
    written = [
        "kind",
        "title",
        "year",
        "original_title",
        "release_date",
        "runtime",
        "synopsis",
        "tagline",
    ]
    if data.get("rating") is not None:
        title.rating = data["rating"]
        title.rating_votes = data.get("rating_votes")
        title.rating_source = "showcase"
        written += ["rating", "rating_votes", "rating_source"]
    # The showcase outranks every import (catalog/merge.py): its facts are the seeds'.
    title.field_sources = {
        **title.field_sources,
        **{f: "showcase" for f in written if getattr(title, f) not in (None, "")},
        **({"genres": "showcase"} if data.get("genres") else {}),
    }
    title.save()

    title.genres.set(
        Genre.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0]
        for name in data.get("genres", [])
    )
    title.keywords.set(
        Keyword.objects.get_or_create(name=name.lower())[0] for name in data.get("keywords", [])
    )
    for region, value in data.get("certifications", {}).items():
        Certification.objects.update_or_create(
            title=title, region=region, defaults={"value": value}
        )
    for offer in data.get("availability", []):
        Availability.objects.get_or_create(
            title=title,
            provider=providers[offer["provider"]],
            region=offer["region"],
            kind=offer["kind"],
        )
    # The showcase owns the credits of its titles: replace rather than merge.
    Credit.objects.filter(title=title).delete()
    Credit.objects.bulk_create(
        [
            Credit(
                title=title,
                person=people[c["person"]],
                kind=Credit.Kind.CAST,
                character=c.get("character", ""),
                order=order,
            )
            for order, c in enumerate(data.get("cast", []))
        ]
        + [
            Credit(
                title=title,
                person=people[c["person"]],
                kind=Credit.Kind.CREW,
                department=c["department"],
                job=c["job"],
                order=order,
            )
            for order, c in enumerate(data.get("crew", []))
        ]
    )
    return title


def _review(number: int, data: dict[str, Any], titles: dict[str, Title]) -> None:
    Review.objects.update_or_create(
        source=Review.Source.DEMO,
        external_id=f"showcase-{number}",
        defaults={
            "title": titles[data["title"]],
            "author_name": data["author"],
            "headline": data.get("headline", ""),
            "text": data["text"],
            "rating": data.get("rating"),
            "is_spoiler": data.get("spoiler", False),
            "status": Review.Status.PUBLISHED,
            "created_at": dt.datetime.fromisoformat(data["date"]).replace(hour=12, tzinfo=dt.UTC),
        },
    )


def _article(data: dict[str, Any], titles: dict[str, Title], people: dict[str, Person]) -> None:
    article = Article.objects.filter(slug=data["slug"]).first() or Article(slug=data["slug"])
    article.headline = data["headline"]
    article.standfirst = data.get("standfirst", "")
    article.body = data["body"]
    article.author_name = data["author"]
    article.status = Article.Status.PUBLISHED
    article.published_at = dt.datetime.fromisoformat(data["published_at"])
    article.save()
    article.titles.set(titles[key] for key in data["titles"])
    article.people.set(people[key] for key in data["people"])

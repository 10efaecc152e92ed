"""A small catalog with planted structure: two clusters of films and two of users.

Ballet films of the 1940s by one director, loved by the ballet fans; westerns of the 1950s by
another, loved by the western fans. Each fan also rates one film of the other cluster low, so
there are non-positive ratings to ignore. One ballet film has no ratings at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reelhouse.catalog.models import Genre, Keyword, Title
from reelhouse.catalog.tests.factories import make_person, make_title
from reelhouse.community.models import Rating
from reelhouse.people.models import Credit, Person

RATED_AT = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
FILMS_PER_CLUSTER = 6
FANS_PER_CLUSTER = 8


@dataclass
class Planted:
    ballet: list[Title]
    westerns: list[Title]
    unrated: Title
    ada: Person
    star: Person


def _film(
    name: str,
    year: int,
    genre: Genre,
    keyword: Keyword,
    director: Person,
    star: Person,
    synopsis: str,
) -> Title:
    title = make_title(name, year=year, synopsis=synopsis)
    title.genres.add(genre)
    title.keywords.add(keyword)
    Credit.objects.create(
        title=title, person=director, kind=Credit.Kind.CREW, department="Directing", job="Director"
    )
    Credit.objects.create(
        title=title, person=star, kind=Credit.Kind.CAST, character="Lead", order=0
    )
    return title


def planted_catalog(*, source: str = "movielens") -> Planted:
    drama = Genre.objects.create(name="Drama", slug="drama")
    western = Genre.objects.create(name="Western", slug="western")
    ballet_kw = Keyword.objects.create(name="ballet")
    frontier_kw = Keyword.objects.create(name="frontier")
    ada, bob = make_person("Ada Director"), make_person("Bob Director")
    star, cowboy = make_person("Moira Dancer"), make_person("Tex Rider")
    ballet = [
        _film(
            f"Ballet {i}",
            1945 + i % 4,
            drama,
            ballet_kw,
            ada,
            star,
            "A dancer joins a ballet company.",
        )
        for i in range(FILMS_PER_CLUSTER)
    ]
    westerns = [
        _film(
            f"Western {i}",
            1952 + i % 4,
            western,
            frontier_kw,
            bob,
            cowboy,
            "A wagon train crosses the frontier.",
        )
        for i in range(FILMS_PER_CLUSTER)
    ]
    unrated = _film(
        "Ballet Unseen", 1947, drama, ballet_kw, ada, star, "A ballet dancer's last season."
    )
    ratings = []
    for cluster, liked, other in (("b", ballet, westerns), ("w", westerns, ballet)):
        for fan in range(FANS_PER_CLUSTER):
            user = f"{cluster}{fan}"
            # Each fan skips one film of their cluster, so the co-like counts differ.
            ratings += [
                Rating(title=t, source=source, external_user=user, score=10.0, rated_at=RATED_AT)
                for i, t in enumerate(liked)
                if i != fan % len(liked)
            ]
            ratings.append(
                Rating(
                    title=other[fan % len(other)],
                    source=source,
                    external_user=user,
                    score=4.0,
                    rated_at=RATED_AT,
                )
            )
    Rating.objects.bulk_create(ratings)
    return Planted(ballet=ballet, westerns=westerns, unrated=unrated, ada=ada, star=star)

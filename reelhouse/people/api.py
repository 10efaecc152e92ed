from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from reelhouse.api.schemas import ERRORS
from reelhouse.people.selectors import FilmographyEntry, person_filmography, person_get

router = Router(tags=["people"])


class Credit(Schema):
    title_id: int
    title: str
    year: int | None
    url: str
    roles: list[str]


class Filmography(Schema):
    acting: list[Credit]
    crew: dict[str, list[Credit]]


class PersonOut(Schema):
    id: int
    name: str
    url: str
    birth_year: int | None
    death_year: int | None
    known_for: str
    biography: str
    photo_url: str
    external_ids: dict[str, str | int | None]
    filmography: Filmography


def _entries(entries: list[FilmographyEntry]) -> list[dict[str, Any]]:
    return [vars(e) for e in entries]


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS}, summary="A person")
def person_detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """A person and their filmography, newest first, acting and crew jobs by department."""
    person = person_get(person_id)
    if person is None:
        raise Http404(f"No person with id {person_id}.")
    films = person_filmography(person)
    return {
        "id": person.pk,
        "name": person.name,
        "url": person.get_absolute_url(),
        "birth_year": person.birth_year,
        "death_year": person.death_year,
        "known_for": person.known_for,
        "biography": person.biography,
        "photo_url": person.photo_url,
        "external_ids": {"imdb": person.imdb_id, "tmdb": person.tmdb_id},
        "filmography": {
            "acting": _entries(films.acting),
            "crew": {dept: _entries(entries) for dept, entries in films.crew.items()},
        },
    }

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F

from reelhouse.people.models import Credit, Person


@dataclass
class FilmographyEntry:
    title_id: int
    title: str
    year: int | None
    url: str
    roles: list[str] = field(default_factory=list)


@dataclass
class Filmography:
    acting: list[FilmographyEntry]
    # Department name -> entries, departments in the order people look for them.
    crew: dict[str, list[FilmographyEntry]]


DEPARTMENT_ORDER = ["Directing", "Writing", "Production", "Camera", "Editing", "Sound", "Art"]


def person_get(pk: int) -> Person | None:
    return Person.objects.filter(pk=pk).first()


def person_filmography(person: Person) -> Filmography:
    """A person's credits, newest first, one entry per title and department: 1 query."""
    credits = (
        Credit.objects.filter(person=person)
        .select_related("title")
        .order_by(F("title__year").desc(nulls_first=True), "title__title", "order")
    )
    acting: dict[int, FilmographyEntry] = {}
    crew: dict[str, dict[int, FilmographyEntry]] = {}
    for c in credits:
        bucket = (
            acting if c.kind == Credit.Kind.CAST else crew.setdefault(c.department or "Crew", {})
        )
        entry = bucket.get(c.title_id)
        if entry is None:
            entry = bucket[c.title_id] = FilmographyEntry(
                c.title_id, c.title.title, c.title.year, c.title.get_absolute_url()
            )
        role = c.character if c.kind == Credit.Kind.CAST else c.job
        if role and role not in entry.roles:
            entry.roles.append(role)
    order = {name: i for i, name in enumerate(DEPARTMENT_ORDER)}
    return Filmography(
        acting=list(acting.values()),
        crew={
            name: list(entries.values())
            for name, entries in sorted(crew.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
        },
    )

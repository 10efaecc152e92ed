"""People and their credits on titles."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse

from reelhouse.catalog.models import Title


class Person(models.Model):
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=80, db_index=False)
    birth_year = models.SmallIntegerField(null=True, blank=True)
    death_year = models.SmallIntegerField(null=True, blank=True)
    biography = models.TextField(blank=True)
    photo_url = models.URLField(max_length=500, blank=True)
    known_for = models.CharField(max_length=32, blank=True, help_text="Acting, Directing...")
    # IMDb's primaryProfession, as given: "actress,producer".
    professions = models.CharField(max_length=200, blank=True)
    # Unique where present: partial indexes, as on Title.
    imdb_id = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001 - NULLs may repeat
    tmdb_id = models.IntegerField(null=True, blank=True)
    popularity = models.FloatField(default=0)
    field_sources = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.UniqueConstraint(
                fields=[field], condition=Q(**{f"{field}__isnull": False}), name=f"person_{field}"
            )
            for field in ("imdb_id", "tmdb_id")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:detail", args=[self.pk, self.slug])

    @property
    def lifespan(self) -> str:
        if self.birth_year and self.death_year:
            return f"{self.birth_year}\N{EN DASH}{self.death_year}"
        if self.birth_year:
            return f"born {self.birth_year}"
        return ""


class Credit(models.Model):
    """A person's part in a title: a role in the cast, or a job in the crew."""

    class Kind(models.TextChoices):
        CAST = "cast", "Cast"
        CREW = "crew", "Crew"

    # No index of their own: Meta.indexes lead with each (an importer writes millions of
    # credits, and every index is maintained row by row).
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    kind = models.CharField(max_length=4, choices=Kind.choices)
    character = models.CharField(max_length=500, blank=True)
    order = models.PositiveIntegerField(default=0, help_text="Billing order; 0 is top billed")
    department = models.CharField(max_length=64, blank=True, help_text="Directing, Writing...")
    job = models.CharField(max_length=200, blank=True, help_text="Director, Screenplay...")
    # Each source replaces only its own credits of a title; pages show the best source's.
    source = models.CharField(max_length=16, default="editorial")

    class Meta:
        ordering = ["kind", "order", "id"]
        indexes = [
            models.Index(fields=["title", "source", "kind", "order"]),
            models.Index(fields=["person", "kind"]),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.CAST:
            return f"{self.person_id} as {self.character}"
        return f"{self.person_id}, {self.job}"

"""Editorial articles and the titles and people they cover."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from reelhouse.catalog.models import Title
from reelhouse.lib.markdown import markdown_render
from reelhouse.people.models import Person


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    headline = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    standfirst = models.CharField(max_length=500, blank=True)
    body = models.TextField(help_text="Markdown; raw HTML is shown as text")
    # Rendered once when saved, so no page renders Markdown per request.
    body_html = models.TextField(editable=False, default="")
    author_name = models.CharField(max_length=150)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    titles = models.ManyToManyField(Title, blank=True, related_name="articles")
    people = models.ManyToManyField(Person, blank=True, related_name="articles")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = markdown_render(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("editorial:detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

"""Accounts and what people write about titles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from reelhouse.catalog.models import Title


class User(AbstractUser):
    """Reelhouse's account; its own model from the first migration so it can grow."""

    display_name = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class Review(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Hidden by a moderator"

    class Source(models.TextChoices):
        REELHOUSE = "reelhouse", "Reelhouse"
        TMDB = "tmdb", "TMDB"
        DEMO = "demo", "Demo"

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    # The name shown: the user's, or the author an imported review carries.
    author_name = models.CharField(max_length=150)
    headline = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    rating = models.FloatField(null=True, blank=True, help_text="0-10")
    is_spoiler = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.REELHOUSE)
    external_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["title", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=0, rating__lte=10),
                name="review_rating_0_10",
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="review_external_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.title_id}"

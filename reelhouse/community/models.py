"""Accounts and what people write about titles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from reelhouse.catalog.models import Title

# Our members rate in half stars: ½ to 5 stars, stored on the site's 0-10 scale as 1 to 10.
SCORE_MIN = 1
SCORE_MAX = 10


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

    # Indexed by (title, status, created_at), which leads with it.
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
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


class Rating(models.Model):
    """A score for a title, by one of our users or by an imported source's user (MovieLens).

    Scores are on the site's 0-10 scale: a MovieLens 4.5 stars is stored as 9.0.
    """

    # Indexed once, by the index named in Meta (MovieLens brings millions of these rows).
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    source = models.CharField(max_length=16, default="reelhouse")
    external_user = models.CharField(max_length=64, blank=True)
    score = models.FloatField()
    rated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["title"]), models.Index(fields=["source", "external_user"])]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=10), name="rating_0_10"),
            models.UniqueConstraint(
                fields=["user", "title"],
                condition=Q(user__isnull=False),
                name="rating_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["source", "external_user", "title"],
                condition=~Q(external_user=""),
                name="rating_once_per_external_user",
            ),
        ]

    def __str__(self) -> str:
        who = self.user_id or f"{self.source}:{self.external_user}"
        return f"{who} rated {self.title_id}: {self.score}"

    @property
    def stars(self) -> float:
        return score_stars(self.score)

    @property
    def stars_text(self) -> str:
        return stars_text(self.score)

    @property
    def stars_label(self) -> str:
        return stars_label(self.score)


def score_stars(score: float) -> float:
    """A 0-10 score as stars out of five, to the nearest half: 9.0 is 4.5."""
    return round(score) / 2


def stars_text(score: float) -> str:
    """ "★★★★½" for 9.0: what a member sees for a score."""
    halves = round(score)
    return "★" * (halves // 2) + ("½" if halves % 2 else "")


def stars_label(score: float) -> str:
    """ "4½ stars" for 9.0: the same score for a screen reader or a sentence."""
    halves = round(score)
    whole = str(halves // 2) if halves >= 2 else ""
    half = "½" if halves % 2 else ""
    return f"{whole}{half} {'star' if halves <= 2 else 'stars'}"


class Watchlist(models.Model):
    """A title a member means to watch: one row per member and title."""

    # Indexed by the unique constraint (user, title), which leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist", db_index=False
    )
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="watchlisted")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "title"], name="watchlist_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} wants to watch {self.title_id}"

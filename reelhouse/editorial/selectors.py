from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from reelhouse.editorial.models import Article


def article_published_list() -> QuerySet[Article]:
    return Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__lte=timezone.now()
    ).order_by("-published_at", "-id")


def article_published_get(slug: str) -> Article | None:
    return article_published_list().filter(slug=slug).prefetch_related("people").first()

from __future__ import annotations

from django.db.models import QuerySet

from reelhouse.community.models import Review


def review_published_list(*, title_id: int) -> QuerySet[Review]:
    return Review.objects.filter(title_id=title_id, status=Review.Status.PUBLISHED).order_by(
        "created_at", "id"
    )

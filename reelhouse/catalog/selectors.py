from __future__ import annotations

from django.db.models import F, QuerySet

from reelhouse.catalog.models import Title


def title_popular_list(*, limit: int = 20) -> QuerySet[Title]:
    """The titles people know best first: source votes, then popularity."""
    return Title.objects.exclude(kind=Title.Kind.EPISODE).order_by(
        F("rating_votes").desc(nulls_last=True),
        "-popularity",
        F("rating").desc(nulls_last=True),
        "id",
    )[:limit]

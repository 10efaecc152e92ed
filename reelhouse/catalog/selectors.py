from __future__ import annotations

from django.db.models import QuerySet

from reelhouse.catalog.models import POPULAR_ORDER, Title


def title_popular_list(*, limit: int = 20) -> QuerySet[Title]:
    """The titles people know best first: source votes, then popularity (an index's order)."""
    return Title.objects.exclude(kind=Title.Kind.EPISODE).order_by(*POPULAR_ORDER)[:limit]

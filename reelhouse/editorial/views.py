from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from reelhouse.catalog.documents import title_cards
from reelhouse.editorial.selectors import article_published_get
from reelhouse.lib.http import region_from


@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = article_published_get(slug)
    if article is None:
        raise Http404("No article at that address.")
    title_ids = list(article.titles.order_by("-year").values_list("pk", flat=True))
    return render(
        request,
        "editorial/article_detail.html",
        {
            "article": article,
            "cards": list(title_cards(title_ids).values()),
            "people": list(article.people.all()),
            "region": region_from(request),
        },
    )

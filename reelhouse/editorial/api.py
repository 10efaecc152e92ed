from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from reelhouse.api.schemas import ERRORS
from reelhouse.catalog.api import TitleCard
from reelhouse.catalog.documents import title_cards
from reelhouse.editorial.selectors import article_published_get

router = Router(tags=["articles"])


class PersonLink(Schema):
    id: int
    name: str
    url: str


class ArticleOut(Schema):
    slug: str
    url: str
    headline: str
    standfirst: str
    author: str
    published_at: str | None
    body_markdown: str
    body_html: str
    titles: list[TitleCard]
    people: list[PersonLink]


@router.get("/articles/{slug}", response={200: ArticleOut, **ERRORS}, summary="An article")
def article_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    """A published article with cards of the titles it covers and links to the people it names."""
    article = article_published_get(slug)
    if article is None:
        raise Http404("No published article with that slug.")
    title_ids = list(article.titles.order_by("-year").values_list("pk", flat=True))
    return {
        "slug": article.slug,
        "url": article.get_absolute_url(),
        "headline": article.headline,
        "standfirst": article.standfirst,
        "author": article.author_name,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "body_markdown": article.body,
        "body_html": article.body_html,
        "titles": list(title_cards(title_ids).values()),
        "people": [
            {"id": p.pk, "name": p.name, "url": p.get_absolute_url()} for p in article.people.all()
        ],
    }

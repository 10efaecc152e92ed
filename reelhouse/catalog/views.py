from __future__ import annotations

from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from reelhouse.catalog.documents import title_cards, title_document_get
from reelhouse.catalog.models import certification_choose
from reelhouse.catalog.selectors import title_popular_list
from reelhouse.community.selectors import review_published_list
from reelhouse.editorial.selectors import article_published_list
from reelhouse.lib.http import page_number_from, region_from


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    articles = list(article_published_list()[:4])
    popular = title_cards(t.pk for t in title_popular_list(limit=20))
    return render(
        request,
        "catalog/home.html",
        {
            "featured": articles[0] if articles else None,
            "more_articles": articles[1:],
            "popular": list(popular.values()),
            "region": region_from(request),
        },
    )


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Where browsers look for an icon when a page names none (the API's JSON, say).

    A temporary redirect, cached a day: the icon's static URL changes with its content.
    """
    response = HttpResponseRedirect(static("img/favicon.svg"))
    patch_cache_control(response, public=True, max_age=86_400)
    return response


def _document_or_404(pk: int) -> dict:  # type: ignore[type-arg]
    doc = title_document_get(pk)
    if doc is None:
        raise Http404("No title with that id.")
    return doc


@require_safe
def title_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    doc = _document_or_404(pk)
    if slug != doc["slug"]:
        return HttpResponsePermanentRedirect(_with_query(doc["url"], request))
    region = region_from(request)
    return render(
        request,
        "catalog/title_detail.html",
        {
            "t": doc,
            "region": region,
            "certification": certification_choose(doc["certifications"], region),
            "offers": doc["availability"].get(region, []),
        },
    )


@require_safe
def title_reviews(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    doc = _document_or_404(pk)
    if slug != doc["slug"]:
        return HttpResponsePermanentRedirect(_with_query(doc["url"] + "reviews/", request))
    paginator = Paginator(review_published_list(title_id=pk), 20)
    number = page_number_from(request)
    if number > paginator.num_pages:
        raise Http404("No such page of reviews.")
    return render(
        request,
        "catalog/title_reviews.html",
        {"t": doc, "page": paginator.page(number), "region": region_from(request)},
    )


def _with_query(url: str, request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url

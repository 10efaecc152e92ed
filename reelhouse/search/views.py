from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from reelhouse.catalog.models import Genre, Provider
from reelhouse.lib.http import page_number_from
from reelhouse.search.discover import DiscoverError, discover_filters_parse, discover_page
from reelhouse.search.selectors import search, search_query_clean
from reelhouse.search.story import story_status

PER_PAGE = 20
CHARTS = {
    "top-rated": (
        "Top rated",
        "rating",
        "Ranked by weighted rating: many votes count more than a few.",
    ),
    "popular": ("Most popular", "popularity", "What people are watching and rating most."),
}
DECADES = [f"{decade}s" for decade in range(2020, 1880, -10)]


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    number = page_number_from(request)
    context: dict[str, object] = {
        "q": raw,
        "results": None,
        "error": "",
        "page": number,
        "story": story_status(),
    }
    if raw.strip():
        try:
            query = search_query_clean(raw)
        except ValueError as error:
            raise BadRequest(str(error)) from error
        found = search(query, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
        context.update(
            results=found["results"],
            count=found["count"],
            has_next=number * PER_PAGE < found["count"],
        )
    return render(request, "search/search.html", context)


@require_safe
def discover(request: HttpRequest, chart: str = "") -> HttpResponse:
    params = request.GET.copy()
    heading, note = "Discover", ""
    if chart:
        heading, sort, note = CHARTS[chart]
        params["sort"] = sort
    try:
        filters = discover_filters_parse(params)
        page = discover_page(filters)
    except DiscoverError as error:
        raise BadRequest(f"That filter doesn't work: {error}.") from error
    return render(
        request,
        "search/discover.html",
        {
            "heading": heading,
            "note": note,
            "chart": chart,
            "filters": filters,
            "region": filters.region_or_default(),
            "page": page,
            "genres": Genre.objects.all(),
            "providers": Provider.objects.all(),
            "decades": DECADES,
        },
    )

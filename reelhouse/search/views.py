from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from reelhouse.lib.http import page_number_from
from reelhouse.search.selectors import search, search_query_clean

PER_PAGE = 20


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    number = page_number_from(request)
    context: dict[str, object] = {"q": raw, "results": None, "error": "", "page": number}
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

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.views.decorators.http import require_safe

from reelhouse.editorial.selectors import article_published_list
from reelhouse.people.selectors import person_filmography, person_get


@require_safe
def person_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    person = person_get(pk)
    if person is None:
        raise Http404("No person with that id.")
    if slug != person.slug:
        return HttpResponsePermanentRedirect(person.get_absolute_url())
    articles = article_published_list().filter(people=person)[:6]
    return render(
        request,
        "people/person_detail.html",
        {"person": person, "filmography": person_filmography(person), "articles": list(articles)},
    )

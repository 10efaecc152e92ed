"""Accounts, a member's rating and watchlist of a title, and their own lists.

A title page is the same bytes for everyone; what a member has said about the title comes from
`title_you_fragment`, which static/js/fragments.js loads into it, or from `title_you` without
JavaScript. Both are private to the member and never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_cookie

from reelhouse.catalog.documents import title_cards
from reelhouse.community.forms import SCORE_CHOICES, RatingForm, SignUpForm
from reelhouse.community.http import (
    AuthenticatedHttpRequest,
    next_url_from,
    signed_in_hint_sync,
)
from reelhouse.community.models import Rating, User, Watchlist
from reelhouse.community.selectors import (
    TitleYou,
    rating_list_for_user,
    title_get_or_404,
    title_you_get,
    watchlist_list_for_user,
)
from reelhouse.community.services import (
    rating_delete,
    rating_set,
    user_create,
    watchlist_add,
    watchlist_remove,
)
from reelhouse.lib.http import page_number_from, region_from

PER_PAGE = 24
_Row = TypeVar("_Row", Rating, Watchlist)


def _see_other(url: str) -> HttpResponseRedirect:
    # 303: the browser follows a form's POST with a GET, whatever it was.
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


# --- Accounts -------------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    next_url = next_url_from(request, default=reverse("home"))
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = user_create(
                username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except IntegrityError:
            form.add_error("username", "Someone took that username a moment ago. Try another.")
        else:
            login(request, user)
            return signed_in_hint_sync(request, _see_other(next_url))
    return render(
        request,
        "community/sign_up.html",
        {"form": form, "next_url": next_url},
        status=400 if form.errors else 200,
    )


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = next_url_from(request, default=reverse("home"))
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        login(request, form.get_user())
        return signed_in_hint_sync(request, _see_other(next_url))
    response = render(
        request,
        "community/sign_in.html",
        {"form": form, "next_url": next_url},
        status=400 if form.errors else 200,
    )
    # A member who reaches this page while signed in (say from a cached page's header, without
    # JavaScript) gets the hint back, so the next cached page shows their own menu.
    return signed_in_hint_sync(request, response)


@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """POST signs out; GET asks first, since a link must not sign anyone out."""
    if request.method == "POST":
        logout(request)
        return signed_in_hint_sync(
            request, _see_other(next_url_from(request, default=reverse("home")))
        )
    if not request.user.is_authenticated:
        return signed_in_hint_sync(request, HttpResponseRedirect(reverse("home")))
    return render(request, "community/sign_out.html", {})


@require_safe
@never_cache
@vary_on_cookie
def account_menu(request: HttpRequest) -> HttpResponse:
    """The header's links for a signed-in member; 204 for anyone else (the page's own links)."""
    if not request.user.is_authenticated:
        return signed_in_hint_sync(request, HttpResponse(status=204))
    return signed_in_hint_sync(request, render(request, "community/partials/account_menu.html", {}))


# --- A title, as one member sees it ---------------------------------------------------------


def _title_you_context(
    you: TitleYou, next_url: str, form: RatingForm | None = None
) -> dict[str, object]:
    return {"you": you, "next_url": next_url, "form": form, "score_choices": SCORE_CHOICES}


@require_safe
@never_cache
@vary_on_cookie
def title_you(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's rating and watchlist forms for a title, as a page (no JavaScript needed)."""
    you = title_you_get(user=request.user, title_id=pk)
    context = _title_you_context(you, next_url=request.path)
    return signed_in_hint_sync(request, render(request, "community/title_you.html", context))


@require_safe
@never_cache
@vary_on_cookie
def title_you_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The same forms as a fragment of the title page; 204 when nobody is signed in."""
    you = title_you_get(user=request.user, title_id=pk)
    if not request.user.is_authenticated:
        return signed_in_hint_sync(request, HttpResponse(status=204))
    context = _title_you_context(you, next_url=you.url)
    return render(request, "community/partials/title_you.html", context)


def _sign_in_first(pk: int) -> HttpResponse:
    # Back to the title's own forms after signing in: a POST cannot be replayed through a redirect.
    return redirect_to_login(reverse("community:title-you", args=[pk]))


def _back(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    return _see_other(next_url_from(request, default=reverse("community:title-you", args=[pk])))


@require_POST
def rating_set_view(request: HttpRequest, pk: int) -> HttpResponse:
    title = title_get_or_404(pk)
    if not isinstance(request.user, User):
        return _sign_in_first(pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        you = title_you_get(user=request.user, title_id=pk)
        context = _title_you_context(you, next_url_from(request, you.url), form=form)
        return render(request, "community/title_you.html", context, status=400)
    rating_set(user=request.user, title=title, score=form.cleaned_data["score"])
    return _back(request, pk)


def _member_action(request: HttpRequest, pk: int, action: Callable[..., object]) -> HttpResponse:
    """A form's POST that changes the member's lists: do it, and go back where they were."""
    title = title_get_or_404(pk)
    if not isinstance(request.user, User):
        return _sign_in_first(pk)
    action(user=request.user, title=title)
    return _back(request, pk)


@require_POST
def rating_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, rating_delete)


@require_POST
def watchlist_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, watchlist_add)


@require_POST
def watchlist_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, watchlist_remove)


# --- A member's own lists -------------------------------------------------------------------


def _page_or_last(
    request: HttpRequest, paginator: Paginator[_Row]
) -> Page[_Row] | HttpResponseRedirect:
    number = page_number_from(request)
    if number > paginator.num_pages:
        # Removing the last title of the last page lands here: show what is left.
        return HttpResponseRedirect(f"{request.path}?page={paginator.num_pages}")
    return paginator.page(number)


@login_required
@require_safe
@never_cache
def ratings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _member_list(request, rating_list_for_user(user=request.user), "community/ratings.html")


@login_required
@require_safe
@never_cache
def watchlist(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = watchlist_list_for_user(user=request.user)
    return _member_list(request, rows, "community/watchlist.html")


def _member_list(
    request: AuthenticatedHttpRequest, rows: QuerySet[_Row], template: str
) -> HttpResponse:
    """A page of the member's ratings or watchlist: each row beside its title's card."""
    page = _page_or_last(request, Paginator(rows, PER_PAGE))
    if isinstance(page, HttpResponseRedirect):
        return page
    cards = title_cards(row.title_id for row in page.object_list)
    return render(
        request,
        template,
        {
            "page": page,
            "items": [(cards[r.title_id], r) for r in page.object_list if r.title_id in cards],
            "region": region_from(request),
        },
    )

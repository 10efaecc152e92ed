"""Request and response helpers of the signed-in pages and fragments."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from reelhouse.community.models import User

# A hint for static/js/fragments.js, which cannot read the HttpOnly session cookie: fetch the
# per-member fragments only when someone signed in on this browser. Cached pages are the same
# for everyone; an anonymous visitor never asks for a fragment. The hint proves nothing: every
# fragment checks the session, and a stale hint is cleared by the fragment it asked for.
SIGNED_IN_COOKIE = "reelhouse_signed_in"


class AuthenticatedHttpRequest(HttpRequest):
    user: User


def signed_in_hint_sync(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set or clear the signed-in hint to match the session."""
    has_hint = request.COOKIES.get(SIGNED_IN_COOKIE) == "1"
    if request.user.is_authenticated and not has_hint:
        response.set_cookie(
            SIGNED_IN_COOKIE,
            "1",
            max_age=None
            if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
            else settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            samesite="Lax",
        )
    elif not request.user.is_authenticated and SIGNED_IN_COOKIE in request.COOKIES:
        response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")
    return response


def next_url_from(request: HttpRequest, default: str) -> str:
    """The `next` the request carries (form field, else query) when it stays on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default

"""Error pages and /healthz. Under /api/ every error is the API's JSON shape; elsewhere a page."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from reelhouse.api.errors import error_response

logger = logging.getLogger(__name__)

MESSAGES = {
    400: ("That request didn't make sense", "Something in the address isn't right."),
    403: ("Not for you, sorry", "You don't have access to that page."),
    404: ("We couldn't find that", "Nothing lives at this address. It may have moved."),
    500: ("Something broke on our side", "We've logged it. Please try again in a moment."),
}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, status: int, exception: Exception | None = None) -> HttpResponse:
    heading, default_message = MESSAGES[status]
    # Our own 4xx messages are written for people; anything else stays generic.
    message = str(exception) if status < 500 and exception and _is_ours(exception) else ""
    if _is_api(request):
        return error_response(status, message or default_message)
    body: str
    try:
        body = render_to_string(
            "error.html",
            {"status": status, "heading": heading, "message": message or default_message},
            request=request,
        )
    except Exception:  # the error page itself must never fail
        logger.exception("error page failed to render")
        body = f"<!doctype html><title>{status}</title><h1>{heading}</h1>"
    return HttpResponse(body, status=status)


def _is_ours(exception: Exception) -> bool:
    text = str(exception)
    # Django's resolver404 carries a dict of tried patterns; that is for developers.
    return bool(text) and not text.startswith("{") and len(text) < 200


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 400, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("healthz: database unavailable: %s", error)
        return JsonResponse(
            {"status": "unavailable", "database": {"vendor": connection.vendor, "ok": False}},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": {"vendor": connection.vendor, "ok": True}})

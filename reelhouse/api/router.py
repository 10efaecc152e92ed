"""The /api/v1 API: each domain contributes its router; errors all take one shape."""

from __future__ import annotations

import logging

from csp.decorators import csp_update
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from reelhouse.api.errors import error_response
from reelhouse.catalog.api import router as catalog_router
from reelhouse.community.api import router as community_router
from reelhouse.editorial.api import router as editorial_router
from reelhouse.people.api import router as people_router
from reelhouse.recs.api import router as recs_router
from reelhouse.search.api import router as search_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Reelhouse API",
    version="1",
    description=(
        "Titles, people, articles, search, discover and recommendations; the signed-in "
        "member's ratings and watchlist under /me. Every error is "
        '`{"error": {"status", "code", "message", "details"?}}`.'
    ),
    urls_namespace="api-v1",
    # Swagger UI sets style attributes; everything it loads still comes from our own origin.
    docs_decorator=csp_update({"style-src": ["'self'", "'unsafe-inline'"]}),
)
for router in (
    catalog_router,
    people_router,
    editorial_router,
    search_router,
    recs_router,
    community_router,
):
    api.add_router("/", router)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {
            "location": [part for part in error.get("loc", ()) if isinstance(part, str | int)],
            "message": str(error.get("msg", "invalid")),
        }
        for error in exc.errors
    ]
    return error_response(422, "Some parameters are not valid.", details=details)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, str(exc.message))


@api.exception_handler(BadRequest)
def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return error_response(400, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, str(exc) or "Not found.")


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(401, "Sign in first.")


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s", request.path)
    return error_response(500, "Something broke on our side. It has been logged.")

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from reelhouse.api.errors import error_response

MESSAGES = {
    405: "That method is not allowed here.",
    403: "Not allowed.",
}


class ApiErrorShapeMiddleware:
    """Give every error under /api/ the API's JSON shape, whoever produced it.

    Our handlers already answer in that shape; this catches what Django or django-ninja
    answer themselves, such as a 405 for a wrong method or a CSRF 403.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            shaped = error_response(
                response.status_code, MESSAGES.get(response.status_code, "Request failed.")
            )
            if allow := response.get("Allow"):
                shaped["Allow"] = allow
            return shaped
        return response

"""The API's one error shape, used for every 4xx and 5xx under /api/.

    {"error": {"status": 404, "code": "not_found", "message": "No title with id 9."}}

Validation errors add "details": a list of {"location": [...], "message": "..."}.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def error_body(
    status: int,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message,
    }
    if details:
        error["details"] = details
    return {"error": error}


def error_response(status: int, message: str, **kwargs: Any) -> JsonResponse:
    return JsonResponse(error_body(status, message, **kwargs), status=status)

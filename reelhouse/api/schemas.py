"""Shapes shared by several domains' endpoints."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from ninja import Schema


class ErrorDetail(Schema):
    location: list[str | int]
    message: str


class ErrorInfo(Schema):
    status: int
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorOut(Schema):
    error: ErrorInfo


class PageMeta(Schema):
    count: int
    page: int
    per_page: int
    pages: int


def paged(paginator: Paginator[Any], page: int, results: list[Any]) -> dict[str, Any]:
    """One page of a paginated list: `results` and the PageMeta fields."""
    return {
        "count": paginator.count,
        "page": page,
        "per_page": paginator.per_page,
        "pages": paginator.num_pages,
        "results": results,
    }


ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}

"""Shapes shared by several domains' endpoints."""

from __future__ import annotations

from typing import Any

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


ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}

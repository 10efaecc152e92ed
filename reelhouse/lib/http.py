"""Request parsing shared by pages and the API."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest

_REGION = re.compile(r"[A-Za-z]{2}")


def region_from(request: HttpRequest) -> str:
    """The ?region= of the request (ISO 3166-1 alpha-2), else the site's default region."""
    value = request.GET.get("region", "")
    if not value:
        return str(settings.REELHOUSE_REGION)
    if not _REGION.fullmatch(value):
        raise BadRequest("region must be a two-letter country code, such as US or GB.")
    return value.upper()


def page_number_from(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise BadRequest("page must be a whole number from 1.")
    return int(value)

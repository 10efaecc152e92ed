"""Helpers for tests that read pages the way people do."""

from __future__ import annotations

import re
from html import unescape
from typing import Protocol


class _Response(Protocol):
    content: bytes


def page_text(response: _Response) -> str:
    """The page as a screen reader reads it: hidden decoration and tags dropped, spaces folded."""
    html = response.content.decode()
    html = re.sub(r'<span aria-hidden="true">[^<]*</span>', " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())

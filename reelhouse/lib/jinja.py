"""The Jinja2 environment our page templates render with."""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import Environment, StrictUndefined

from reelhouse.lib import text


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


class ReelhouseEnvironment(Environment):
    """Reads `doc.title` from a dict as `doc["title"]` first.

    Pages render precomputed JSON documents; Jinja's default tries the attribute first and
    pays for an AttributeError on every dict key, a fifth of the title page's render time.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment(**options: Any) -> Environment:
    options.setdefault("undefined", StrictUndefined)
    env = ReelhouseEnvironment(**options)
    env.globals.update({"static": static, "url": url})
    env.filters.update(
        {
            "rating": text.rating_display,
            "runtime": text.runtime_display,
            "longdate": text.date_long,
            "shortdate": text.date_short,
            "fold": text.fold,
        }
    )
    return env

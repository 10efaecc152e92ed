from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "reelhouse.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from reelhouse.search.handlers import signals_connect

        signals_connect()

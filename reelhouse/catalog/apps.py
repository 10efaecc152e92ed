from __future__ import annotations

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "reelhouse.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from reelhouse.catalog import signals  # noqa: F401 - connects the handlers

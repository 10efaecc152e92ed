from __future__ import annotations

from django.apps import AppConfig


class ImportersConfig(AppConfig):
    name = "reelhouse.importers"
    label = "importers"
    verbose_name = "Importers"

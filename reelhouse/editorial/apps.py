from __future__ import annotations

from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "reelhouse.editorial"
    label = "editorial"
    verbose_name = "Editorial"

from __future__ import annotations

from django.apps import AppConfig


class RecsConfig(AppConfig):
    name = "reelhouse.recs"
    label = "recs"
    verbose_name = "Recommendations"

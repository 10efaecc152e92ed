from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reelhouse.importers.selectors import CatalogStats, catalog_stats


class Command(BaseCommand):
    help = (
        "Print what the catalog holds: titles by kind, people, credits, ratings by source "
        "(members' and imported users' rows, and the titles showing an IMDb or TMDB average), "
        "reviews, providers, availability rows and articles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="One JSON object, for scripts"
        )

    def handle(self, *args: Any, as_json: bool, **options: Any) -> None:
        stats = catalog_stats()
        self.stdout.write(_as_json(stats) if as_json else stats_text(stats))


def _as_json(stats: CatalogStats) -> str:
    return json.dumps(stats, indent=2, sort_keys=True)


def stats_text(stats: CatalogStats) -> str:
    lines: list[tuple[str, int]] = [("titles", stats["titles"])]
    lines += [(f"  {kind}", n) for kind, n in stats["titles_by_kind"].items()]
    lines += [
        ("people", stats["people"]),
        ("credits", stats["credits"]),
        ("genres", stats["genres"]),
        ("keywords", stats["keywords"]),
        ("ratings", stats["ratings"]),
    ]
    lines += [(f"  {source}", n) for source, n in stats["ratings_by_source"].items()]
    lines.append(("titles with a source's rating", stats["titles_rated"]))
    lines += [
        (f"  {source or 'unnamed'}", n) for source, n in stats["titles_rated_by_source"].items()
    ]
    lines.append(("reviews", stats["reviews"]))
    lines += [(f"  {status}", n) for status, n in stats["reviews_by_status"].items()]
    lines += [
        ("providers", stats["providers"]),
        ("availability rows", stats["availability"]),
        ("articles", stats["articles"]),
    ]
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"{label:<{width}}  {n:>12,}" for label, n in lines)

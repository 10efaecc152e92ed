from __future__ import annotations

import sys
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Search index jobs: `rebuild` indexes everything from scratch; "
        "`embed` builds story embeddings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        jobs = parser.add_subparsers(dest="job", required=True, metavar="JOB")
        rebuild = jobs.add_parser(
            "rebuild",
            help="Index every title, person and article again (resumes an interrupted rebuild)",
        )
        rebuild.add_argument(
            "--restart", action="store_true", help="Start over even if one is unfinished"
        )
        rebuild.add_argument("--quiet", action="store_true", help="No progress output")
        embed = jobs.add_parser(
            "embed", help="Embed synopses for story search (needs the `story` extra; resumable)"
        )
        embed.add_argument("--restart", action="store_true", help="Embed every title again")
        embed.add_argument("--quiet", action="store_true", help="No progress output")

    def handle(self, *args: Any, job: str, restart: bool, quiet: bool, **options: Any) -> None:
        try:
            if job == "rebuild":
                from reelhouse.search.services import search_rebuild

                rows = search_rebuild(
                    restart=restart, quiet=quiet, stream=cast(TextIO, self.stderr)
                )
                self.stdout.write(f"Search index rebuilt: {rows:,} documents.")
            else:
                from reelhouse.search.story import StoryUnavailableError, story_embed_all

                try:
                    rows = story_embed_all(
                        restart=restart, quiet=quiet, stream=cast(TextIO, self.stderr)
                    )
                except StoryUnavailableError as error:
                    self.stderr.write(str(error))
                    sys.exit(2)
                self.stdout.write(f"Story embeddings: {rows:,} titles embedded.")
        except KeyboardInterrupt:
            self.stderr.write(
                "Interrupted. Committed batches are kept; run the same command to resume."
            )
            sys.exit(130)

# The command is `reelhouse import`; the module name is the command name.
# ruff: noqa: N999
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from reelhouse.importers.bulk import set_aside_restore
from reelhouse.importers.files import ImportFileError
from reelhouse.lib.jobs import JobBusyError, job_lock
from reelhouse.search.services import search_rebuild

# Each source module provides add_arguments(parser) and run(path, **options) -> results.
SOURCES = {
    "imdb": "IMDb's non-commercial .tsv.gz files in DIR (any subset of the seven)",
    "tmdb": "TMDB movie details (a JSON file, a directory of them, JSON Lines) or daily ID exports",
    "movielens": "MovieLens CSVs in DIR (movies, ratings, links, tags)",
}


class Command(BaseCommand):
    # Django's system checks (URLs, templates, admin) have no bearing on an import and took
    # half a second of every run; the database is checked by using it.
    requires_system_checks: list[str] = []
    help = (
        "Import catalog data. Safe to interrupt and to repeat: a rerun resumes where the last "
        "run stopped, and importing the same file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Accepted as before, for scripts that pass it; there is nothing left to skip.
        parser.add_argument("--skip-checks", action="store_true", help=argparse.SUPPRESS)
        sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        for name, description in SOURCES.items():
            sub = sources.add_parser(name, help=description, description=description)
            sub.add_argument("path", type=Path, metavar="PATH")
            sub.add_argument("--quiet", action="store_true", help="No progress output")
            sub.add_argument(
                "--no-search-index",
                action="store_true",
                help="Leave the search index as it is (run `reelhouse search rebuild` later)",
            )
            importlib.import_module(f"reelhouse.importers.{name}").add_arguments(sub)

    def handle(
        self, *args: Any, source: str, path: Path, no_search_index: bool, **options: Any
    ) -> None:
        module = importlib.import_module(f"reelhouse.importers.{source}")
        try:
            with job_lock("import"):
                # A bulk load killed before it rebuilt what it set aside: rebuild that first.
                if not connection.in_atomic_block and (built := set_aside_restore()):
                    self.stdout.write(
                        f"Built again what a killed import had set aside: {', '.join(built)}"
                    )
                results = module.run(path, **options)
        except ImportFileError as error:
            raise CommandError(
                f"{error}\nNothing after the last committed batch was written; the database is "
                "consistent. Fix the file and run the same command again to continue."
            ) from error
        except KeyboardInterrupt:
            self.stderr.write(
                "Interrupted. Every batch committed so far is kept; run the same command again "
                "to resume."
            )
            sys.exit(130)
        for name, stats in results:
            self.stdout.write(f"{name}: {stats.summary()}")
        if not no_search_index and any(stats.written for _, stats in results):
            # Bulk writes send no signals: bring the search index and discover up to date.
            try:
                search_rebuild(quiet=options["quiet"])
            except JobBusyError as error:
                raise CommandError(
                    f"The import is done, but the search index was not rebuilt: another "
                    f"{error.job} job is running on this database ({error.holder}). Once it has "
                    "finished, run `reelhouse search rebuild`."
                ) from error

"""`reelhouse recs build|evaluate`: thin wrappers over recs.services."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reelhouse.recs.docs import benchmarks_section_write
from reelhouse.recs.services import BATCH_TITLES, NoRatingsError, recs_build, recs_evaluate


class Command(BaseCommand):
    help = "Recommendations: build every title's rails, or evaluate the models offline."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser(
            "build", help="Compute the rails of every title into the recs tables"
        )
        build.add_argument("--full", action="store_true", help="Recompute every rail")
        build.add_argument(
            "--kind", choices=["similar", "also_liked"], action="append", help="Only this rail"
        )
        build.add_argument("--batch-size", type=int, default=BATCH_TITLES)
        evaluate = sub.add_parser("evaluate", help="Offline evaluation on the MovieLens ratings")
        evaluate.add_argument("--seed", type=int, default=42)
        evaluate.add_argument("--quick", action="store_true", help="One setting per model")
        evaluate.add_argument(
            "--write-docs", action="store_true", help="Write the table into docs/BENCHMARKS.md"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "build":
            self._build(**options)
        else:
            self._evaluate(**options)

    def _build(self, *, full: bool, kind: list[str] | None, batch_size: int, **_: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        report = recs_build(
            full=full,
            kinds=kind or ("similar", "also_liked"),
            batch_size=batch_size,
            stream=sys.stderr,
        )
        self.stdout.write(report.summary())

    def _evaluate(self, *, seed: int, quick: bool, write_docs: bool, **_: Any) -> None:
        started = time.monotonic()
        try:
            report = recs_evaluate(seed=seed, quick=quick, log=self.stderr.write)
        except NoRatingsError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        self.stdout.write(report.table)
        self.stdout.write(f"Winner: {report.winner.label} ({seconds:.0f} s in all)")
        if write_docs:
            command = " ".join(["reelhouse", "recs", "evaluate", *sys.argv[3:]])
            cpu = platform.processor() or platform.machine()
            machine = (
                f"nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}, "
                f"{timezone.now():%Y-%m-%d %H:%M} UTC, {seconds:.0f} s"
            )
            path = Path(settings.BASE_DIR) / "docs" / "BENCHMARKS.md"
            benchmarks_section_write(
                path, "evaluation", report.table, command=command, machine=machine
            )
            self.stdout.write(f"Wrote the table into {path}.")

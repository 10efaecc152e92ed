# Seeded, not secret: the standard generator is the point here.
# ruff: noqa: S311
"""Search benchmark: synthetic titles into a fresh database, then index build, query, suggestion
and discover timings, and typo recall.

    DATABASE_URL=sqlite:////tmp/h_search_bench.sqlite3 \
        .venv/bin/python bench/search_bench.py 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_search_bench \
        .venv/bin/python bench/search_bench.py 1000000

Times are server-side (the engine call in-process, no HTTP), p50/p95 over 200 queries each.
The machine line (cores, load average, versions) is printed first and last: the machine is
shared. Story search has its own benchmark, bench/search_story_bench.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from reelhouse.catalog.models import Title  # noqa: E402
from reelhouse.importers.bulk import rows_insert  # noqa: E402
from reelhouse.search.discover import discover_filters_parse, discover_page  # noqa: E402
from reelhouse.search.engine import search, suggest  # noqa: E402
from reelhouse.search.services import search_rebuild  # noqa: E402

SYLLABLES = (
    "ka lo mi ra ne to su vi da re shi mo lu ta ni po be ga fe zo ri an el or us in ar".split()  # noqa: SIM905
)


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def titles_make(count: int, rng: random.Random) -> list[tuple[object, ...]]:
    words = vocabulary(rng)
    cumulative = list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(len(words))))
    rows: list[tuple[object, ...]] = []
    now = dt.datetime.now(dt.UTC)
    for n in range(count):
        name = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(1, 4))).title()
        votes = int(rng.paretovariate(0.9) * 5) if rng.random() < 0.6 else None
        rows.append(
            (
                "movie",
                "",
                name,
                name,
                f"t{n}",
                "",
                rng.randint(1900, 2025),
                None,
                min(votes, 3_000_000) if votes else None,
                rng.random() * 100,
                round(rng.uniform(1, 10), 1) if votes else None,
                rng.randint(60, 180),
                "{}",
                False,
                "",
                "",
                "",
                "",
                "",
                "",
                now,
                now,
            )
        )
    return rows


COLUMNS = [
    "kind",
    "format",
    "title",
    "original_title",
    "slug",
    "match_key",
    "year",
    "release_date",
    "rating_votes",
    "popularity",
    "rating",
    "runtime",
    "field_sources",
    "is_adult",
    "synopsis",
    "tagline",
    "original_language",
    "poster_url",
    "backdrop_url",
    "rating_source",
    "created_at",
    "updated_at",
]


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    op = rng.choice("sdit")
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if op == "s":
        return word[:i] + letter + word[i + 1 :]
    if op == "d":
        return word[:i] + word[i + 1 :]
    if op == "i":
        return word[:i] + letter + word[i:]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def timed(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    times = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def machine() -> str:
    """The machine line of the figures: cores, load (the machine is shared), versions."""
    import platform
    import sqlite3

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    server = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = f", PostgreSQL {cursor.fetchone()[0]}"
    return (
        f"{os.cpu_count()} cores, load average {load}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}{server}"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"[{connection.vendor}] machine: {machine()}")
    rng = random.Random(4)
    call_command("migrate", verbosity=0)
    if Title.objects.count() != count:
        Title.objects.all().delete()
        start = time.perf_counter()
        rows = titles_make(count, rng)
        with transaction.atomic():
            for i in range(0, len(rows), 50_000):
                rows_insert(Title, COLUMNS, rows[i : i + 50_000])
        print(f"inserted {count:,} titles in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    search_rebuild(restart=True, quiet=True)
    print(
        f"[{connection.vendor}] index build ({count:,} titles, discover included): "
        f"{time.perf_counter() - start:.1f} s"
    )

    # The same sample on both databases: seeded ids between the first and the last title.
    first = Title.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    last = Title.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    ids = rng.sample(range(first, last + 1), min(2000, last - first + 1))
    sample = list(Title.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "title"))
    rng.shuffle(sample)
    targets = [(pk, t) for pk, t in sample if any(len(w) >= 5 for w in t.split())][:200]
    exact_q = [t.lower() for _, t in targets]
    prefix_q = [t.lower()[: max(3, len(t) * 2 // 3)] for _, t in targets]
    typo_q = []
    for _, t in targets:
        words = t.lower().split()
        i = max(range(len(words)), key=lambda j: len(words[j]))
        words[i] = typo(words[i], rng)
        typo_q.append(" ".join(words))

    for label, queries in (
        ("query (full title)", exact_q),
        ("query (prefix)", prefix_q),
        ("query (one typo)", typo_q),
    ):
        p50, p95 = timed(lambda q: search(q, limit=20), queries)
        print(f"[{connection.vendor}] {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    p50, p95 = timed(lambda q: suggest(q), prefix_q)
    print(f"[{connection.vendor}] suggestion (prefix): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    p50, p95 = timed(lambda q: suggest(q), typo_q)
    print(f"[{connection.vendor}] suggestion (typo): p50 {p50:.1f} ms, p95 {p95:.1f} ms")

    found = 0
    for (pk, _), q in zip(targets, typo_q, strict=True):
        found += pk in [r["id"] for r in search(q, limit=10)["results"]]
    print(f"[{connection.vendor}] typo recall: {found}/{len(targets)} in the top 10")

    combos = []
    for _ in range(200):
        params = {}
        if rng.random() < 0.5:
            params["decade"] = f"{rng.randrange(190, 203)}0s"
        if rng.random() < 0.3:
            params["runtime_min"], params["runtime_max"] = "90", str(rng.randint(95, 180))
        if rng.random() < 0.3:
            params["rating_min"] = str(rng.randint(5, 9))
        params["sort"] = rng.choice(["popularity", "rating", "release"])
        params["page"] = str(rng.randint(1, 50))
        combos.append(params)
    times = []
    for params in combos:
        start = time.perf_counter()
        discover_page(discover_filters_parse(params))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(
        f"[{connection.vendor}] discover page: "
        f"p50 {statistics.median(times):.1f} ms, p95 {times[189]:.1f} ms"
    )
    print(f"[{connection.vendor}] machine at the end: {machine()}")


if __name__ == "__main__":
    main()

# Seeded, not secret: the standard generator is the point here.
# ruff: noqa: S311
"""Search benchmark: synthetic titles into a database of its own, then index build, query,
suggestion and discover timings, and typo recall.

    DATABASE_URL=sqlite:////tmp/h_search_bench.sqlite3 \
        .venv/bin/python bench/search_bench.py 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_search \
        .venv/bin/python bench/search_bench.py 1000000

A run whose size differs from the titles already there replaces them (on PostgreSQL with
TRUNCATE … CASCADE): use a SQLite file per size. Times are server-side (the engine call
in-process, no HTTP), p50/p95 over 200 queries each; the queries are the same on every run and
both databases (their own seed, drawn once the titles exist). The machine line (cores, load
average, versions) is printed first and last: the machine is shared.

`--keep-index` skips the rebuild when the index already holds the titles (for code changes that
leave the index alone); `--profile` prints, per query class, how the slowest tenth splits between
SQL and Python and the plans of the slowest statements (EXPLAIN ANALYZE on PostgreSQL). Story
search has its own benchmarks: bench/search_story_bench.py (speed) and
bench/search_story_relevance.py (ranking on the demo catalog).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from reelhouse.catalog.models import Title  # noqa: E402
from reelhouse.importers.bulk import rows_insert  # noqa: E402
from reelhouse.search.discover import discover_filters_parse, discover_page  # noqa: E402
from reelhouse.search.engine import backend, search, suggest  # noqa: E402
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


@contextmanager
def statements() -> Iterator[list[tuple[str, Any, float]]]:
    """Every statement run inside, with its parameters and milliseconds."""
    seen: list[tuple[str, Any, float]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append((sql, params, (time.perf_counter() - start) * 1000))

    with connection.execute_wrapper(record):
        yield seen


def profile(label: str, fn: Callable[[str], object], queries: list[str], top: int = 3) -> None:
    """Where a class's time goes: SQL against Python, and the plans of its slowest statements."""
    per_query: list[tuple[float, float, int, str]] = []
    slowest: list[tuple[float, str, Any, str]] = []
    for q in queries:
        with statements() as seen:
            start = time.perf_counter()
            fn(q)
            total = (time.perf_counter() - start) * 1000
        sql_ms = sum(ms for _, _, ms in seen)
        per_query.append((total, sql_ms, len(seen), q))
        slowest.extend((ms, sql, params, q) for sql, params, ms in seen)
    per_query.sort()
    tail = per_query[int(len(per_query) * 0.9) :]
    print(f"\n== {label}: the slowest 10% of queries ({len(tail)})")
    for total, sql_ms, n, q in tail[-5:]:
        print(f"  {total:6.1f} ms ({sql_ms:5.1f} in {n} statements): {q!r}")
    mean = statistics.mean
    print(
        f"  tail mean {mean(t for t, _, _, _ in tail):.1f} ms, SQL "
        f"{mean(s for _, s, _, _ in tail):.1f} ms, statements {mean(n for _, _, n, _ in tail):.1f}"
    )
    slowest.sort(key=lambda item: -item[0])
    shown: set[str] = set()
    for ms, sql, params, q in slowest:
        # One plan per statement shape (the SQL text, parameters aside).
        if sql in shown or len(shown) >= top:
            continue
        shown.add(sql)
        print(f"\n  {ms:.1f} ms, for {q!r}:\n    {sql}\n    {params}")
        postgres = connection.vendor == "postgresql"
        explain = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
        with connection.cursor() as cursor:
            cursor.execute(f"{explain} {sql}", params)
            for row in cursor.fetchall():
                print("      " + " | ".join(str(v) for v in row))


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000, help="synthetic titles")
    parser.add_argument(
        "--keep-index", action="store_true", help="no rebuild when the index holds the titles"
    )
    parser.add_argument(
        "--profile", action="store_true", help="SQL vs Python per class, slowest plans"
    )
    args = parser.parse_args()
    count = args.count
    print(f"[{connection.vendor}] machine: {machine()}")
    rng = random.Random(4)
    call_command("migrate", verbosity=0)
    if Title.objects.count() != count:
        if Title.objects.exists() and connection.vendor == "postgresql":
            # The ORM would load and signal a million deletions: the database is the bench's own.
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {Title._meta.db_table} CASCADE")
        else:
            Title.objects.all().delete()
        start = time.perf_counter()
        rows = titles_make(count, rng)
        with transaction.atomic():
            for i in range(0, len(rows), 50_000):
                rows_insert(Title, COLUMNS, rows[i : i + 50_000])
        print(f"inserted {count:,} titles in {time.perf_counter() - start:.1f} s")
    if args.keep_index and backend().count() == count:
        print(f"[{connection.vendor}] index kept ({count:,} documents)")
    else:
        start = time.perf_counter()
        search_rebuild(restart=True, quiet=True)
        print(
            f"[{connection.vendor}] index build ({count:,} titles, discover included): "
            f"{time.perf_counter() - start:.1f} s"
        )
    # The sample has its own seed: the same queries whether or not the titles were just made.
    rng = random.Random(5)

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

    classes: list[tuple[str, Callable[[str], object], list[str]]] = [
        ("query (full title)", lambda q: search(q, limit=20), exact_q),
        ("query (prefix)", lambda q: search(q, limit=20), prefix_q),
        ("query (one typo)", lambda q: search(q, limit=20), typo_q),
        ("suggestion (prefix)", suggest, prefix_q),
        ("suggestion (typo)", suggest, typo_q),
    ]
    for label, fn, queries in classes:
        p50, p95 = timed(fn, queries)
        print(f"[{connection.vendor}] {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    if args.profile:
        for label, fn, queries in classes:
            profile(label, fn, queries)

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

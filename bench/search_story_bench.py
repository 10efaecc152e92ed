# Seeded, not secret: the standard generator is the point here.
# ruff: noqa: S311
"""Story search benchmark: embedding throughput, and story-query time over 60,000 titles.

    OMP_NUM_THREADS=2 DATABASE_URL=sqlite:////tmp/h_search_story.sqlite3 \
        .venv/bin/python bench/search_story_bench.py 60000

Needs the `story` extra. Throughput embeds the showcase's synopses (with taglines and keywords)
again and again, batch 32, with the numpy encoder Reelhouse uses. The query part stores one
vector per synthetic title (random unit vectors: the time does not depend on what they hold),
then times `story_search` (embed the query, one matrix product, top 50) and the whole blended
`search()` for description-like queries, p50/p95 over 200 queries each, every query embedded
afresh (the encoder remembers texts it has embedded; the benchmark makes it forget).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import django

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from search_bench import COLUMNS, machine, titles_make  # noqa: E402

from reelhouse.catalog.models import Title  # noqa: E402
from reelhouse.importers.bulk import rows_insert  # noqa: E402
from reelhouse.search import story  # noqa: E402
from reelhouse.search.engine import search  # noqa: E402
from reelhouse.search.models import BuildCheckpoint, StoryEmbedding  # noqa: E402
from reelhouse.search.services import search_rebuild  # noqa: E402

SHOWCASE = Path(__file__).parent.parent / "reelhouse" / "importers" / "showcase.json"
QUERIES = [
    "the ballerina who can't stop dancing",
    "nuns in a remote convent in the himalayas",
    "a composer jealous of mozart",
    "welder who dreams of being a dancer",
    "boxer refuses to throw the fight",
    "doctor sold into slavery becomes a pirate",
    "bookshop owner falls for a movie star",
    "a lawyer for the mob and his brother",
]


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def throughput() -> None:
    data = json.loads(SHOWCASE.read_text(encoding="utf-8"))
    texts = [
        story.story_text(t["synopsis"], t.get("tagline", ""), t.get("keywords", []))
        for t in data["titles"]
    ]
    texts = (texts * 10)[:200]
    start = time.perf_counter()
    model = story.encoder()
    print(f"model load: {time.perf_counter() - start:.2f} s")
    model.encode(texts[:32])
    # The encoder keeps what it embedded (a repeated query is not run again): forget it, or
    # this times dictionary lookups.
    model._seen.clear()
    start = time.perf_counter()
    model.encode(texts)
    rate = len(texts) / (time.perf_counter() - start)
    tokens = sum(len(model.tokenizer.encode(t).ids) for t in texts) / len(texts)
    print(f"embedding throughput (numpy, batch 32): {rate:.1f} texts/s (mean {tokens:.0f} tokens)")


def query_time(count: int) -> None:
    rng = random.Random(6)
    call_command("migrate", verbosity=0)
    if Title.objects.count() != count:
        Title.objects.all().delete()
        with transaction.atomic():
            rows_insert(Title, COLUMNS, titles_make(count, rng))
        search_rebuild(restart=True, quiet=True)
    if StoryEmbedding.objects.count() != count:
        StoryEmbedding.objects.all().delete()
        vectors = np.random.default_rng(6).standard_normal((count, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = list(Title.objects.order_by("pk").values_list("pk", flat=True))
        with transaction.atomic():
            for offset in range(0, count, 5000):
                StoryEmbedding.objects.bulk_create(
                    StoryEmbedding(title_id=pk, fingerprint="bench", vector=vectors[i].tobytes())
                    for i, pk in enumerate(ids[offset : offset + 5000], start=offset)
                )
            BuildCheckpoint.objects.update_or_create(job=story.EMBED, defaults={"rows": count})
    start = time.perf_counter()
    story.story_index()
    print(
        f"[{connection.vendor}] story index load ({count:,} vectors): "
        f"{time.perf_counter() - start:.2f} s"
    )
    queries = [rng.choice(QUERIES) for _ in range(200)]
    for label, fn in (
        ("story_search (embed the query, dot product, top 50)", story.story_search),
        ("search() blending keywords and stories", lambda q: search(q, limit=20)),
    ):
        times = []
        for q in queries:
            story.encoder()._seen.clear()  # every query a new one: embedded, not remembered
            start = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - start) * 1000)
        p50, p95 = percentiles(times)
        print(
            f"[{connection.vendor}] {label}, {count:,} titles: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )


def main() -> None:
    if not story.story_is_installed():
        sys.exit("Story search is not installed (the `story` extra).")
    print(f"machine: {machine()}")
    throughput()
    query_time(int(sys.argv[1]) if len(sys.argv) > 1 else 60_000)
    print(f"machine at the end: {machine()}")


if __name__ == "__main__":
    main()

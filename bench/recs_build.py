"""Benchmark `reelhouse recs build`: the demo catalog, and synthetic catalogs up to 60,000
titles x 25 million ratings.

    .venv/bin/python bench/recs_build.py demo --var-dir /tmp/recs-demo [--prepare]
    .venv/bin/python bench/recs_build.py synthetic --scales 10000x2000000,30000x10000000,...
    .venv/bin/python bench/recs_build.py quality --var-dir /tmp/recs-demo

demo: on a demo database (`REELHOUSE_VAR_DIR=<dir> reelhouse demo --no-serve`, which builds
the rails once; --prepare runs it), the recs tables are emptied and `reelhouse recs build` runs
as a first build, then `reelhouse recs build --full`; each in its own process, timed, with its
peak memory (max RSS from os.wait4).

synthetic: one process per scale (so each peak RSS is its own). A seeded users x titles matrix
of positives (popularity-skewed titles, users with a favourite genre and a long-tailed number
of ratings) goes through the build's own "also liked" path: `RailMaker` (the switch by
catalog size, the model fit, the learned rails with their co-like counts, the content and
popular fallbacks) and `_kind_build`, whose batches write every rail with its states and
checkpoints into a scratch SQLite database holding the synthetic titles. Not included: reading
the ratings out of the database (`rating_matrix_get`; the matrix is made in memory), and the
"similar" rails (content only, as on the demo catalog).

quality: the dense model and the sparse one the build switches to, on the demo's MovieLens
ratings and the evaluation's protocol.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REELHOUSE = ROOT / ".venv" / "bin" / "reelhouse"
PYTHON = ROOT / ".venv" / "bin" / "python"
GENRES = 20
SEED = 42


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command; its wall seconds, peak RSS in GB (itself and its children) and stdout."""
    started = time.monotonic()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode})")
    return seconds, usage.ru_maxrss / 1024 / 1024, out


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def demo(var_dir: Path, *, prepare: bool) -> None:
    env = {**os.environ, "REELHOUSE_VAR_DIR": str(var_dir)}
    if prepare:
        subprocess.run([str(REELHOUSE), "demo", "--no-serve"], env=env, check=True)
    empty = (
        "from reelhouse.recs.models import RecBuild, RecNeighbour, RecTitleState;"
        "RecNeighbour.objects.all().delete(); RecTitleState.objects.all().delete();"
        "RecBuild.objects.all().delete()"
    )
    subprocess.run([str(REELHOUSE), "shell", "-c", empty], env=env, check=True)
    for label, extra in (("first build", []), ("--full rebuild", ["--full"])):
        before = load()
        seconds, peak, out = run_measured([str(REELHOUSE), "recs", "build", *extra], env)
        print(
            f"demo {label}: {seconds:.1f} s, peak RSS {peak:.2f} GB, "
            f"load before/after {before} / {load()}"
        )
        print("  " + out.strip().replace("\n", "\n  "))


def synthetic(scales: list[tuple[int, int]], users: int | None, model: str) -> None:
    print(
        f"machine: nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}"
    )
    for titles, ratings in scales:
        n_users = users or max(1000, ratings // 125)
        with tempfile.TemporaryDirectory(prefix="recs-bench-") as tmp:
            env = {
                **os.environ,
                "REELHOUSE_VAR_DIR": tmp,
                "DJANGO_SETTINGS_MODULE": "reelhouse.settings",
            }
            env.pop("DATABASE_URL", None)
            subprocess.run([str(REELHOUSE), "migrate", "-v", "0"], env=env, check=True)
            before = load()
            seconds, peak, out = run_measured(
                [str(PYTHON), __file__, "_one", str(titles), str(ratings), str(n_users), model],
                env,
            )
            result = json.loads(out.strip().splitlines()[-1])
            print(
                f"{titles:,} titles x {ratings:,} ratings ({n_users:,} users): "
                f"{seconds:.0f} s in all, peak RSS {peak:.2f} GB, load before/after "
                f"{before} / {load()}; " + json.dumps(result)
            )
            shutil.rmtree(tmp, ignore_errors=True)


def ratings_make(titles: int, ratings: int, users: int, *, seed: int = SEED) -> Any:
    """A users x titles CSR of positives: titles' popularity is Zipf-like, users' activity
    log-normal, and each user draws 70% of their titles from a favourite genre."""
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    genre = rng.integers(0, GENRES, titles)
    popularity = 1.0 / np.power(np.arange(titles) + 10.0, 0.9)
    popularity = popularity[rng.permutation(titles)]
    everyone = popularity / popularity.sum()
    members = [np.flatnonzero(genre == g) for g in range(GENRES)]
    within = [popularity[m] / popularity[m].sum() for m in members]
    activity = rng.lognormal(0.0, 1.0, users)
    activity /= activity.sum()
    favourite = rng.integers(0, GENRES, users)
    # Repeated draws of a title by one user count once: draw again until there are enough.
    keys = np.zeros(0, np.int64)
    for _ in range(20):
        missing = ratings - len(keys)
        if missing <= 0:
            break
        n = int(missing * 1.2) + 1000
        rows = rng.choice(users, size=n, p=activity)
        from_genre = rng.random(n) < 0.7
        cols = np.empty(n, np.int64)
        cols[~from_genre] = rng.choice(titles, size=int((~from_genre).sum()), p=everyone)
        for g in range(GENRES):
            want = from_genre & (favourite[rows] == g)
            cols[want] = members[g][rng.choice(len(members[g]), size=int(want.sum()), p=within[g])]
        keys = np.unique(np.concatenate([keys, rows * titles + cols]))
    if len(keys) > ratings:
        keys = np.sort(rng.choice(keys, size=ratings, replace=False))
    matrix = sp.csr_matrix(
        (np.ones(len(keys), np.float32), (keys // titles, keys % titles)), shape=(users, titles)
    )
    return matrix, genre


def one(titles: int, ratings: int, users: int, model: str) -> None:
    """In a fresh process with a migrated scratch database: make the titles and ratings,
    then compute and write every "also liked" rail as `recs_build` does."""
    import django

    django.setup()
    import numpy as np
    from django.utils import timezone

    from reelhouse.catalog.models import Title
    from reelhouse.recs import services
    from reelhouse.recs.content import TitleFacts
    from reelhouse.recs.selectors import RatingMatrix

    timings: dict[str, Any] = {}
    t0 = time.monotonic()
    matrix, genre = ratings_make(titles, ratings, users)
    timings["ratings"] = int(matrix.nnz)
    timings["generate_s"] = round(time.monotonic() - t0, 1)

    t0 = time.monotonic()
    rng = np.random.default_rng(SEED + 1)
    years = rng.integers(1920, 2025, titles)
    Title.objects.bulk_create(
        (Title(title=f"Film {i}", slug=f"film-{i}", year=int(years[i])) for i in range(titles)),
        batch_size=5000,
    )
    ids = list(Title.objects.order_by("pk").values_list("pk", flat=True))
    names = [f"Genre {g}" for g in range(GENRES)]
    facts = [
        TitleFacts(id=t, title=f"Film {i}", year=int(years[i]), genres=[names[genre[i]]])
        for i, t in enumerate(ids)
    ]
    rating_matrix = RatingMatrix(
        matrix=matrix,
        title_ids=np.asarray(ids, np.int64),
        user_keys=[],
        digests={t: (t * 2654435761) % (1 << 62) for t in ids},
    )
    timings["titles_s"] = round(time.monotonic() - t0, 1)

    t0 = time.monotonic()
    choice = (model, {}) if model else services.DEFAULT_CHOICE
    maker = services.RailMaker(facts, rating_matrix, choice)
    maker.model  # noqa: B018 - fit now, to time it apart
    timings["fit_s"] = round(time.monotonic() - t0, 1)
    timings["model"] = maker.model_name
    t0 = time.monotonic()
    rows = np.arange(len(facts), dtype=np.int64)
    maker._also_liked_all = maker._also_liked(rows)
    timings["rails_s"] = round(time.monotonic() - t0, 1)
    learned = maker._also_liked_all.models == services.LEARNED
    timings["learned_entries"] = int(learned.sum())

    t0 = time.monotonic()
    report = services._kind_build(
        kind="also_liked",
        fingerprint="bench",
        full=True,
        maker=maker,
        compute=maker.also_liked,
        states={},
        batch_size=services.BATCH_TITLES,
        stream=None,
        quiet=True,
    )
    services._index_ensure()
    from reelhouse.recs.models import RecNeighbour

    timings["write_s"] = round(time.monotonic() - t0, 1)
    timings["rows_written"] = RecNeighbour.objects.count()
    timings["rails_written"] = report.written
    timings["at"] = f"{timezone.now():%Y-%m-%d %H:%M} UTC"
    print(json.dumps(timings))


def quality(var_dir: Path) -> None:
    """The models the build may switch between, on the demo's MovieLens ratings and the
    evaluation's protocol (`reelhouse recs evaluate`), to choose the large-catalog model."""
    os.environ["REELHOUSE_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
    import django

    django.setup()
    from reelhouse.recs.evaluation import Candidate, protocol_run
    from reelhouse.recs.selectors import rating_matrix_get
    from reelhouse.recs.services import results_table

    x = rating_matrix_get(source="movielens").matrix
    candidates = [
        Candidate("ease", "EASE (dense; the build below the switch)", [{"lam": 200.0}]),
        Candidate(
            "rp3_sparse",
            "RP3β (sparse; the build above the switch)",
            [
                {"alpha": a, "beta": b, "neighbours": 100}
                for a in (0.8, 1.0)
                for b in (0.3, 0.5, 0.7)
            ],
        ),
        Candidate("knn", "item-kNN (cosine, dense)", [{"neighbours": 100, "shrink": 10.0}]),
    ]
    results = protocol_run(x, seed=SEED, candidates=candidates, log=print)
    print(results_table(results, users=x.shape[0], items=x.shape[1], positives=int(x.nnz)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    d = sub.add_parser("demo")
    d.add_argument("--var-dir", type=Path, required=True)
    d.add_argument("--prepare", action="store_true")
    q = sub.add_parser("quality")
    q.add_argument("--var-dir", type=Path, required=True)
    s = sub.add_parser("synthetic")
    s.add_argument("--scales", default="10000x2000000,30000x10000000,60000x25000000")
    s.add_argument("--users", type=int, default=None, help="Default: ratings / 125")
    s.add_argument(
        "--model", default="", help="Fit this kind (e.g. rp3_sparse) instead of the default"
    )
    o = sub.add_parser("_one")
    o.add_argument("titles", type=int)
    o.add_argument("ratings", type=int)
    o.add_argument("users", type=int)
    o.add_argument("model", nargs="?", default="")
    args = parser.parse_args()
    if args.action == "demo":
        demo(args.var_dir, prepare=args.prepare)
    elif args.action == "quality":
        quality(args.var_dir)
    elif args.action == "synthetic":
        scales = [tuple(int(n) for n in s.split("x")) for s in args.scales.split(",")]
        synthetic([(t, r) for t, r in scales], args.users, args.model)
    else:
        sys.path.insert(0, str(ROOT))
        one(args.titles, args.ratings, args.users, args.model)


if __name__ == "__main__":
    main()

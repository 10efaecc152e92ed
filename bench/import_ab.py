"""Time `reelhouse import imdb` with an earlier commit's code and with this checkout's, alternately.

    .venv/bin/python bench/import_ab.py --before REV --data DIR [--first DIR]
        [--databases postgres,sqlite] [--rounds 4] [--episodes]

Each run imports DIR into a freshly migrated database (PostgreSQL's `reelhouse_bench`, or a
SQLite file in a temporary directory), in a subprocess timed from start to exit. With --first,
that directory is imported first, untimed (title.basics before title.episode, say). The earlier
code runs from a `git worktree` of REV, with this checkout's virtualenv; the order of the two
alternates from round to round, so that a machine whose speed wanders favours neither. A
5-million-step Python loop is timed after each run, to show that wander.

Files come from bench/imdb_synthetic.py, e.g.
    .venv/bin/python bench/imdb_synthetic.py /tmp/basics --titles 1000000 --only title.basics
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def _environment(kind: str, tree: Path, scratch: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env["REELHOUSE_VAR_DIR"] = scratch
    if kind == "postgres":
        import psycopg

        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS reelhouse_bench")
            conn.execute("CREATE DATABASE reelhouse_bench")
        env["DATABASE_URL"] = f"{PG_SERVER.rsplit('/', 1)[0]}/reelhouse_bench"
    subprocess.run([PYTHON, "-m", "reelhouse", "migrate", "-v0"], cwd=tree, env=env, check=True)
    return env


def _import(tree: Path, env: dict[str, str], directory: Path, extra: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(
        [
            PYTHON,
            "-m",
            "reelhouse",
            "import",
            "imdb",
            str(directory),
            "--quiet",
            "--no-search-index",
            *extra,
        ],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def _loop() -> float:
    started, total = time.perf_counter(), 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="the earlier commit")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--first", type=Path)
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--episodes", action="store_true")
    args = parser.parse_args()
    extra = ["--episodes"] if args.episodes else []
    with tempfile.TemporaryDirectory(prefix="reelhouse-ab-") as worktrees:
        before = Path(worktrees) / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(before), args.before],
            check=True,
        )
        trees = [("before", before), ("after", ROOT)]
        seconds: dict[tuple[str, str], list[float]] = {}
        try:
            for number in range(args.rounds):
                for kind in args.databases.split(","):
                    for name, tree in trees if number % 2 == 0 else trees[::-1]:
                        with tempfile.TemporaryDirectory() as scratch:
                            env = _environment(kind, tree, scratch)
                            if args.first:
                                _import(tree, env, args.first, extra)
                            took = _import(tree, env, args.data, extra)
                        seconds.setdefault((kind, name), []).append(took)
                        print(
                            f"round {number + 1} {kind} {name}: {took:.2f} s "
                            f"(loop {_loop():.2f} s)",
                            flush=True,
                        )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], check=False
            )
    print(f"\n{' '.join(sys.argv[1:])}: min / median of {args.rounds}\n")
    print("| database | before | after |\n|---|---:|---:|")
    for kind in args.databases.split(","):
        cells = [seconds[(kind, name)] for name in ("before", "after")]
        print(
            f"| {kind} | "
            + " | ".join(f"{min(c):.2f} / {statistics.median(c):.2f} s" for c in cells)
            + " |"
        )


if __name__ == "__main__":
    main()

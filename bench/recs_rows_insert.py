"""What SQLite's foreign-key checks cost the rails' inserts: one kind's rails of a demo database
inserted into empty copies of `recs_recneighbour`, with the checks on and off, alternately.

    .venv/bin/python bench/recs_rows_insert.py --var-dir /tmp/recs-demo [--rounds 2]

The database is one `REELHOUSE_VAR_DIR=<dir> reelhouse demo --no-serve` made (it builds the
rails); it is copied first and only the copy is written. The rows go in as the build writes
them: many rows a statement, one transaction, a 256 MB page cache; the copies of the table keep
its unique constraints, and have no `rec_neighbour_of` (the build sets it aside too). Every
column but the id is copied, whichever schema the database has: a database made by an earlier
commit measures that commit's rows.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

VARIABLES = 999  # bulk.SQLITE_MAX_VARIABLES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--kind", default="similar")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "copy.sqlite3"
        source = sqlite3.connect(args.var_dir / "reelhouse.sqlite3")
        target = sqlite3.connect(path)
        source.backup(target)
        source.close()
        target.close()
        run(path, args.kind, args.rounds)


def run(path: Path, kind: str, rounds: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    names = [r[1] for r in db.execute("PRAGMA table_info(recs_recneighbour)") if r[1] != "id"]
    columns = ", ".join(names)
    rows = db.execute(
        f"SELECT {columns} FROM recs_recneighbour WHERE kind = ? ORDER BY id",  # noqa: S608
        [kind],
    ).fetchall()
    if not rows:
        raise SystemExit(f"no {kind} rails in {path}: run `reelhouse demo --no-serve` first")
    table = db.execute("SELECT sql FROM sqlite_master WHERE name = 'recs_recneighbour'").fetchone()[
        0
    ]
    db.execute("PRAGMA cache_size = -262144")
    per = VARIABLES // len(names)
    marks = f"({', '.join('?' * len(names))})"
    statement = f"INSERT INTO copy ({columns}) VALUES " + ", ".join([marks] * per)  # noqa: S608
    one = f"INSERT INTO copy ({columns}) VALUES {marks}"  # noqa: S608
    print(
        f"{len(rows):,} {kind} rows of {len(names)} columns; "
        f"machine: nproc {os.cpu_count()}, {time.strftime('%F %T')}"
    )
    for _ in range(rounds):
        for checked in (True, False):
            db.execute("DROP TABLE IF EXISTS copy")
            db.execute(table.replace('"recs_recneighbour"', "copy", 1))
            db.execute(f"PRAGMA foreign_keys = {'ON' if checked else 'OFF'}")
            started = time.perf_counter()
            db.execute("BEGIN")
            whole = len(rows) - len(rows) % per
            for i in range(0, whole, per):
                db.execute(statement, [v for row in rows[i : i + per] for v in row])
            db.executemany(one, rows[whole:])
            db.execute("COMMIT")
            seconds = time.perf_counter() - started
            label = "foreign keys checked" if checked else "foreign keys unchecked"
            print(f"{label}: {seconds:.2f} s")
    db.close()


if __name__ == "__main__":
    main()

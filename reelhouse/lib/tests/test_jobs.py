from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from reelhouse.importers.tests.imdb_fixtures import imdb_files_write
from reelhouse.lib.jobs import JobBusyError, file_lock, job_lock, lock_path
from reelhouse.recs.models import RecBuild


def test_a_lock_file_held_is_refused_with_its_holder_and_free_once_let_go(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "reelhouse.sqlite3", "recs build")
    assert path == tmp_path / "reelhouse.sqlite3-recs-build.lock"
    # A second opening of the file is a second holder, as another process would be.
    with (
        file_lock(path, "recs build"),
        pytest.raises(JobBusyError, match=f"process {os.getpid()}, since "),
        file_lock(path, "recs build"),
    ):
        pass
    with file_lock(path, "recs build"):
        pass


def test_a_second_import_on_a_sqlite_file_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    database = tmp_path / "reelhouse.sqlite3"
    env = {
        **os.environ,
        "REELHOUSE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{database}",
    }

    def reelhouse(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own command, arguments from the test
            [sys.executable, "-m", "reelhouse", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    assert reelhouse("migrate", "-v0").returncode == 0
    directory = imdb_files_write(tmp_path / "imdb", names=["title.basics"])
    command = ("import", "--skip-checks", "imdb", str(directory), "--quiet")
    with file_lock(lock_path(database, "import"), "import"):
        refused = reelhouse(*command)
    assert refused.returncode == 1
    assert "Another import job is running on this database (process" in refused.stderr
    assert "Traceback" not in refused.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM catalog_title").fetchone() == (0,)
    assert reelhouse(*command).returncode == 0  # let go: it runs


@contextmanager
def _held_elsewhere(job: str) -> Iterator[None]:
    """`job_lock(job)` held by another thread, on its own connection, for the block."""
    taken, done = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def hold() -> None:
        try:
            with job_lock(job):
                taken.set()
                done.wait()
        except BaseException as error:
            failed.append(error)
            taken.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(timeout=30)
    try:
        assert not failed
        yield
    finally:
        done.set()
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_a_second_recs_build_on_postgresql_is_refused_and_names_the_session() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's advisory locks (SQLite's lock files: the tests above)")
    with _held_elsewhere("recs build"):
        with pytest.raises(
            CommandError, match=r"Another recs build job .*\(PostgreSQL session \d+ from "
        ):
            call_command("recs", "build", stdout=StringIO(), stderr=StringIO())
        assert not RecBuild.objects.exists()
        with job_lock("search rebuild"):  # another job's lock is free
            pass
    # Let go, it runs; and a caller that holds the lock already may call it (reentrant).
    with job_lock("recs build"):
        call_command("recs", "build", stdout=StringIO(), stderr=StringIO())
    assert RecBuild.objects.exists()

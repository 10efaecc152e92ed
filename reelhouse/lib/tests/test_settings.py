from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse.settings import BASE_DIR, database_from_url


def test_the_default_database_is_sqlite_in_wal_mode_under_var(tmp_path: Path) -> None:
    db = database_from_url("", var_dir=tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "reelhouse.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_a_postgres_url_selects_postgresql(tmp_path: Path) -> None:
    db = database_from_url(
        "postgres://ann:p%40ss@db.example:5433/reel?sslmode=require", var_dir=tmp_path
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "reel",
        "ann",
        "p@ss",
        "db.example",
        "5433",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}
    assert db["CONN_HEALTH_CHECKS"] is True


def test_sqlite_urls_may_be_relative_or_absolute(tmp_path: Path) -> None:
    assert database_from_url("sqlite:///var/x.db", var_dir=tmp_path)["NAME"] == str(
        BASE_DIR / "var/x.db"
    )
    absolute = tmp_path / "y.db"
    assert database_from_url(f"sqlite:///{absolute}", var_dir=tmp_path)["NAME"] == str(absolute)


def test_an_unknown_scheme_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported scheme 'mysql'"):
        database_from_url("mysql://x/y", var_dir=tmp_path)

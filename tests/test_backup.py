"""Backup and restore: a round trip through `flask backup` and `flask restore` gives back every
row of every table; bad input is refused with a clear message and changes nothing; on
PostgreSQL the commands explain pg_dump and pg_restore."""

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy as sa
from live import ROOT, flask

pytestmark = pytest.mark.database_free


def cli(env: dict, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "arena", *command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def every_row(url: str) -> dict[str, list]:
    """Every table's rows, in a stable order."""
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    try:
        with engine.connect() as connection:
            return {
                name: sorted(map(tuple, connection.execute(table.select())), key=repr)
                for name, table in meta.tables.items()
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """A migrated SQLite database with the demo data, made once (by the commands) for the
    module's tests, which each work on a copy."""
    path = tmp_path_factory.mktemp("demo") / "arena.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    return path


def demo_database(tmp_path, demo_file) -> tuple[str, dict]:
    """A copy of the demo database, and the environment that points at it."""
    shutil.copy(demo_file, tmp_path / "arena.sqlite3")
    url = f"sqlite:///{tmp_path / 'arena.sqlite3'}"
    return url, {**os.environ, "DATABASE_URL": url}


def test_backup_and_restore_give_back_every_row(tmp_path, demo_file):
    url, env = demo_database(tmp_path, demo_file)
    before = every_row(url)
    assert all(before[t] for t in ("members", "initiatives", "arenas", "meetings", "signatures"))

    backup = tmp_path / "arena-backup.sqlite3"
    assert "Backed up the database" in flask(env, "backup", str(backup))
    refused = cli(env, "backup", str(backup))
    assert refused.returncode == 1 and "exists already" in refused.stderr

    live = sqlite3.connect(tmp_path / "arena.sqlite3")
    with live:  # commits
        live.execute("DELETE FROM meeting_exceptions")
        live.execute("DELETE FROM meetings")
        live.execute("UPDATE members SET name = 'Endret'")
    live.close()
    assert every_row(url) != before

    asked = cli(env, "restore", str(backup))
    assert asked.returncode == 1 and "--yes" in asked.stderr
    assert "Restored" in flask(env, "restore", str(backup), "--yes")
    assert every_row(url) == before


def test_restore_refuses_what_is_not_a_backup(tmp_path, demo_file):
    url, env = demo_database(tmp_path, demo_file)
    before = every_row(url)
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("ikke en database")
    other_database = tmp_path / "other.sqlite3"
    sqlite3.connect(other_database).execute("CREATE TABLE t (x)").connection.close()
    for path, reason in [
        (not_a_database, "not a SQLite database"),
        (other_database, "no migration revision"),
        (tmp_path / "missing.sqlite3", "does not exist"),
    ]:
        result = cli(env, "restore", str(path), "--yes")
        assert result.returncode == 1 and reason in result.stderr, result.stderr
    assert every_row(url) == before


def test_postgresql_is_pointed_to_pg_dump_and_pg_restore(tmp_path):
    # The commands decide by the URL, before connecting: no server is needed to check the advice.
    env = {**os.environ, "DATABASE_URL": "postgresql+psycopg://arena@127.0.0.1:9/arena"}
    made = cli(env, "backup", str(tmp_path / "arena.dump"))
    assert made.returncode == 1 and "pg_dump" in made.stderr
    assert not (tmp_path / "arena.dump").exists()
    restored = cli(env, "restore", str(tmp_path / "arena.dump"), "--yes")
    assert restored.returncode == 1 and "pg_restore" in restored.stderr

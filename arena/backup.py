"""Backup and restore of the embedded SQLite database through SQLite's online backup API (a
consistent copy while the app keeps serving). PostgreSQL has its own tools: pg_dump and
pg_restore."""

import sqlite3
from pathlib import Path

import sqlalchemy as sa

POSTGRES_ADVICE = (
    "This database is PostgreSQL: back it up and restore it with its own tools, for example\n"
    "  pg_dump --format=custom --file=arena.dump 'postgresql://USER@HOST/DATABASE'\n"
    "and restore it into an empty database with\n"
    "  pg_restore --clean --if-exists --no-owner --dbname='postgresql://USER@HOST/DATABASE' "
    "arena.dump\n"
    "(run them from cron or your backup system; pg_dump is consistent while the app runs)."
)


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why."""


def _sqlite_path(url: str) -> Path:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(POSTGRES_ADVICE)
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("The database is in memory; there is nothing to back up.")
    return Path(parsed.database)


def backup(database_url: str, target: Path) -> int:
    """Copies the live database to `target` (which must not exist); returns its size in bytes."""
    source_path = _sqlite_path(database_url)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name.")
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("The copy failed its integrity check; the database was left as is.")
    finally:
        copy.close()
        source.close()
    partial.rename(target)  # only a complete, checked copy gets the name asked for
    return target.stat().st_size


def revision_of(path: Path) -> str:
    """The migration revision a backup file was made at; refuses anything else."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (integrity check failed).")
            return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        finally:
            connection.close()
    except (sqlite3.OperationalError, TypeError):
        raise BackupError(f"{path} is not an Arena backup (no migration revision).") from None
    except sqlite3.DatabaseError:
        raise BackupError(f"{path} is not an Arena backup (not a SQLite database).") from None


def check_restore(database_url: str, source: Path) -> str:
    """Refuses a restore that cannot be done (PostgreSQL, a missing or foreign file) before
    anything is touched; returns the backup's migration revision."""
    _sqlite_path(database_url)
    return revision_of(source)


def restore(database_url: str, source: Path) -> str:
    """Replaces the live database's content with the backup's; returns the backup's revision."""
    revision = check_restore(database_url, source)
    target_path = _sqlite_path(database_url)
    backup_copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(target_path, timeout=30)
    try:
        backup_copy.backup(live)
    finally:
        live.close()
        backup_copy.close()
    return revision

"""Migrations: an empty database goes up through every migration to head and back down to
nothing, on SQLite and PostgreSQL, and the models match the migrated schema (`flask db check`)."""

import os

import sqlalchemy as sa
from live import flask, server_database

from arena.extensions import db


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_every_migration_goes_up_and_down(tmp_path_factory):
    url = server_database(tmp_path_factory, "migrations")
    env = {**os.environ, "DATABASE_URL": url}
    assert tables(url) == set()

    flask(env, "db", "upgrade")
    model_tables = {table.name for table in db.metadata.sorted_tables}
    assert tables(url) == model_tables | {"alembic_version"}
    assert "No new upgrade operations detected" in flask(env, "db", "check")
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        # The reference data migration: the region's municipalities.
        assert connection.execute(sa.text("SELECT count(*) FROM municipalities")).scalar() > 20
    engine.dispose()

    history = flask(env, "db", "history").strip().splitlines()
    flask(env, "db", "downgrade", "base")
    assert tables(url) <= {"alembic_version"}, "a downgrade left tables behind"

    # And up again, one migration at a time, to the same schema.
    for _ in history:
        flask(env, "db", "upgrade", "+1")
    assert tables(url) == model_tables | {"alembic_version"}
    assert "No new upgrade operations detected" in flask(env, "db", "check")

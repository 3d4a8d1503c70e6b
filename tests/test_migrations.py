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


def test_stored_repetitions_are_rewritten_in_the_strict_form(tmp_path_factory):
    """A rule stored before the strict grammar is kept in its published form; one the grammar
    refuses (a rule set that stalls the server) leaves only the first meeting."""
    url = server_database(tmp_path_factory, "repetitions")
    env = {**os.environ, "DATABASE_URL": url}
    flask(env, "db", "upgrade", "0d1b93c9c3d7")
    engine = sa.create_engine(url)
    start = "2027-03-01 09:00:00"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO arenas (id, slug, name, purpose, kind, cadence, visibility,"
                " review_due_on, archived, created_at, updated_at, calendar_changed_at)"
                " VALUES (1, 'a', 'A', '', 'forum', '', 'public', '2028-01-01', false,"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        for n, rule in enumerate(
            [
                "freq=weekly;byday=mo;count=4",
                "FREQ=DAILY;COUNT=1 RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=1",
                "FREQ=DAILY;BYMINUTE=0,1;COUNT=2",
            ],
            start=1,
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO meetings (id, arena_id, uid, title, description, location,"
                    " online_url, starts_at, tzid, rrule, last_starts_at, status, sequence,"
                    " created_at, updated_at) VALUES (:id, 1, :uid, 'M', '', '', '', :start,"
                    " 'Europe/Oslo', :rule, '2027-03-22 09:00:00', 'confirmed', 0,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"id": n, "uid": f"m{n}@arena", "start": start, "rule": rule},
            )
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, rrule FROM meetings ORDER BY id")).all()
        changed = connection.execute(sa.text("SELECT calendar_changed_at FROM arenas")).scalar()
    engine.dispose()
    assert rows == [(1, "FREQ=WEEKLY;COUNT=4;BYDAY=MO"), (2, ""), (3, "")]
    assert str(changed) > "2026-11"

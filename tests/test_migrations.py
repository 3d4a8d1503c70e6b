"""Migrations: an empty database goes up through every migration to head and back down to
nothing, on SQLite and PostgreSQL, and the models match the migrated schema (`flask db check`)."""

import os
import subprocess
import sys

import sqlalchemy as sa
from live import ROOT, flask, server_database

from arena.extensions import db


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


ONE_AT_A_TIME = """
import flask_migrate
from arena import create_app
with create_app().app_context():
    for step in range(1, {steps} + 1):
        flask_migrate.upgrade(revision="+1")
        print(step)
"""


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

    # And up again, one migration at a time (in one process: an app start each is slow), to
    # the same schema.
    steps = subprocess.run(
        [sys.executable, "-c", ONE_AT_A_TIME.format(steps=len(history))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert steps.split() == [str(n) for n in range(1, len(history) + 1)]
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


def test_existing_members_are_verified_by_the_domains_their_organisation_shares(tmp_path_factory):
    """Before verification anyone could claim an organisation: the upgrade gives each
    organisation the domains its members share, verifies those members (and admins and imported
    members), and leaves the rest for an admin to confirm."""
    url = server_database(tmp_path_factory, "membership")
    env = {**os.environ, "DATABASE_URL": url}
    flask(env, "db", "upgrade", "6904240789ec")
    engine = sa.create_engine(url)
    now = "2026-01-01 00:00:00"
    with engine.begin() as connection:
        for org_id, name in ((1, "Skien kommune"), (2, "Nome kommune"), (3, "Porsgrunn kommune")):
            connection.execute(
                sa.text(
                    "INSERT INTO organisations (id, name, slug, kind, approved, created_at,"
                    " updated_at) VALUES (:id, :name, :slug, 'kommune', true, :now, :now)"
                ),
                {"id": org_id, "name": name, "slug": name.lower().replace(" ", "-"), "now": now},
            )
        people = [
            (1, "kari@skien.kommune.no", 1, "scrypt:x", False),
            (2, "ola@skien.kommune.no", 1, "scrypt:x", False),
            (3, "eve@gmail.com", 1, "scrypt:x", False),  # claims Skien
            (4, "per@gmail.com", 1, "scrypt:x", False),  # a public provider is nobody's domain
            (5, "ensom@nome.kommune.no", 2, "scrypt:x", False),  # one is not a pattern
            (6, "admin@arena.example", 2, "scrypt:x", True),
            (7, "importert@gmail.com", 2, "!", False),
            (8, "x@porsgrunn.kommune.no", 3, "scrypt:x", False),
            (9, "y@porsgrunn.kommune.no", 3, "scrypt:x", False),
            (10, "lurer@porsgrunn.kommune.no", 2, "scrypt:x", False),  # in two: nobody's
        ]
        for member_id, email, org_id, password_hash, is_admin in people:
            connection.execute(
                sa.text(
                    "INSERT INTO members (id, email, name, title, phone, bio, ask_me_about,"
                    " password_hash, organisation_id, is_admin, active, created_at, updated_at,"
                    " profile_reviewed_at) VALUES (:id, :email, :email, '', '', '', '', :hash,"
                    " :org, :admin, true, :now, :now, :now)"
                ),
                {
                    "id": member_id,
                    "email": email,
                    "hash": password_hash,
                    "org": org_id,
                    "admin": is_admin,
                    "now": now,
                },
            )
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        domains = connection.execute(
            sa.text("SELECT organisation_id, domain FROM organisation_domains")
        ).all()
        members = dict(
            connection.execute(sa.text("SELECT id, verified_via FROM members ORDER BY id")).all()
        )
        confirmed = dict(
            connection.execute(
                sa.text("SELECT id, email_confirmed_at IS NOT NULL FROM members ORDER BY id")
            ).all()
        )
    engine.dispose()
    assert domains == [(1, "skien.kommune.no")]
    assert members == {
        1: "migration",
        2: "migration",
        3: None,
        4: None,
        5: None,
        6: "admin",
        7: "admin",
        8: None,
        9: None,
        10: None,
    }
    assert [m for m, yes in confirmed.items() if not yes] == [7]  # imported: not yet


def test_typed_cadences_become_choices(tmp_path_factory):
    url = server_database(tmp_path_factory, "cadence")
    env = {**os.environ, "DATABASE_URL": url}
    flask(env, "db", "upgrade", "47e3c87eb1bd")
    engine = sa.create_engine(url)
    typed = ["Månedlig", "kvar veke", " Fire  ganger i året.", "Når det passer", ""]
    with engine.begin() as connection:
        for n, cadence in enumerate(typed, start=1):
            connection.execute(
                sa.text(
                    "INSERT INTO arenas (id, slug, name, purpose, kind, cadence, visibility,"
                    " review_due_on, archived, created_at, updated_at, calendar_changed_at)"
                    " VALUES (:id, :slug, 'A', '', 'forum', :cadence, 'public', '2028-01-01',"
                    " false, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"id": n, "slug": f"a{n}", "cadence": cadence},
            )
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        codes = (
            connection.execute(sa.text("SELECT cadence FROM arenas ORDER BY id")).scalars().all()
        )
    engine.dispose()
    assert codes == ["monthly", "weekly", "quarterly", "", ""]


def test_every_row_survives_the_migrations(tmp_path_factory):
    """A row in every table before this release's migrations is still there after them (on
    SQLite a table rebuilt by a batch migration must not cascade its drop to the rows pointing
    at it)."""
    from datetime import date, datetime

    url = server_database(tmp_path_factory, "survival")
    env = {**os.environ, "DATABASE_URL": url}
    flask(env, "db", "upgrade", "ca7ed719745e")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    filled = {}
    with engine.begin() as connection:
        for table in meta.sorted_tables:
            if table.name in ("alembic_version", "municipalities"):
                continue
            row = {}
            for column in table.columns:
                kind = column.type.python_type if hasattr(column.type, "python_type") else str
                if column.foreign_keys or (column.primary_key and kind is int):
                    row[column.name] = 1
                elif column.nullable:
                    continue
                elif kind is bool:
                    row[column.name] = False
                elif kind is int:
                    row[column.name] = 1
                elif kind is datetime:
                    row[column.name] = datetime(2026, 1, 1)
                elif kind is date:
                    row[column.name] = date(2026, 1, 1)
                else:
                    row[column.name] = "x"
            connection.execute(table.insert().values(**row))
            filled[table.name] = 1
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        after = {
            name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()  # noqa: S608
            for name in filled
        }
    engine.dispose()
    assert after == filled


def test_stored_addresses_get_their_domain_in_idna_form(tmp_path_factory):
    """Addresses stored casefolded with æøå in the domain are written as Arena now compares
    them, so their members still sign in; one that would clash stays as it was."""
    url = server_database(tmp_path_factory, "addresses")
    env = {**os.environ, "DATABASE_URL": url}
    flask(env, "db", "upgrade", "266c0f0ed4a8")
    engine = sa.create_engine(url)
    now = "2026-01-01 00:00:00"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO organisations (id, name, slug, kind, approved, sso_required,"
                " created_at, updated_at) VALUES (1, 'Bø', 'bo', 'kommune', true, false,"
                " :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text(
                "INSERT INTO organisation_domains (organisation_id, domain) VALUES (1, 'bø.no')"
            )
        )
        for member_id, email in ((1, "kari@bø.no"), (2, "ola@bø.no"), (3, "ola@xn--b-5ga.no")):
            connection.execute(
                sa.text(
                    "INSERT INTO members (id, email, name, title, phone, bio, ask_me_about,"
                    " password_hash, organisation_id, is_admin, is_organisation_contact, active,"
                    " created_at, updated_at, profile_reviewed_at) VALUES (:id, :email, :email,"
                    " '', '', '', '', 'x', 1, false, false, true, :now, :now, :now)"
                ),
                {"id": member_id, "email": email, "now": now},
            )
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        emails = connection.execute(sa.text("SELECT email FROM members ORDER BY id")).scalars()
        domain = connection.execute(sa.text("SELECT domain FROM organisation_domains")).scalar()
        assert list(emails) == ["kari@xn--b-5ga.no", "ola@bø.no", "ola@xn--b-5ga.no"]
        assert domain == "xn--b-5ga.no"
    engine.dispose()


def test_stored_names_with_line_breaks_are_joined(tmp_path_factory):
    url = server_database(tmp_path_factory, "one-line")
    env = {**os.environ, "DATABASE_URL": url}
    flask(env, "db", "upgrade", "a1d3e5f70b26")
    engine = sa.create_engine(url)
    now = "2026-01-01 00:00:00"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO organisations (id, name, slug, kind, approved, sso_required,"
                " created_at, updated_at) VALUES (1, 'Skien', 'skien', 'kommune', true, false,"
                " :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text(
                "INSERT INTO members (id, email, name, title, phone, bio, ask_me_about,"
                " password_hash, organisation_id, is_admin, is_organisation_contact, active,"
                " created_at, updated_at, profile_reviewed_at) VALUES (1, 'ola@skien.no',"
                " :name, '', '', :bio, '', 'x', 1, false, false, true, :now, :now, :now)"
            ),
            {"name": "Ola\r\n\r\nKontoen din er låst", "bio": "To\nlinjer", "now": now},
        )
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        name, bio = connection.execute(sa.text("SELECT name, bio FROM members")).one()
    engine.dispose()
    assert name == "Ola Kontoen din er låst" and bio == "To\nlinjer"

# ruff: noqa: E501 - generated-data records read best one a line
"""Realistic generated data, straight through the models in bulk, for the benchmarks.

    .venv/bin/python bench/generate.py --scale region|nordic [--database-url URL]

region: 40 organisations, 2,000 members, 500 initiatives, 100 arenas, 2,000 meetings;
nordic: 2,000 organisations, 50,000 members (about 200,000 expertise entries), 20,000 initiatives,
5,000 arenas, 100,000 meetings. The database (default: instance/bench-<scale>.sqlite3, made
afresh) is migrated and given the demo data first; the totals include the demo's.
"""

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PLACES = ["sentrum", "kysten", "fjellet", "bygdene", "regionen", "Grenland", "Vestfold", "Telemark"]
ACTIONS = [
    "Kartlegging av",
    "Pilot for",
    "Strategi for",
    "Samarbeid om",
    "Forprosjekt om",
    "Nettverk for",
    "Kompetanseløft i",
    "Felles plan for",
    "Utredning av",
    "Tiltak for",
]
TOPICS = [
    "klimatilpasning",
    "overvann",
    "hydrogen",
    "reiseliv",
    "digitalisering",
    "innkjøp",
    "folkehelse",
    "kollektivtransport",
    "solenergi",
    "sirkulærøkonomi",
    "naturmangfold",
    "sentrumsutvikling",
    "boligbygging",
    "velferdsteknologi",
    "arealplanlegging",
    "næringsutvikling",
    "kompetanseheving",
    "beredskap",
    "vannforsyning",
    "kulturarv",
    "innbyggerinvolvering",
    "kunstig intelligens",
    "grønn omstilling",
    "landbruk",
]
SENTENCES = [
    "Vi samarbeider på tvers av kommunegrensene.",
    "Målet er bedre tjenester for innbyggerne.",
    "Prosjektet er finansiert av regionale midler.",
    "Vi ønsker flere partnere med på laget.",
    "Erfaringene deles med resten av regionen.",
    "Arbeidet bygger på et forprosjekt fra i fjor.",
]


def generate_initiatives(count: int, seed: int = 7) -> None:
    """Adds `count` initiatives with partners, themes, places and search entries."""
    from arena.accounts.models import Member
    from arena.dates import utcnow
    from arena.expertise.concepts import concept_term
    from arena.expertise.models import ExpertiseArea
    from arena.extensions import db
    from arena.initiatives import models
    from arena.organisations.models import Municipality, Organisation
    from arena.search.models import SearchEntry
    from arena.search.services import entries_for, remember_terms

    rng = random.Random(seed)
    orgs = list(db.session.scalars(sa.select(Organisation.id)))
    members = db.session.execute(sa.select(Member.id, Member.organisation_id)).all()
    areas = db.session.execute(sa.select(ExpertiseArea.id, ExpertiseArea.name)).all()
    places = db.session.execute(sa.select(Municipality.id, Municipality.name)).all()
    start_id = (db.session.scalar(sa.select(sa.func.max(models.Initiative.id))) or 0) + 1
    now = utcnow()
    batch = 2000
    for offset in range(0, count, batch):
        rows, partners, themes, wanted, municipalities, entries = [], [], [], [], [], []
        for n in range(offset, min(offset + batch, count)):
            initiative_id = start_id + n
            contact_id, lead_id = rng.choice(members)
            topic = rng.choice(TOPICS)
            place_id, place = rng.choice(places)
            title = f"{rng.choice(ACTIONS)} {topic} i {rng.choice([place, rng.choice(PLACES)])}"
            summary = f"{topic.capitalize()}: {rng.choice(SENTENCES)} {rng.choice(SENTENCES)}"
            updated = now - timedelta(days=rng.random() * 900)
            rows.append(
                {
                    "id": initiative_id,
                    "title": title,
                    "summary": summary,
                    "description": " ".join(rng.sample(SENTENCES, 3)),
                    "status": rng.choice(models.STATUSES),
                    "is_priority": rng.random() < 0.15,
                    "starts_on": (updated - timedelta(days=200)).date(),
                    "ends_on": None,
                    "contact_id": contact_id,
                    "lead_organisation_id": lead_id,
                    "is_public": True,
                    "created_at": updated - timedelta(days=30),
                    "updated_at": updated,
                    "reviewed_at": updated,
                    "version": 1,
                }
            )
            chosen_areas = rng.sample(areas, k=rng.randint(1, 3))
            themes += [{"initiative_id": initiative_id, "area_id": a} for a, _name in chosen_areas]
            wanted += [
                {"initiative_id": initiative_id, "area_id": a}
                for a, _name in rng.sample(areas, k=rng.randint(0, 2))
            ]
            partners += [
                {"initiative_id": initiative_id, "organisation_id": o}
                for o in set(rng.sample(orgs, k=rng.randint(0, 3))) - {lead_id}
            ]
            municipalities.append({"initiative_id": initiative_id, "municipality_id": place_id})
            theme_text = " ".join(name for _id, name in chosen_areas)
            theme_concepts = {concept_term(a) for a, _name in chosen_areas}
            entries += entries_for(
                "initiative",
                initiative_id,
                [
                    (title, 3.0),
                    (theme_concepts, 2.5),
                    (theme_text, 2.5),
                    (summary, 2.0),
                    (place, 1.0),
                ],
            )
        db.session.execute(sa.insert(models.Initiative), rows)
        for table, values in (
            (models.initiative_partners, partners),
            (models.initiative_themes, themes),
            (models.initiative_wanted_competence, wanted),
            (models.initiative_municipalities, municipalities),
        ):
            if values:
                db.session.execute(table.insert(), values)
        db.session.execute(sa.insert(SearchEntry), entries)
        remember_terms("initiative", {e["term"] for e in entries})
        db.session.commit()
    # Fresh statistics for the query planner, as autovacuum would have made after a bulk load.
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def prepare(database_url: str):
    """A migrated database with the demo data; returns the app."""
    import flask_migrate

    from arena import create_app
    from arena.demo import seed_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        flask_migrate.upgrade()
        seed_demo()
    return app


SCALES = {
    # A few seconds' worth: `make test` runs the whole benchmark at this scale (tests/test_bench.py).
    "tiny": {
        "organisations": 10,
        "members": 60,
        "initiatives": 30,
        "arenas": 12,
        "meetings": 40,
    },
    "region": {
        "organisations": 40,
        "members": 2_000,
        "initiatives": 500,
        "arenas": 100,
        "meetings": 2_000,
    },
    "nordic": {
        "organisations": 2_000,
        "members": 50_000,
        "initiatives": 20_000,
        "arenas": 5_000,
        "meetings": 100_000,
    },
}


def counts() -> dict[str, int]:
    """How many of each the database holds."""
    from arena.extensions import db

    tables = {
        "organisations": "organisations",
        "members": "members",
        "expertise entries": "member_expertise",
        "initiatives": "initiatives",
        "arenas": "arenas",
        "meetings": "meetings",
    }
    return {
        label: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
        for label, table in tables.items()
    }


def generate(scale: str) -> dict[str, int]:
    """Tops the demo data up to the scale's totals; returns what the database then holds."""
    target, have = SCALES[scale], counts()
    generate_members(
        max(target["members"] - have["members"], 0),
        max(target["organisations"] - have["organisations"], 1),
    )
    generate_initiatives(max(target["initiatives"] - have["initiatives"], 0))
    generate_arenas(
        max(target["arenas"] - have["arenas"], 0),
        max(target["meetings"] - have["meetings"], 0),
    )
    move_sequences_on()
    return counts()


def move_sequences_on() -> None:
    """The generators write explicit ids; PostgreSQL's sequences do not see them, so the next
    row the app adds (the first arena after a bench) would take an id already used. Each
    sequence moves past its table's highest id. (SQLite takes the highest id plus one itself.)"""
    from arena.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        id_column = table.c.get("id")
        if id_column is None or not id_column.autoincrement or not id_column.primary_key:
            continue
        sequence = db.session.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, "id")))
        if sequence:
            highest = db.session.scalar(sa.select(sa.func.max(id_column))) or 0
            db.session.execute(sa.select(sa.func.setval(sequence, highest + 1, False)))
    db.session.commit()


def fresh_database(scale: str, database_url: str | None) -> str:
    """An empty database for the scale: the default SQLite file is removed, a PostgreSQL
    database is dropped and created again."""
    if database_url is None:
        path = Path(__file__).resolve().parent.parent / "instance" / f"bench-{scale}.sqlite3"
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        return f"sqlite:///{path}"
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database).unlink(missing_ok=True)
        return database_url
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    engine.dispose()
    return database_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--database-url", help="default: instance/bench-<scale>.sqlite3")
    args = parser.parse_args()
    started = time.perf_counter()
    app = prepare(fresh_database(args.scale, args.database_url))
    with app.app_context():
        totals = generate(args.scale)
        app.extensions["sqlalchemy"].engine.dispose()
    shown = ", ".join(f"{value:,} {label}" for label, value in totals.items())
    print(f"{args.scale}: {shown} in {time.perf_counter() - started:.0f} s")


JOB_TITLES = [
    "Rådgiver",
    "Seniorrådgiver",
    "Prosjektleder",
    "Arealplanlegger",
    "Næringssjef",
    "Forsker",
    "Forretningsutvikler",
    "Spesialrådgiver klima",
    "Innkjøpsrådgiver",
    "Folkehelsekoordinator",
    "Digitaliseringsleder",
    "Kommuneplanlegger",
]
ASK_PHRASES = [
    "overvann i sentrum",
    "reguleringsplaner",
    "anbudsprosesser",
    "KI i saksbehandling",
    "medvirkning med ungdom",
    "Interreg-søknader",
    "hydrogen til tungtransport",
    "helårsturisme",
    "levekårsundersøkelser",
    "digitale byggesaker",
    "ROS-analyser",
    "grønn omstilling i industrien",
    "etablererveiledning",
    "sirkulære byggeplasser",
]


def generate_members(
    count: int, organisations: int, expertise_per_member: int = 4, seed: int = 11
) -> None:
    """Adds organisations and `count` members with expertise entries and their search index."""
    from arena.accounts.models import Member
    from arena.demo.people import FIRST_NAMES, LAST_NAMES
    from arena.expertise.models import MemberExpertise
    from arena.expertise.services import all_areas, member_fields
    from arena.extensions import db
    from arena.organisations.models import ORGANISATION_KINDS, Municipality, Organisation
    from arena.search.models import SearchEntry
    from arena.search.services import entries_for, remember_terms

    rng = random.Random(seed)
    places = list(db.session.scalars(sa.select(Municipality.id)))
    first_org = (db.session.scalar(sa.select(sa.func.max(Organisation.id))) or 0) + 1
    db.session.execute(
        sa.insert(Organisation),
        [
            {
                "id": first_org + n,
                "name": f"Organisasjon {first_org + n}",
                "slug": f"org-{first_org + n}",
                "kind": rng.choice(ORGANISATION_KINDS),
                "municipality_id": rng.choice(places),
                "approved": True,
                "created_at": _now(),
                "updated_at": _now(),
            }
            for n in range(organisations)
        ],
    )
    areas = all_areas()
    first_member = (db.session.scalar(sa.select(sa.func.max(Member.id))) or 0) + 1
    batch = 2000
    for offset in range(0, count, batch):
        members, expertise, entries = [], [], []
        for n in range(offset, min(offset + batch, count)):
            member_id = first_member + n
            title = rng.choice(JOB_TITLES)
            ask = "Spør meg om " + " og ".join(rng.sample(ASK_PHRASES, 2)) + "."
            members.append(
                {
                    "id": member_id,
                    "email": f"m{member_id}@bench.example",
                    "password_hash": "!",
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "title": title,
                    "phone": "",
                    "bio": "",
                    "ask_me_about": ask,
                    "organisation_id": first_org + rng.randrange(organisations),
                    "is_admin": False,
                    "active": True,
                    "email_confirmed_at": _now(),
                    "verified_at": _now(),
                    "verified_via": "admin",
                    "created_at": _now(),
                    "updated_at": _now(),
                    "profile_reviewed_at": _now(),
                }
            )
            chosen = [
                (a, rng.choice([1, 2, 2, 3, 3]), "")
                for a in rng.sample(areas, k=rng.randint(2, 2 * expertise_per_member - 2))
            ]
            expertise += [
                {"member_id": member_id, "area_id": a.id, "level": level, "note": ""}
                for a, level, _note in chosen
            ]
            entries += entries_for("member", member_id, member_fields(title, ask, "", chosen))
        db.session.execute(sa.insert(Member), members)
        db.session.execute(sa.insert(MemberExpertise), expertise)
        db.session.execute(sa.insert(SearchEntry), entries)
        remember_terms("member", {e["term"] for e in entries})
        db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def _now():
    from arena.dates import utcnow

    return utcnow()


def generate_arenas(count: int, meetings: int, seed: int = 5, members_only: float = 0.1) -> list:
    """Adds `count` arenas with an owner, 1-4 organisations and `meetings` meetings among them
    (a third of them weekly series with one cancelled occurrence), ten years of history and
    half a year ahead, as a long-lived register would have; returns the new arenas' ids."""
    from arena.accounts.models import Member
    from arena.arenas.models import (
        KINDS,
        Arena,
        ArenaRole,
        Meeting,
        MeetingException,
        arena_organisations,
    )
    from arena.extensions import db

    if count == 0:
        return []
    rng = random.Random(seed)
    holders = db.session.execute(sa.select(Member.id, Member.organisation_id)).all()
    now = _now()
    today = now.replace(hour=8, minute=0, second=0, microsecond=0, tzinfo=None)
    first_arena = (db.session.scalar(sa.select(sa.func.max(Arena.id))) or 0) + 1
    first_meeting = (db.session.scalar(sa.select(sa.func.max(Meeting.id))) or 0) + 1
    arenas, roles, organisations, rows, exceptions = [], [], [], [], []
    for n in range(count):
        arena_id = first_arena + n
        owner_id, owner_org = rng.choice(holders)
        arenas.append(
            {
                "id": arena_id,
                "slug": f"arena-{arena_id}",
                "name": f"{rng.choice(TOPICS).capitalize()}nettverket {arena_id}",
                "purpose": f"{rng.choice(SENTENCES)} {rng.choice(SENTENCES)}",
                "kind": rng.choice(KINDS),
                "cadence": "",
                "visibility": "members" if rng.random() < members_only else "public",
                "review_due_on": (now + timedelta(days=rng.randint(-60, 365))).date(),
                "archived": False,
                "created_at": now,
                "updated_at": now,
                "calendar_changed_at": now,
            }
        )
        roles.append(
            {"arena_id": arena_id, "role": "owner", "member_id": owner_id, "started_at": now}
        )
        others = {o for _m, o in rng.sample(holders, k=rng.randint(0, 3))} - {owner_org}
        organisations += [
            {"arena_id": arena_id, "organisation_id": o} for o in {owner_org, *others}
        ]
    for n in range(meetings):
        meeting_id = first_meeting + n
        start = today + timedelta(days=rng.randint(-3650, 180), hours=rng.choice([0, 3, 5]))
        series = n % 3 == 0
        rows.append(
            {
                "id": meeting_id,
                "arena_id": first_arena + n % count,
                "uid": f"bench-{meeting_id}@arena",
                "title": f"Møte {meeting_id}",
                "description": "Agenda: status, neste steg.",
                "location": "Rådhuset",
                "online_url": "",
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
                "tzid": "Europe/Oslo",
                "rrule": "FREQ=WEEKLY;COUNT=8" if series else "",
                "last_starts_at": start + timedelta(weeks=7) if series else start,
                "status": "confirmed",
                "sequence": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        if series:
            exceptions.append(
                {
                    "meeting_id": meeting_id,
                    "occurrence": start + timedelta(weeks=2),
                    "action": "cancel",
                    "sequence": 1,
                    "updated_at": now,
                }
            )
    for table, values in (
        (Arena, arenas),
        (ArenaRole, roles),
        (arena_organisations, organisations),
        (Meeting, rows),
        (MeetingException, exceptions),
    ):
        for start in range(0, len(values), 5000):
            statement = sa.insert(table) if isinstance(table, type) else table.insert()
            db.session.execute(statement, values[start : start + 5000])
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return [a["id"] for a in arenas]


if __name__ == "__main__":
    main()

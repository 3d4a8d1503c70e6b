# ruff: noqa: E501 - generated-data records read best one a line
"""Realistic generated data, straight through the models in bulk, for the benchmarks.

    .venv/bin/python bench/generate.py --initiatives 20000 --database-url sqlite:////tmp/b.db

The database is migrated and given the demo organisations, members and vocabulary first.
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
    from arena.expertise.models import ExpertiseArea
    from arena.extensions import db
    from arena.initiatives import models
    from arena.organisations.models import Municipality, Organisation
    from arena.search.models import SearchEntry
    from arena.search.services import remember_terms

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
            entries += _entries(
                initiative_id, [(title, 3.0), (theme_text, 2.5), (summary, 2.0), (place, 1.0)]
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


def _entries(object_id: int, fields) -> list[dict]:
    from arena import text
    from arena.search.services import weight_of

    weights: dict[str, int] = {}
    for content, weight in fields:
        for term in text.index_terms(content):
            weights[term] = max(weight_of(weight), weights.get(term, 0))
    return [
        {
            "kind": "initiative",
            "object_id": object_id,
            "term": t,
            "term_reversed": t[::-1],
            "weight": w,
        }
        for t, w in weights.items()
    ]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--initiatives", type=int, default=500)
    args = parser.parse_args()
    app = prepare(args.database_url)
    started = time.perf_counter()
    with app.app_context():
        generate_initiatives(args.initiatives)
    print(f"generated {args.initiatives} initiatives in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()


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
    from arena.demo import FIRST_NAMES, LAST_NAMES
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
                    "session_key": f"{member_id:032x}",
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

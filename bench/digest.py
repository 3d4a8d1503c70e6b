"""Issue 15 benchmark: the weekly digest at nordic scale, and registering an initiative whose
wanted field many members hold.

1. 50,000 members, 20,000 initiatives (500 of them from the last week), 100,000 meetings; each
   member follows two themes and an organisation, one in ten follows three arenas. All due
   digests composed and queued (`send_digests`, what the worker runs on Monday at 07:00):
   wall time, the process's peak RSS, and SQL statements per batch of 500 members.
2. POST /initiatives/new wanting a field held (level 2-3, other organisations) by 2,000 members,
   against the same request wanting a field nobody holds: median / p95 of 40 requests.

    .venv/bin/python bench/digest.py [--database-url postgresql+psycopg://...]
"""

import argparse
import random
import re
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import fresh_database, generate, prepare  # noqa: E402
from initiatives import timed  # noqa: E402


def add_follows(seed: int = 3) -> None:
    from arena.accounts.models import Member
    from arena.arenas.models import Arena, arena_followers
    from arena.expertise.models import ExpertiseArea
    from arena.extensions import db
    from arena.initiatives.models import Follow
    from arena.organisations.models import Organisation

    rng = random.Random(seed)
    members = db.session.scalars(sa.select(Member.id)).all()
    themes = db.session.scalars(sa.select(ExpertiseArea.id)).all()
    organisations = db.session.scalars(sa.select(Organisation.id)).all()
    arenas = db.session.scalars(sa.select(Arena.id)).all()
    follows, followers = [], []
    followed = set(db.session.execute(sa.select(Follow.member_id)).scalars())
    followed |= set(db.session.execute(sa.select(arena_followers.c.member_id)).scalars())
    for member in members:
        if member in followed:  # the demo's own people keep what they follow
            continue
        for theme in rng.sample(themes, 2):
            follows.append({"member_id": member, "target_kind": "theme", "target_id": theme})
        follows.append(
            {
                "member_id": member,
                "target_kind": "organisation",
                "target_id": rng.choice(organisations),
            }
        )
        if rng.random() < 0.1:
            for arena in rng.sample(arenas, 3):
                followers.append({"member_id": member, "arena_id": arena})
    db.session.execute(sa.insert(Follow), follows)
    db.session.execute(arena_followers.insert(), followers)
    db.session.commit()


def measure_digests(app) -> None:
    from arena.dates import utcnow
    from arena.extensions import db
    from arena.initiatives.models import Initiative
    from arena.notifications import digest
    from arena.outbox.models import OutboxMessage

    with app.app_context():
        cutoff = digest.latest_cutoff()
        recent = db.session.scalars(
            sa.select(Initiative.id).order_by(Initiative.id.desc()).limit(500)
        ).all()
        db.session.execute(
            sa.update(Initiative)
            .where(Initiative.id.in_(recent))
            .values(created_at=cutoff - timedelta(days=2))
        )
        db.session.commit()
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        started = time.perf_counter()
        sent = digest.send_digests(cutoff)
        elapsed = time.perf_counter() - started
        batches = -(
            -db.session.scalar(sa.select(sa.func.count()).select_from(digest.DigestMark))
            // digest.BATCH
        )
        queued = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "digest")
        )
        sizes = db.session.scalars(
            sa.select(
                sa.func.length(OutboxMessage.html_body) + sa.func.length(OutboxMessage.text_body)
            )
            .where(OutboxMessage.kind == "digest")
            .order_by(sa.desc(sa.func.length(OutboxMessage.html_body)))
            .limit(1)
        ).all()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"| digests | {sent:,} queued ({queued:,} rows) | {elapsed:.0f} s "
            f"| peak RSS {rss:.0f} MB "
            f"| {len(statements) / batches:.0f} statements per batch of {digest.BATCH} "
            f"| largest {sizes[0] / 1024:.0f} KB text+HTML | at {utcnow():%Y-%m-%d} |"
        )


def measure_competence(app) -> None:
    from arena.accounts.models import Member
    from arena.accounts.sessions import start_session
    from arena.expertise.models import ExpertiseArea, MemberExpertise
    from arena.extensions import db

    with app.app_context():
        author = db.session.scalar(sa.select(Member).where(Member.is_admin).limit(1))
        held = ExpertiseArea(name="Benkområde holdt", slug="benk-holdt", approved=True)
        empty = ExpertiseArea(name="Benkområde tomt", slug="benk-tomt", approved=True)
        db.session.add_all([held, empty])
        db.session.flush()
        holders = db.session.scalars(
            sa.select(Member.id)
            .where(
                Member.organisation_id != author.organisation_id, Member.verified_at.is_not(None)
            )
            .limit(2000)
        ).all()
        db.session.execute(
            sa.insert(MemberExpertise),
            [
                {"member_id": m, "area_id": held.id, "level": 2 + n % 2}
                for n, m in enumerate(holders)
            ],
        )
        db.session.commit()
        token, held_id, empty_id, org = (
            start_session(author),
            held.id,
            empty.id,
            author.organisation_id,
        )
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
    page = client.get("/initiatives/new").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    counter = iter(range(10_000))

    def register(area_id):
        answer = client.post(
            "/initiatives/new",
            data={
                "csrf_token": csrf,
                "title": f"Benkinitiativ {next(counter)}",
                "summary": "Måling",
                "status": "idea",
                "lead_organisation_id": str(org),
                "wanted_ids": str(area_id),
                "seen_similar": "1",  # the similar initiatives were shown: save
            },
        )
        errors = re.findall(r"ds-validation-message[^>]*>([^<]+)<", answer.get_data(as_text=True))
        assert answer.status_code == 302, errors

    nobody = timed(lambda: register(empty_id))
    many = timed(lambda: register(held_id))
    print(
        f"| register an initiative wanting a field "
        f"| held by nobody {nobody[0]:.1f} / {nobody[1]:.1f} ms "
        f"| held by {len(holders):,}: {many[0]:.1f} / {many[1]:.1f} ms "
        f"| p95 ratio {many[1] / nobody[1]:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="default: instance/bench-digest.sqlite3")
    parser.add_argument("--digests-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale", default="nordic", choices=["region", "nordic"])
    args = parser.parse_args()
    if args.digests_only:  # a fresh process, as the worker is: its RSS is the digest's own
        from arena import create_app

        measure_digests(create_app({"SQLALCHEMY_DATABASE_URI": args.database_url}))
        return
    started = time.perf_counter()
    url = fresh_database("digest", args.database_url)
    app = prepare(url)
    with app.app_context():
        totals = generate(args.scale)
        add_follows()
        app.extensions["sqlalchemy"].engine.dispose()
    print(f"generated {totals} in {time.perf_counter() - started:.0f} s", flush=True)
    subprocess.run([sys.executable, __file__, "--digests-only", "--database-url", url], check=True)
    measure_competence(app)


if __name__ == "__main__":
    main()

"""Issue 17 benchmark: calendar invitations.

1. Creating a weekly series (the meeting form) in an arena with no followers and with 1,000
   followers who want invitations: the request queues one job, so its p95 should stay within 3x.
2. The worker's job that writes the 1,000 invitations (one email each, with its calendar).

    .venv/bin/python bench/invitations.py [--postgres-url postgresql+psycopg://...]
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import fresh_database, prepare  # noqa: E402
from initiatives import timed  # noqa: E402

REQUESTS = 40


def create_timings(database_url: str, followers: int) -> tuple[float, float, float | None]:
    """Median and p95 (ms) of POST /arenas/<slug>/meetings/new (a weekly series of 10), and
    the seconds the worker takes to write one series' invitations."""
    import sqlalchemy as sa

    from arena.accounts.models import Member
    from arena.accounts.sessions import start_session
    from arena.arenas import services as arenas
    from arena.arenas.models import arena_followers
    from arena.extensions import db
    from arena.outbox import jobs
    from arena.outbox.models import NotificationSetting, OutboxMessage

    app = prepare(database_url)
    with app.app_context():
        owner = db.session.scalar(sa.select(Member).where(Member.is_admin).limit(1))
        arena, _ = arenas.create_arena(owner, arenas.ArenaInput(name=f"Benkforum {followers}"))
        if followers:
            db.session.execute(
                sa.insert(Member),
                [
                    {
                        "email": f"invitert{n}@bench.example",
                        "name": f"Invitert {n}",
                        "password_hash": "!",
                        "organisation_id": owner.organisation_id,
                    }
                    for n in range(followers)
                ],
            )
            people = db.session.scalars(
                sa.select(Member.id).where(Member.email.like("invitert%@bench.example"))
            ).all()
            db.session.execute(
                arena_followers.insert(), [{"arena_id": arena.id, "member_id": m} for m in people]
            )
            db.session.execute(
                sa.insert(NotificationSetting),
                [{"member_id": m, "kind": "meeting_invitations", "value": "on"} for m in people],
            )
            db.session.commit()
        token = start_session(owner)
        slug = arena.slug
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
    page = client.get(f"/arenas/{slug}/meetings/new").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    counter = iter(range(10_000))

    def create():
        n = next(counter)
        answer = client.post(
            f"/arenas/{slug}/meetings/new",
            data={
                "csrf_token": csrf,
                "title": f"Ukemøte {n}",
                "day": "2027-03-01",
                "start": "09:00",
                "end": "10:00",
                "repeat": "weekly",
                "repeat_count": "10",
            },
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)[:300]

    result = timed(create, runs=REQUESTS)
    job_seconds = None
    with app.test_request_context():
        if followers:
            # Time the first series' invitation job; other jobs (the demo data's) run untimed.
            fan_out, timings = jobs.HANDLERS["meeting_invitations"], []

            def timed_fan_out(**payload):
                started = time.perf_counter()
                fan_out(**payload)
                timings.append(time.perf_counter() - started)

            jobs.HANDLERS["meeting_invitations"] = timed_fan_out
            while not timings and jobs.run_next_job():
                pass
            jobs.HANDLERS["meeting_invitations"] = fan_out
            job_seconds = timings[0]
            written = db.session.scalar(
                sa.select(sa.func.count()).where(OutboxMessage.kind == "meeting_invitations")
            )
            assert written == followers, written
        db.engine.dispose()
    return (*result, job_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use as well")
    args = parser.parse_args()
    targets = {"SQLite": lambda n: f"sqlite:///{tempfile.mkdtemp()}/bench-{n}.db"}
    if args.postgres_url:
        import sqlalchemy as sa

        def postgres(n):
            url = sa.make_url(args.postgres_url).set(database=f"arena_invitations_{n}")
            return fresh_database("", url.render_as_string(hide_password=False))

        targets["PostgreSQL"] = postgres
    print("| database | create series, 0 followers | with 1,000 invited | p95 ratio | job |")
    print("|---|---|---|---|---|")
    for database, url_for in targets.items():
        m0, p0, _none = create_timings(url_for("none"), 0)
        m1, p1, job = create_timings(url_for("many"), 1000)
        print(
            f"| {database} | {m0:.1f} / {p0:.1f} ms | {m1:.1f} / {p1:.1f} ms | {p1 / p0:.2f} "
            f"| {job:.1f} s |"
        )


if __name__ == "__main__":
    main()

"""Issue 13 benchmark: the outbox.

1. Cancelling a meeting soon in an arena with 0 and with 1,000 followers: the request queues
   one job, so its p95 should stay within 3x of the one without followers.
2. One worker's throughput to a local SMTP server (aiosmtpd's Sink in its own process).

    .venv/bin/python bench/outbox.py [--postgres-url postgresql+psycopg://...]

Requests go through the app's own request handling (the Flask test client: routing, CSRF,
services, database); the worker is the same code `flask --app arena worker` runs.
"""

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import fresh_database, prepare  # noqa: E402
from initiatives import timed  # noqa: E402

REQUESTS = 40
MESSAGES = 3000


def cancel_timings(database_url: str, followers: int) -> tuple[float, float]:
    """Median and p95 (ms) of POST /meetings/<id>/cancel for a meeting starting in a day."""
    import re

    import sqlalchemy as sa

    from arena.accounts.models import Member
    from arena.accounts.sessions import start_session
    from arena.arenas import meetings
    from arena.arenas import services as arenas
    from arena.arenas.models import arena_followers
    from arena.dates import to_local, utcnow
    from arena.extensions import db

    app = prepare(database_url)
    with app.app_context():
        owner = db.session.scalar(sa.select(Member).where(Member.is_admin).limit(1))
        arena, _ = arenas.create_arena(owner, arenas.ArenaInput(name=f"Benkforum {followers}"))
        people = db.session.scalars(
            sa.select(Member.id).where(Member.id != owner.id).limit(followers)
        ).all()
        extra = followers - len(people)
        if extra > 0:
            org_id = owner.organisation_id
            db.session.execute(
                sa.insert(Member),
                [
                    {
                        "email": f"folger{n}@bench.example",
                        "name": f"Følger {n}",
                        "password_hash": "!",
                        "organisation_id": org_id,
                    }
                    for n in range(extra)
                ],
            )
            people = db.session.scalars(
                sa.select(Member.id).where(Member.id != owner.id).limit(followers)
            ).all()
        if people:
            db.session.execute(
                arena_followers.insert(), [{"arena_id": arena.id, "member_id": m} for m in people]
            )
        starts = to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
        ids = [
            meetings.create_meeting(
                owner,
                arena,
                meetings.MeetingInput(title=f"Møte {n}", starts_at=starts + timedelta(hours=24)),
            ).id
            for n in range(REQUESTS + 5)
        ]
        token = start_session(owner)
        slug = arena.slug
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
    page = client.get(f"/arenas/{slug}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    pending = iter(ids)

    def cancel():
        answer = client.post(f"/meetings/{next(pending)}/cancel", data={"csrf_token": csrf})
        assert answer.status_code == 302, answer.status_code

    result = timed(cancel, runs=REQUESTS)
    with app.app_context():
        db.engine.dispose()
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_throughput(database_url: str, workers: int = 1) -> float:
    """Messages per second `workers` worker processes deliver together to a local SMTP server
    (one process a worker, as `flask --app arena worker` runs them)."""
    import multiprocessing

    import sqlalchemy as sa

    from arena.accounts.models import Member
    from arena.extensions import db
    from arena.outbox.messages import queue_email
    from arena.outbox.models import OutboxMessage

    port = free_port()
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ]
    )
    time.sleep(1)
    app = prepare(database_url)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        with app.test_request_context():
            members = db.session.scalars(sa.select(Member).limit(50)).all()
            for n in range(MESSAGES):
                queue_email(
                    members[n % len(members)],
                    "review_reminders",
                    f"Melding {n}",
                    f"Hei,\n\nDette er melding {n}.\n\nhttps://arena.example/x/{n}\n",
                )
            db.session.commit()
            db.engine.dispose()  # the workers make their own connections
        fork = multiprocessing.get_context("fork")
        processes = [
            fork.Process(target=_deliver_everything, args=(app, f"bench-{n}"))
            for n in range(workers)
        ]
        started = time.perf_counter()
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - started
        with app.app_context():
            sent = db.session.scalar(
                sa.select(sa.func.count()).where(OutboxMessage.status == "sent")
            )
            db.engine.dispose()
        assert sent == MESSAGES, sent
    finally:
        sink.terminate()
        sink.wait()
    return MESSAGES / elapsed


def _deliver_everything(app, worker: str) -> None:
    """One worker process: delivery rounds until nothing is left for it."""
    from arena.extensions import db
    from arena.outbox import delivery

    with app.app_context():
        while delivery.deliver_due(worker).handled:
            pass
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use as well")
    args = parser.parse_args()
    targets = {"SQLite": lambda n: f"sqlite:///{tempfile.mkdtemp()}/bench-{n}.db"}
    if args.postgres_url:
        import sqlalchemy as sa

        def postgres(n):
            url = sa.make_url(args.postgres_url).set(database=f"arena_outbox_{n}")
            return fresh_database("", url.render_as_string(hide_password=False))

        targets["PostgreSQL"] = postgres
    print(
        "| database | cancel, 0 followers | cancel, 1,000 followers | p95 ratio "
        "| one worker msg/s | two workers msg/s |"
    )
    print("|---|---|---|---|---|---|")
    for database, url_for in targets.items():
        m0, p0 = cancel_timings(url_for("none"), 0)
        m1, p1 = cancel_timings(url_for("many"), 1000)
        rate = worker_throughput(url_for("worker"))
        # SQLite refuses a second worker (one writer at a time): two run on PostgreSQL only.
        two = f"{worker_throughput(url_for('workers'), 2):.0f}" if database != "SQLite" else "-"
        print(
            f"| {database} | {m0:.1f} / {p0:.1f} | {m1:.1f} / {p1:.1f} | {p1 / p0:.2f} "
            f"| {rate:.0f} | {two} |"
        )


if __name__ == "__main__":
    main()

# ruff: noqa: E501 - benchmark records read best one a line
"""Rule 10 benchmark: a personal feed of 20 arenas with 200 meetings (full response and 304), and
the all-arenas feed with 100,000 meetings in the database (only the last 30 days onwards served).

    .venv/bin/python bench/feeds.py [--postgres-url postgresql+psycopg://...]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import prepare  # noqa: E402
from initiatives import _fresh_postgres  # noqa: E402

RUNS = 50


def add_arenas(count: int, meetings_each: int, seed: int = 5) -> list[int]:
    """Public arenas with an owner and meetings (a third of them weekly series), in bulk."""
    from arena.accounts.models import Member
    from arena.arenas.models import Arena, ArenaRole, Meeting, MeetingException
    from arena.dates import utcnow
    from arena.extensions import db

    rng = random.Random(seed)
    owners = list(db.session.scalars(sa.select(Member.id)))
    now = utcnow()
    today = datetime(now.year, now.month, now.day, 9)
    first_arena = (db.session.scalar(sa.select(sa.func.max(Arena.id))) or 0) + 1
    first_meeting = (db.session.scalar(sa.select(sa.func.max(Meeting.id))) or 0) + 1
    arenas, roles, meetings, exceptions = [], [], [], []
    for n in range(count):
        arena_id = first_arena + n
        arenas.append(
            {
                "id": arena_id,
                "slug": f"bench-{arena_id}",
                "name": f"Arena {arena_id}",
                "purpose": "",
                "kind": "network",
                "cadence": "",
                "visibility": "public",
                "review_due_on": (now + timedelta(days=365)).date(),
                "archived": False,
                "created_at": now,
                "updated_at": now,
                "calendar_changed_at": now,
            }
        )
        roles.append(
            {
                "arena_id": arena_id,
                "role": "owner",
                "member_id": rng.choice(owners),
                "started_at": now,
            }
        )
        for k in range(meetings_each):
            meeting_id = first_meeting + n * meetings_each + k
            # Ten years of history and half a year ahead, as a long-lived register would have.
            start = today + timedelta(days=rng.randint(-3650, 180), hours=rng.choice([0, 3, 5]))
            series = k % 3 == 0
            meetings.append(
                {
                    "id": meeting_id,
                    "arena_id": arena_id,
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
    for model, rows in (
        (Arena, arenas),
        (ArenaRole, roles),
        (Meeting, meetings),
        (MeetingException, exceptions),
    ):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model), rows[start : start + 5000])
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return [a["id"] for a in arenas]


def timed(client, path, headers=None, status=200) -> tuple[float, float]:
    for _ in range(3):
        assert client.get(path, headers=headers or {}).status_code == status
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == status
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(database_url: str) -> dict:
    from arena.accounts.models import Member
    from arena.arenas.models import arena_followers
    from arena.calendar import services as calendar
    from arena.extensions import db

    app = prepare(database_url)
    results = {}
    with app.app_context():
        followed = add_arenas(20, 10)
        member = db.session.scalars(sa.select(Member)).first()
        db.session.execute(
            arena_followers.insert(), [{"arena_id": a, "member_id": member.id} for a in followed]
        )
        db.session.commit()
        token = calendar.feed_token(member)
        db.session.remove()
    client = app.test_client()
    path = f"/calendar/{token}.ics"
    response = client.get(path)
    results["personal feed bytes"] = len(response.data)
    results["personal feed, full"] = timed(client, path)
    results["personal feed, 304"] = timed(
        client, path, {"If-None-Match": response.headers["ETag"]}, 304
    )
    with app.app_context():
        add_arenas(4980, 20)  # with the 20 above: 5,000 arenas and 100,200 meetings
        total = db.session.scalar(sa.text("SELECT count(*) FROM meetings"))
        db.session.remove()
    response = client.get("/calendar/all.ics")
    results["all-arenas feed bytes"] = len(response.data)
    results["meetings in database"] = total
    results["all-arenas feed, full"] = timed(client, "/calendar/all.ics")
    results["all-arenas feed, 304"] = timed(
        client, "/calendar/all.ics", {"If-None-Match": response.headers["ETag"]}, 304
    )
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    targets = {"SQLite": lambda: f"sqlite:///{tempfile.mkdtemp()}/feeds.db"}
    if args.postgres_url:
        targets["PostgreSQL"] = lambda: _fresh_postgres(args.postgres_url, 7)
    for database, url in targets.items():
        results = measure(url())
        print(f"\n{database}: median / p95 in ms over {RUNS} requests after warm-up")
        print("| measure | value |\n|---|---|")
        for name, value in results.items():
            shown = f"{value[0]:.1f} / {value[1]:.1f}" if isinstance(value, tuple) else f"{value:,}"
            print(f"| {name} | {shown} |")


if __name__ == "__main__":
    main()

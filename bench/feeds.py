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
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_arenas, prepare  # noqa: E402
from initiatives import _fresh_postgres  # noqa: E402

RUNS = 50


def forget_everything() -> None:
    """A fresh worker: no kept feed bodies and no kept events."""
    from arena import ical
    from arena.calendar.services import forget_rendered_feeds

    forget_rendered_feeds()
    ical._rendered_events.clear()


def timed(client, path, headers=None, status=200, before=None) -> tuple[float, float]:
    """Median and p95 in ms; `before` runs untimed ahead of each request."""
    for _ in range(3):
        assert client.get(path, headers=headers or {}).status_code == status
    samples = []
    for _ in range(RUNS):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == status
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def change_one_meeting(app, arena_ids: list[int]):
    """What an owner does between two polls: retitle one meeting (a new feed version)."""
    from arena.arenas.models import Arena, Meeting
    from arena.dates import utcnow
    from arena.extensions import db

    rng = random.Random(11)

    def change() -> None:
        with app.app_context():
            arena_id = rng.choice(arena_ids)
            meeting = db.session.scalars(sa.select(Meeting).filter_by(arena_id=arena_id)).first()
            meeting.title = f"Møte {rng.randint(1, 10**6)}"
            meeting.updated_at = db.session.get(Arena, arena_id).calendar_changed_at = utcnow()
            db.session.commit()
            db.session.remove()

    return change


def measure(database_url: str) -> dict:
    from arena.accounts.models import Member
    from arena.arenas.models import arena_followers
    from arena.calendar import services as calendar
    from arena.extensions import db

    app = prepare(database_url)
    results = {}
    with app.app_context():
        followed = generate_arenas(20, 200, members_only=0)
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
    results["personal feed, fresh worker"] = timed(client, path, before=forget_everything)
    results["personal feed, after a change"] = timed(
        client, path, before=change_one_meeting(app, followed)
    )
    results["personal feed, unchanged"] = timed(client, path)
    results["personal feed, 304"] = timed(
        client, path, {"If-None-Match": client.get(path).headers["ETag"]}, 304
    )
    with app.app_context():
        # With the 20 above: 5,000 arenas and 100,000 meetings (and the demo's).
        public = generate_arenas(4980, 4980 * 20, members_only=0)
        total = db.session.scalar(sa.text("SELECT count(*) FROM meetings"))
        db.session.remove()
    response = client.get("/calendar/all.ics")
    results["all-arenas feed bytes"] = len(response.data)
    results["meetings in database"] = total
    results["all-arenas feed, fresh worker"] = timed(
        client, "/calendar/all.ics", before=forget_everything
    )
    results["all-arenas feed, after a change"] = timed(
        client, "/calendar/all.ics", before=change_one_meeting(app, public)
    )
    results["all-arenas feed, unchanged"] = timed(client, "/calendar/all.ics")
    results["all-arenas feed, 304"] = timed(
        client,
        "/calendar/all.ics",
        {"If-None-Match": client.get("/calendar/all.ics").headers["ETag"]},
        304,
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

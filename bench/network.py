"""Issue 18 benchmark: the collaboration map and its API at nordic scale.

The nordic network of bench/generate.py: 2,000 organisations, 20,000 initiatives with 0-3
partners, 5,000 arenas with 1-4 organisations. GET /network and GET /api/v1/network through the
app's request handling (routing, services, database, template or JSON), signed in as a verified
member (members-only initiatives and arenas count), median / p95 of 40 requests after 5 warm-up:

- kept: the same request again (the graph and its picture kept while nothing changes);
- after a change: before each request an initiative is edited (its updated_at moves), so every
  request works the graph out anew.

Target: within 300 ms p95 after a change and from the kept version otherwise.

    .venv/bin/python bench/network.py [--database-url URL] [--reuse]

--reuse measures an existing database of that scale (default instance/bench-front.sqlite3,
which bench/front_page.py makes) instead of generating one.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import counts, fresh_database, generate, prepare  # noqa: E402
from initiatives import RUNS, WARMUP  # noqa: E402

QUERIES = {
    "map, whole network": "/network",
    "map, one municipality": "/network?municipality=4003",
    "map, a kind and a period": "/network?kind=akademia&from=2026-01-01&to=2026-12-31",
    "API, whole network": "/api/v1/network",
    "API, one municipality": "/api/v1/network?municipality=4003",
}


def timed_with(before, fn) -> tuple[float, float]:
    """Median / p95 in ms of fn, with before() run (untimed) ahead of each call."""
    for _ in range(WARMUP):
        before()
        fn()
    samples = []
    for _ in range(RUNS):
        before()
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(app) -> dict[str, tuple]:
    from arena.accounts.models import Member
    from arena.accounts.services import issue_api_token
    from arena.accounts.sessions import start_session
    from arena.dates import utcnow
    from arena.extensions import db
    from arena.initiatives.models import Initiative

    with app.app_context():
        member = db.session.scalar(
            sa.select(Member).where(Member.verified_at.is_not(None)).order_by(Member.id).limit(1)
        )
        token, api_token = start_session(member), issue_api_token(member, "bench")
        db.session.commit()
        edited = db.session.scalar(sa.select(Initiative.id).order_by(Initiative.id).limit(1))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
    headers = {"Authorization": f"Bearer {api_token}"}

    def change():
        with app.app_context():
            db.session.execute(
                sa.update(Initiative).where(Initiative.id == edited).values(updated_at=utcnow())
            )
            db.session.commit()

    results = {}
    for name, path in QUERIES.items():

        def get(path=path):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            return response

        size = len(get().get_data())
        results[name] = (timed_with(lambda: None, get), timed_with(change, get), size)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="default: instance/bench-front.sqlite3")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.reuse:
        default = Path(__file__).resolve().parent.parent / "instance" / "bench-front.sqlite3"
        app = prepare(args.database_url or f"sqlite:///{default}")
    else:
        app = prepare(fresh_database("network", args.database_url))
        with app.app_context():
            generate("nordic")
    with app.app_context():
        totals = counts()
    print(f"database ready in {time.perf_counter() - started:.0f} s: {totals}", flush=True)
    print("| request | kept: median / p95 ms | after a change: median / p95 ms | answer |")
    print("|---|---|---|---|")
    for name, (kept, changed, size) in measure(app).items():
        print(
            f"| {name} | {kept[0]:.1f} / {kept[1]:.1f} | {changed[0]:.1f} / {changed[1]:.1f} "
            f"| {size / 1024:.0f} KB |"
        )


if __name__ == "__main__":
    main()

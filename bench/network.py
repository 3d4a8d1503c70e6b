"""Issue 18 benchmark: the collaboration map and its API at nordic scale.

The nordic network of bench/generate.py: 2,000 organisations, 20,000 initiatives with 0-3
partners, 5,000 arenas with 1-4 organisations. GET /network and GET /api/v1/network through the
app's request handling (routing, services, database, template or JSON), signed in as a verified
member (members-only initiatives and arenas count), median / p95 of 40 requests after 5 warm-up:

- kept: the same request again (the graph and its picture kept while nothing changes);
- after a change: before each request the most active organisation joins another initiative as
  a partner (its updated_at moves, as an edit saves it), so every request brings the graph
  up to date, and its links, weights and often the drawing change;
- after an organisation changes: before each request the most active organisation is renamed;
- made anew: nothing kept, as after an organisation is approved or merged (or a restart).

Each cell is median / p95 in ms.

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
    from arena.initiatives.models import Initiative, initiative_partners
    from arena.keep import forget_everything
    from arena.organisations.models import Organisation

    with app.app_context():
        member = db.session.scalar(
            sa.select(Member).where(Member.verified_at.is_not(None)).order_by(Member.id).limit(1)
        )
        token, api_token = start_session(member), issue_api_token(member, "bench")
        db.session.commit()
        # The most active organisation joins one initiative after another as a partner.
        joining = db.session.scalar(
            sa.select(initiative_partners.c.organisation_id)
            .group_by(initiative_partners.c.organisation_id)
            .order_by(sa.func.count().desc(), initiative_partners.c.organisation_id)
            .limit(1)
        )
        joined = list(
            db.session.scalars(
                sa.select(Initiative.id)
                .where(
                    Initiative.lead_organisation_id != joining,
                    Initiative.id.not_in(
                        sa.select(initiative_partners.c.initiative_id).where(
                            initiative_partners.c.organisation_id == joining
                        )
                    ),
                )
                .order_by(Initiative.id)
                .limit(len(QUERIES) * (WARMUP + RUNS))
            )
        )
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
    headers = {"Authorization": f"Bearer {api_token}"}

    def change():
        """A partner joins an initiative (a new one each time), as an edit through the form
        would save it: its links, their weights, and often the drawing change."""
        with app.app_context():
            initiative_id = joined.pop(0)
            db.session.execute(
                sa.insert(initiative_partners).values(
                    initiative_id=initiative_id, organisation_id=joining
                )
            )
            db.session.execute(
                sa.update(Initiative)
                .where(Initiative.id == initiative_id)
                .values(updated_at=utcnow())
            )
            db.session.commit()

    renamed = {"times": 0}

    def rename():
        """The most active organisation gets another name (approved organisations' details)."""
        renamed["times"] += 1
        with app.app_context():
            db.session.execute(
                sa.update(Organisation)
                .where(Organisation.id == joining)
                .values(name=f"Omdøpt organisasjon {renamed['times']}")
            )
            db.session.commit()

    results = {}
    for name, path in QUERIES.items():

        def get(path=path):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            return response

        size = len(get().get_data())
        results[name] = (
            timed_with(lambda: None, get),
            timed_with(change, get),
            timed_with(rename, get),
            timed_with(forget_everything, get),
            size,
        )
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
    print(
        "| request | kept | an initiative changed | an organisation changed | made anew "
        "| answer |\n|---|---|---|---|---|---|"
    )
    for name, (*timings, size) in measure(app).items():
        cells = " | ".join(f"{median:.1f} / {p95:.1f}" for median, p95 in timings)
        print(f"| {name} | {cells} | {size / 1024:.0f} KB |")


if __name__ == "__main__":
    main()

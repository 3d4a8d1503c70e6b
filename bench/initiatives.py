"""Rule 4 benchmark: the filtered list, full-text search and the similar-initiatives lookup,
with 500 and with 20,000 initiatives, on SQLite and (when given) PostgreSQL.

    .venv/bin/python bench/initiatives.py [--postgres-url postgresql+psycopg://...]

Each figure is the median and p95 of timed requests after warm-up, through the app's own
request handling (the Flask test client: routing, services, database, templates).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import fresh_database, generate_initiatives, prepare  # noqa: E402

QUERIES = {
    "list, no filter": "/initiatives",
    "list, status + theme": "/initiatives?status=ongoing&status=planned&theme=klimatilpasning",
    "list, municipality + period": "/initiatives?municipality=4003&from=2026-01-01&to=2026-12-31",
    "search «klimatilpasningen»": "/initiatives?q=klimatilpasningen",
    "search «planlegging» (compounds)": "/initiatives?q=planlegging",
    "search + filter": "/initiatives?q=hydrogen+grenland&status=ongoing",
}
SIMILAR = [
    ("Klimatilpasning i Skien", "Overvann og flom i sentrum"),
    ("Hydrogen for tungtransport", "Fyllestasjon og samarbeid med industrien"),
    ("Reiselivsstrategi for fjellet", "Helårsturisme og nye arbeidsplasser"),
]
WARMUP, RUNS = 5, 40


def timed(fn, runs=RUNS) -> tuple[float, float]:
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(database_url: str, count: int) -> dict[str, tuple[float, float]]:
    from arena.extensions import db
    from arena.initiatives import listing

    app = prepare(database_url)
    with app.app_context():
        generate_initiatives(count)
        db.session.remove()
    client = app.test_client()
    results = {}
    for name, path in QUERIES.items():

        def get(path=path):
            response = client.get(path)
            assert response.status_code == 200

        results[name] = timed(get)
    with app.app_context():
        for title, summary in SIMILAR:
            results[f"similar: {title}"] = timed(
                lambda t=title, s=summary: listing.similar_initiatives(t, s)
            )
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use as well")
    args = parser.parse_args()
    targets = {"SQLite": lambda n: f"sqlite:///{tempfile.mkdtemp()}/bench-{n}.db"}
    if args.postgres_url:
        targets["PostgreSQL"] = lambda n: _fresh_postgres(args.postgres_url, n)
    for database, url_for in targets.items():
        small, large = measure(url_for(500), 500), measure(url_for(20_000), 20_000)
        print(f"\n{database}: median / p95 in ms ({RUNS} timed runs each after {WARMUP} warm-up)")
        print("| query | 500 | 20,000 | ratio (median) |\n|---|---|---|---|")
        for name in small:
            (m1, p1), (m2, p2) = small[name], large[name]
            print(f"| {name} | {m1:.1f} / {p1:.1f} | {m2:.1f} / {p2:.1f} | {m2 / m1:.2f} |")


def _fresh_postgres(base_url: str, n: int) -> str:
    """A new, empty PostgreSQL database next to base_url's, for one benchmark run."""
    import sqlalchemy as sa

    url = sa.make_url(base_url).set(database=f"arena_bench_{n}")
    return fresh_database("", url.render_as_string(hide_password=False))


if __name__ == "__main__":
    main()

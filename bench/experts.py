# ruff: noqa: E501 - benchmark records read best one a line
"""Rule 8 benchmark: /api/v1/experts with 2,000 and with 50,000 members (200,000 expertise
entries), `reindex` of 50,000 members, and importing a 5,000-line CSV.

    .venv/bin/python bench/experts.py [--postgres-url postgresql+psycopg://...]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_members, prepare  # noqa: E402
from initiatives import _fresh_postgres  # noqa: E402

QUERIES = [
    "klimatilpasningen",
    "planlegging",
    "KI",
    "innkjøp",
    "innbyggjarinvolvering",
    "baerekraftig omstilling",
    "EU-prosjekter",
    "hydrogen tungtransport",
    "folkehelse",
    "reguleringsplaner",
    "spatial planning",
    "beredsksp",  # a typo: the nearest known words
    "solceller på taket av skolen",
]
#: The queries measured before issue 16 (the first ten), reported apart to compare like with like.
EARLIER_QUERIES = QUERIES[:10]
RUNS = 20  # per query, after one warm-up round


def measure_experts(database_url: str, members: int, organisations: int) -> dict:
    from arena.accounts.models import Member
    from arena.accounts.services import issue_api_token
    from arena.extensions import db

    app = prepare(database_url)
    with app.app_context():
        started = time.perf_counter()
        generate_members(members, organisations)
        generated = time.perf_counter() - started
        token = issue_api_token(db.session.scalars(db.select(Member)).first(), "bench")
        entries = db.session.execute(db.text("SELECT count(*) FROM member_expertise")).scalar()
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for query in QUERIES:
        assert client.get(f"/api/v1/experts?q={query}", headers=headers).status_code == 200
    samples, earlier = [], []
    for _ in range(RUNS):
        for query in QUERIES:
            started = time.perf_counter()
            response = client.get(f"/api/v1/experts?q={query}", headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            if query in EARLIER_QUERIES:
                earlier.append(samples[-1])
            assert response.status_code == 200
    samples.sort()
    earlier.sort()
    result = {
        "members": members,
        "entries": entries,
        "generated_s": generated,
        "median": statistics.median(samples),
        "p95": samples[int(len(samples) * 0.95) - 1],
        "requests": len(samples),
        "earlier_median": statistics.median(earlier),
        "earlier_p95": earlier[int(len(earlier) * 0.95) - 1],
    }
    if members >= 50_000:
        from arena.expertise.services import reindex_members

        with app.app_context():
            started = time.perf_counter()
            count = reindex_members()
            db.session.commit()
            result["reindex_s"] = time.perf_counter() - started
            result["reindexed"] = count
            db.engine.dispose()
    return result


def measure_import(database_url: str, lines: int = 5000) -> float:
    from arena.expertise import importer
    from arena.extensions import db

    app = prepare(database_url)
    rows = ["email,name,organisation,organisation_kind,municipality,title,expertise,ask_me_about"]
    areas = [
        "Klimatilpasning",
        "Arealplanlegging",
        "Hydrogen",
        "Reiseliv",
        "Folkehelse",
        "Digitalisering",
        "Kunstig intelligens",
        "Næringsutvikling",
    ]
    for n in range(lines):
        rows.append(
            f"person{n}@import.example,Person {n},Importert organisasjon {n % 50},kommune,"
            f"Skien,Rådgiver,{areas[n % 8]}:3;{areas[(n + 3) % 8]}:1,Spør meg om tall {n}."
        )
    content = ("\n".join(rows) + "\n").encode()
    with app.app_context():
        started = time.perf_counter()
        report = importer.import_members(None, content)
        elapsed = time.perf_counter() - started
        assert report.written and report.created == lines, report.errors[:3]
        db.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    targets = {"SQLite": lambda n: f"sqlite:///{tempfile.mkdtemp()}/experts-{n}.db"}
    if args.postgres_url:
        targets["PostgreSQL"] = lambda n: _fresh_postgres(args.postgres_url, n)
    for database, url_for in targets.items():
        small = measure_experts(url_for(2000), 2000, 40)
        large = measure_experts(url_for(50000), 50_000, 2000)
        seconds = measure_import(url_for(5000))
        print(f"\n{database}: GET /api/v1/experts, {len(QUERIES)} queries x {RUNS} after warm-up")
        print(
            "| members | expertise entries | median ms | p95 ms | requests |\n|---|---|---|---|---|"
        )
        for r in (small, large):
            print(
                f"| {r['members']:,} | {r['entries']:,} | {r['median']:.1f} | {r['p95']:.1f} "
                f"| {r['requests']} |"
            )
        print(f"median ratio 50,000 / 2,000: {large['median'] / small['median']:.2f}")
        print(
            f"the {len(EARLIER_QUERIES)} queries measured before issue 16, at 50,000: median "
            f"{large['earlier_median']:.1f} ms, p95 {large['earlier_p95']:.1f} ms"
        )
        print(
            f"reindex of {large['reindexed']:,} members: {large['reindex_s']:.1f} s; "
            f"generating them: {large['generated_s']:.1f} s"
        )
        print(f"import of a 5,000-line CSV: {seconds:.1f} s")


if __name__ == "__main__":
    main()

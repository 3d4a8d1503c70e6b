"""Rule 8 search quality: nDCG@10 of «Finn en kollega» per kind of query on the hand-written
judged collection (tests/data/judged, graded by tests/judged_by_hand.py), with the shipped
vocabulary and the members imported as an admin would import them.

    .venv/bin/python bench/search_quality.py [--postgres-url postgresql+psycopg://...]
"""

import argparse
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import judged_by_hand as judged  # noqa: E402
from initiatives import _fresh_postgres  # noqa: E402


def measure(database_url: str) -> dict[str, dict[str, float]]:
    import flask_migrate

    from arena import create_app
    from arena.accounts.models import Member
    from arena.expertise import concepts, finder, importer
    from arena.extensions import db
    from arena.organisations.models import Organisation

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "ARENA_ENV": "development"})
    with app.app_context():
        flask_migrate.upgrade()
        concepts.load_vocabulary()
        report = importer.import_members(None, judged.import_file())
        assert not report.errors, report.errors
        searcher = Organisation(name="Søkerens organisasjon", slug="soker", kind="annet")
        db.session.add(searcher)
        db.session.flush()
        member = Member(email="soker@example.no", name="Søker", organisation=searcher)
        member.password_hash = "!" + secrets.token_hex(16)  # no password: cannot sign in
        db.session.add(member)
        db.session.commit()

        def search(text):
            answer = finder.find_experts(member, finder.ExpertQuery(text=text, limit=10))
            return [r.member.email for r in answer.results]

        by_kind = judged.evaluate(search)
        db.engine.dispose()
    return by_kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    targets = {"SQLite": f"sqlite:///{tempfile.mkdtemp()}/quality.db"}
    if args.postgres_url:
        targets["PostgreSQL"] = _fresh_postgres(args.postgres_url, "quality")
    results = {name: measure(url) for name, url in targets.items()}
    names = list(results)
    print("| kind of query | queries | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    kinds = sorted(results[names[0]])
    for kind in kinds:
        scores = [results[n][kind] for n in names]
        means = " | ".join(f"{sum(s.values()) / len(s):.3f}" for s in scores)
        print(f"| {kind} | {len(scores[0])} | {means} |")
    overall = []
    for n in names:
        every = [score for scores in results[n].values() for score in scores.values()]
        overall.append(f"{sum(every) / len(every):.3f}")
    total = sum(len(s) for s in results[names[0]].values())
    print(f"| all | {total} | " + " | ".join(overall) + " |")
    same = all(results[n] == results[names[0]] for n in names)
    print(f"\nthe same ranking on every database: {same}")


if __name__ == "__main__":
    main()

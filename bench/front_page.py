"""Issue 18 benchmark: the front page at nordic scale, signed in against anonymous.

The nordic network of bench/generate.py (2,000 organisations, 50,000 members, 20,000
initiatives, 5,000 arenas, 100,000 meetings), every member following two themes and an
organisation and one in ten three arenas (bench/digest.py's follows). GET / through the app's
request handling (routing, services, database, template), median / p95 of 40 requests after 5
warm-up: anonymous, and signed in as a member who follows three arenas and holds fields of
expertise. Target: signed in at most 3x anonymous.

    .venv/bin/python bench/front_page.py [--database-url URL] [--reuse]

--reuse measures an existing database of that scale (migrated to the newest schema first)
instead of generating one.
"""

import argparse
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import add_follows  # noqa: E402
from generate import fresh_database, generate, prepare  # noqa: E402
from initiatives import timed  # noqa: E402


def a_following_member():
    """A generated member who follows three arenas and holds fields of expertise."""
    from arena.accounts.models import Member
    from arena.arenas.models import arena_followers
    from arena.expertise.models import MemberExpertise
    from arena.extensions import db

    following = (
        sa.select(arena_followers.c.member_id)
        .group_by(arena_followers.c.member_id)
        .having(sa.func.count() >= 3)
    )
    return db.session.scalar(
        sa.select(Member)
        .where(
            Member.id.in_(following),
            Member.id.in_(sa.select(MemberExpertise.member_id)),
            Member.verified_at.is_not(None),
        )
        .order_by(Member.id.desc())
        .limit(1)
    )


def measure(app) -> dict[str, tuple[float, float]]:
    from arena.accounts.sessions import start_session

    with app.app_context():
        member = a_following_member()
        token = start_session(member)
    anonymous, signed_in = app.test_client(), app.test_client()
    with signed_in.session_transaction() as session:
        session["_user_id"] = token

    def front(client, must_say: str):
        def get():
            response = client.get("/")
            assert response.status_code == 200 and must_say in response.get_data(as_text=True)

        return get

    return {
        "anonymous": timed(front(anonymous, 'id="numbers-heading"')),
        "signed in": timed(front(signed_in, 'id="my-meetings-heading"')),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="default: instance/bench-front.sqlite3")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.reuse:
        url = args.database_url or f"sqlite:///{Path('instance/bench-front.sqlite3').resolve()}"
        app = prepare(url)
    else:
        app = prepare(fresh_database("front", args.database_url))
        with app.app_context():
            generate("nordic")
            add_follows()
    with app.app_context():
        from generate import counts

        totals = counts()
    print(f"database ready in {time.perf_counter() - started:.0f} s: {totals}", flush=True)
    results = measure(app)
    print("| front page | median / p95 ms |\n|---|---|")
    for name, (median, p95) in results.items():
        print(f"| {name} | {median:.1f} / {p95:.1f} |")
    ratio = results["signed in"][1] / results["anonymous"][1]
    print(f"p95 ratio signed in / anonymous: {ratio:.2f}")


if __name__ == "__main__":
    main()

"""`make bench` at a tiny scale, on this test's database: the whole harness (data generation,
gunicorn, signing in through the login form, wrk against every endpoint) runs in seconds, so a
change that breaks it fails here rather than on the day someone measures."""

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def test_the_load_benchmark_runs_every_endpoint_signed_in(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    arguments = ["--scales", "tiny", "--seconds", "1", "--quick"]
    arguments += ["--output", str(tmp_path / "results.md")]
    if url:  # its own database on the test cluster, beside the test database
        url = sa.make_url(url).render_as_string(hide_password=False)
        arguments += ["--postgres-url", url, "--only-postgres"]
    done = subprocess.run(
        [sys.executable, "bench/run.py", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = (tmp_path / "results.md").read_text()
    for endpoint in (
        "expert search",
        "front page",
        "collaboration map",
        "notification settings, digest preview",
        "arena page with attendance",
        "field of expertise (concept) page",
        "personal feed, 304",
    ):
        assert endpoint in report, endpoint


ADD_AFTER_GENERATING = """
import sys
sys.path.insert(0, "bench")
import sqlalchemy as sa
from generate import fresh_database, generate, prepare

app = prepare(fresh_database("tiny", sys.argv[1]))
with app.app_context():
    from arena.accounts.models import Member
    from arena.arenas import services as arenas
    from arena.extensions import db

    generate("tiny")
    admin = db.session.scalar(sa.select(Member).where(Member.is_admin).limit(1))
    arena, _ = arenas.create_arena(admin, arenas.ArenaInput(name="Etter benken"))
    print("created", arena.id)
"""


def test_the_app_adds_rows_to_a_generated_database(tmp_path):
    """After the generator wrote rows with their ids, the app creates its own (PostgreSQL's
    sequences were not moved on: the first new arena failed on its key). In a process of its
    own: a second app in this one would switch the shared rate limiter off."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = sa.make_url(url).set(database="arena_bench_sequences")
        url = url.render_as_string(hide_password=False)
    database = url or f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", ADD_AFTER_GENERATING, database],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0 and "created" in done.stdout, done.stderr[-2000:]

# ruff: noqa: E501 - report lines read best one a line
"""The load benchmark: the app under gunicorn (2 workers, as in production) on loopback, against
SQLite and PostgreSQL, at region and nordic scale, measured with wrk after a warm-up.

    make bench        # or: .venv/bin/python bench/run.py [--postgres-url URL] [--seconds 5]

For every endpoint: median and p95 latency with one connection per worker (no queueing), and
requests per second at 16 concurrent connections; each endpoint's p95 against `/healthz` in the
same run, nordic against region, and the workers' memory (RSS) after the run. Writes
bench/results.md.
"""

import argparse
import http.cookiejar
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate import SCALES, fresh_database, generate, prepare  # noqa: E402

REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.0f\\n", summary.requests,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.duration))
end
"""

#: The served app's key: the feed token is made with it beforehand.
SECRET_KEY = secrets.token_hex(32)

TARGETS = """Targets (issue 7): at nordic scale every endpoint's p95 at most 10x `/healthz` and at most 3x
its own region figure; 304 feed answers at most 2x `/healthz`; no worker above 300 MB RSS. Where a
target is missed, `bench/README.md` («Load benchmark») gives the profile, the cause, what was done
and what would meet it."""


@dataclass
class Endpoint:
    name: str
    path: str
    headers: dict = field(default_factory=dict)
    is_304: bool = False


@dataclass
class Figure:
    requests: int
    median: float
    p95: float
    rps: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(database_url: str, scale: str) -> tuple[dict, float, dict]:
    """Generates the scale's data; returns the counts, the seconds it took and the session
    cookie, feed token and ids the endpoints need."""
    started = time.perf_counter()
    app = prepare(database_url)
    with app.app_context():
        totals = generate(scale)
        seconds = time.perf_counter() - started
        subject = follow_twenty_arenas(app)
        app.extensions["sqlalchemy"].engine.dispose()
    return totals, seconds, subject


def follow_twenty_arenas(app) -> dict:
    """A demo member (who signs in with the demo password) following 20 arenas (their personal
    feed), and another member whose profile is read, an arena they hold and a field of
    expertise whose page is read."""
    from arena.accounts.feed_tokens import feed_token
    from arena.accounts.models import Member
    from arena.arenas.models import Arena, ArenaRole, Meeting, arena_followers
    from arena.expertise.models import ExpertiseArea
    from arena.extensions import db
    from arena.rows import insert_if_missing

    app.config["SECRET_KEY"] = SECRET_KEY
    member = db.session.scalars(
        sa.select(Member).where(Member.is_admin.is_(False)).order_by(Member.id)
    ).first()
    busiest = db.session.scalars(
        sa.select(Arena.id)
        .join(Meeting, Meeting.arena_id == Arena.id)
        .group_by(Arena.id)
        .order_by(sa.func.count(Meeting.id).desc(), Arena.id)
        .limit(20)
    ).all()
    for arena_id in busiest:  # a demo member may follow some already
        insert_if_missing(arena_followers, arena_id=arena_id, member_id=member.id)
    db.session.commit()
    other = db.session.scalars(sa.select(Member).order_by(Member.id.desc())).first()
    held = db.session.scalar(
        sa.select(Arena.slug)
        .join(ArenaRole, ArenaRole.arena_id == Arena.id)
        .where(ArenaRole.ended_at.is_(None))
        .order_by(Arena.id)
        .limit(1)
    )
    concept = db.session.scalar(
        sa.select(ExpertiseArea.slug).where(ExpertiseArea.approved).order_by(ExpertiseArea.id)
    )
    return {
        "email": member.email,
        "token": feed_token(member),
        "profile": other.id,
        "arena": held,
        "concept": concept,
    }


def sign_in(base: str, email: str) -> str:
    """Signs the member in through the login form, as a browser would; the session cookie."""
    from arena.demo import DEMO_PASSWORD

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(base + "/auth/login") as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": DEMO_PASSWORD})
    try:
        opener.open(urllib.request.Request(base + "/auth/login", data=form.encode()))
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise SystemExit(f"signing in answered {answer.code}") from None
    cookie = next((c.value for c in jar if c.name == "session"), None)
    if cookie is None:
        raise SystemExit("signing in gave no session cookie")
    return cookie


def endpoints(subject: dict, etags: dict) -> list[Endpoint]:
    signed_in = {"Cookie": f"session={subject['cookie']}"}
    feed = f"/calendar/{subject['token']}.ics"
    return [
        Endpoint("GET /healthz", "/healthz"),
        Endpoint("expert search", "/experts?q=klimatilpasning", signed_in),
        Endpoint(
            "initiative list, filters and text",
            "/initiatives?q=planlegging&status=ongoing",
            signed_in,
        ),
        Endpoint("arena list", "/arenas", signed_in),
        Endpoint("personal feed", feed),
        Endpoint("personal feed, 304", feed, {"If-None-Match": etags.get(feed, "")}, True),
        Endpoint("all-arenas feed", "/calendar/all.ics"),
        Endpoint(
            "all-arenas feed, 304",
            "/calendar/all.ics",
            {"If-None-Match": etags.get("/calendar/all.ics", "")},
            True,
        ),
        Endpoint("profile page", f"/members/{subject['profile']}", signed_in),
        Endpoint("front page", "/", signed_in),
        Endpoint("collaboration map", "/network", signed_in),
        Endpoint("notification settings, digest preview", "/profile/notifications", signed_in),
        Endpoint("arena page with attendance", f"/arenas/{subject['arena']}", signed_in),
        Endpoint("field of expertise (concept) page", f"/areas/{subject['concept']}", signed_in),
    ]


def start_server(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ARENA_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def wrk(url: str, headers: dict, connections: int, seconds: int) -> Figure:
    script = Path(tempfile.gettempdir()) / "arena-wrk-report.lua"
    script.write_text(REPORT)
    command = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, "-s", str(script), url], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)", output)
    requests, bad_status, socket_errors, median, p95, micros = match.groups()
    if int(bad_status) or int(socket_errors):
        raise SystemExit(f"{url}: {bad_status} error responses, {socket_errors} socket errors")
    return Figure(int(requests), float(median), float(p95), int(requests) / (int(micros) / 1e6))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status_of(url: str, headers: dict) -> tuple[int, str]:
    """The status and ETag of one request, redirects not followed (a signed-in page that
    redirects to the login form would otherwise be measured as a fast success)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers)) as response:
            return response.status, response.headers.get("ETag", "")
    except urllib.error.HTTPError as error:
        return error.code, ""


def worker_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


def measure(
    database_url: str, subject: dict, seconds: int, quick: bool = False
) -> tuple[dict, list[float]]:
    """Each endpoint's figures; `quick` (the test suite's run) leaves out the warm-up and the
    run at 16 connections, so the harness is checked in seconds, not measured."""
    port = free_port()
    server = start_server(database_url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        subject = {**subject, "cookie": sign_in(base, subject["email"])}
        etags = {}
        for path in (f"/calendar/{subject['token']}.ics", "/calendar/all.ics"):
            etags[path] = status_of(base + path, {})[1]
        figures = {}
        for endpoint in endpoints(subject, etags):
            url = base + endpoint.path
            status = status_of(url, endpoint.headers)[0]
            if status != (304 if endpoint.is_304 else 200):
                raise SystemExit(f"{endpoint.name}: {url} answered {status}")
            if not quick:
                wrk(url, endpoint.headers, 2, 2)  # warm-up: both workers, caches, connections
            figure = wrk(url, endpoint.headers, 2, seconds)
            if not quick:
                figure.rps = wrk(url, endpoint.headers, 16, seconds).rps
            figures[endpoint.name] = figure
            print(
                f"  {endpoint.name}: {figure.median:.1f} / {figure.p95:.1f} ms, {figure.rps:.0f} req/s",
                flush=True,
            )
        rss = worker_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures, rss


def versions(postgres_url: str | None) -> str:
    import sqlite3

    import gunicorn

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[
        0
    ]
    parts = [
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
        f"gunicorn {gunicorn.__version__}",
        wrk_version.split(" [")[0],
    ]
    if postgres_url:
        engine = sa.create_engine(postgres_url)
        with engine.connect() as connection:
            parts.append(
                connection.execute(sa.text("SHOW server_version"))
                .scalar()
                .join(["PostgreSQL ", ""])
            )
        engine.dispose()
    return ", ".join(parts)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    memory = (
        int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024**2
    )
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GB memory, {platform.system()} {platform.release()}"


def verdicts(region: dict, nordic: dict, rss: list[float]) -> list[str]:
    """Each target, met or missed, with the figures it rests on."""
    floor = nordic["GET /healthz"].p95
    lines = []
    for name, figure in nordic.items():
        if name == "GET /healthz":
            continue
        limit = 2 if name.endswith("304") else 10
        to_floor = figure.p95 / floor
        growth = figure.p95 / region[name].p95
        ok = to_floor <= limit and growth <= 3
        lines.append((name, to_floor, limit, growth, ok))
    return lines, max(rss) <= 300


def table(database: str, results: dict) -> list[str]:
    if not {"region", "nordic"} <= set(results):
        return plain_table(database, results)
    region, nordic = results["region"]["figures"], results["nordic"]["figures"]
    checks, memory_ok = verdicts(region, nordic, results["nordic"]["rss"])
    out = [
        f"### {database}",
        "",
        f"Data: region {results['region']['totals']} (generated in {results['region']['seconds']:.0f} s); "
        f"nordic {results['nordic']['totals']} (generated in {results['nordic']['seconds']:.0f} s).",
        "",
        "| endpoint | region median / p95 ms | nordic median / p95 ms | nordic p95 / healthz p95 | nordic / region p95 | req/s at 16 conn. (nordic) | requests (nordic) | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    floor = nordic["GET /healthz"]
    out.append(
        f"| GET /healthz | {region['GET /healthz'].median:.1f} / {region['GET /healthz'].p95:.1f} | "
        f"{floor.median:.1f} / {floor.p95:.1f} | 1.0 | {floor.p95 / region['GET /healthz'].p95:.2f} | "
        f"{floor.rps:.0f} | {floor.requests:,} | floor |"
    )
    for name, to_floor, limit, growth, ok in checks:
        r, n = region[name], nordic[name]
        out.append(
            f"| {name} | {r.median:.1f} / {r.p95:.1f} | {n.median:.1f} / {n.p95:.1f} | "
            f"{to_floor:.1f} (≤ {limit}) | {growth:.2f} (≤ 3) | {n.rps:.0f} | {n.requests:,} | "
            f"{'met' if ok else '**missed**'} |"
        )
    for scale in ("region", "nordic"):
        rss = ", ".join(f"{mb:.0f} MB" for mb in results[scale]["rss"])
        out.append("")
        out.append(
            f"Worker RSS after the {scale} run: {rss}"
            + ("" if scale == "region" else f" ({'met' if memory_ok else '**missed**'}: ≤ 300 MB).")
        )
    return out


def plain_table(database: str, results: dict) -> list[str]:
    """Each scale's figures as measured, for runs without both region and nordic (the tiny
    run of the test suite), with no targets judged."""
    out = []
    for scale, result in results.items():
        floor = result["figures"]["GET /healthz"].p95
        out += [
            f"### {database}, {scale}",
            "",
            f"Data: {result['totals']}.",
            "",
            "| endpoint | median / p95 ms | p95 / healthz p95 | req/s at 16 conn. |",
            "|---|---|---|---|",
        ]
        for name, figure in result["figures"].items():
            out.append(
                f"| {name} | {figure.median:.1f} / {figure.p95:.1f} | {figure.p95 / floor:.1f} | "
                f"{figure.rps:.0f} |"
            )
        out.append("")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres-url", help="a PostgreSQL server to create bench databases on")
    parser.add_argument("--seconds", type=int, default=5, help="length of each measured wrk run")
    parser.add_argument("--output", default=str(BENCH / "results.md"))
    parser.add_argument(
        "--scales", default="region,nordic", help="comma-separated, of " + ", ".join(SCALES)
    )
    parser.add_argument("--quick", action="store_true", help="no warm-up, no run at 16 conn.")
    parser.add_argument(
        "--only-postgres", action="store_true", help="with --postgres-url: leave SQLite out"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make bench` (installs Debian's wrk)")
    databases = {} if args.only_postgres else {"SQLite": lambda scale: fresh_database(scale, None)}
    if args.postgres_url:
        base = sa.make_url(args.postgres_url)
        databases["PostgreSQL"] = lambda scale: fresh_database(
            scale, base.set(database=f"arena_bench_{scale}").render_as_string(hide_password=False)
        )
    report = {}
    for database, url_for in databases.items():
        report[database] = {}
        for scale in args.scales.split(","):
            url = url_for(scale)
            print(f"{database}, {scale}: generating", flush=True)
            totals, seconds, subject = prepare_database(url, scale)
            print(f"{database}, {scale}: {totals} in {seconds:.0f} s; measuring", flush=True)
            figures, rss = measure(url, subject, args.seconds, args.quick)
            shown = f"{totals['organisations']:,} organisations, {totals['members']:,} members, {totals['expertise entries']:,} expertise entries, {totals['initiatives']:,} initiatives, {totals['arenas']:,} arenas, {totals['meetings']:,} meetings"
            report[database][scale] = {
                "totals": shown,
                "seconds": seconds,
                "figures": figures,
                "rss": rss,
            }
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`bench/run.py`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {machine()}",
        f"- Versions: {versions(args.postgres_url)}",
        "- Server: gunicorn, 2 sync workers, `ARENA_ENV=production`, on loopback; PostgreSQL as the throw-away cluster of `scripts/with-postgres.sh` with durable commits (`PG_DURABLE=1`: fsync and synchronous commit on, as production runs).",
        f"- Method: per endpoint a 2 s warm-up, then wrk for {args.seconds} s with 2 connections (one per worker, so latency is service time, not queueing) for median and p95, then {args.seconds} s with 16 connections for requests per second. Signed-in pages use a member's session cookie; the personal feed covers 20 arenas.",
        "",
        TARGETS,
        "",
    ]
    for database, results in report.items():
        lines += table(database, results) + [""]
    Path(args.output).write_text("\n".join(lines))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

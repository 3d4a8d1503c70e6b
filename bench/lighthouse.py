# ruff: noqa: E501 - report lines read best one a line
"""Lighthouse (mobile: a mid-range phone on slow 4G, simulated) on the front page, the initiative
list and an arena page, served as in production (gunicorn, production settings, demo data).

    make bench-lighthouse   # installs Lighthouse into bench/.lighthouse and runs this

The site is warmed up first (every page asked for a few times), as a running site is. Prints
performance score, first contentful paint, largest contentful paint, total blocking time,
cumulative layout shift and bytes sent, the median of three runs per page, and writes
bench/lighthouse.md. Targets (issue 12): first paint under 1.2 s, performance at least 98.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LIGHTHOUSE = BENCH / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
PAGES = ["/", "/initiatives", "/arenas/klimanettverket-i-grenland"]
sys.path.insert(0, str(BENCH))

from run import SECRET_KEY, free_port, start_server  # noqa: E402

RUNS = 3


def serve(workdir: Path) -> tuple[subprocess.Popen, str]:
    """The demo data, served as bench/run.py serves its data: gunicorn with production settings."""
    port = free_port()
    database_url = f"sqlite:///{workdir / 'lighthouse.sqlite3'}"
    env = {
        **os.environ,
        "ARENA_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "arena"]
    for command in (["db", "upgrade"], ["seed-demo", "--force"]):
        subprocess.run([*flask, *command], env=env, cwd=ROOT, check=True, capture_output=True)
    return start_server(database_url, port), env["BASE_URL"]


def lighthouse(url: str, workdir: Path) -> dict:
    report = workdir / "report.json"
    chrome_flags = "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--only-categories=performance",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-flags={chrome_flags}",
        ],
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
        check=True,
    )
    data = json.loads(report.read_text())
    audits = data["audits"]
    return {
        "score": round(data["categories"]["performance"]["score"] * 100),
        "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "kb": audits["total-byte-weight"]["numericValue"] / 1024,
    }


def main() -> None:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run `make bench-lighthouse`")
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        server, base = serve(workdir)
        try:
            # A running site is warm: each worker has answered before (the first answer of a
            # fresh process loads its caches and takes most of a second).
            for path in PAGES * 4:
                urllib.request.urlopen(base + path, timeout=30).read()  # noqa: S310 - loopback
            rows = []
            for path in PAGES:
                runs = [lighthouse(base + path, workdir) for _ in range(RUNS)]
                median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                rows.append((path, median))
                print(path, median, flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = [
        "# Lighthouse, mobile (simulated mid-range phone on slow 4G)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-lighthouse`: gunicorn (2 workers) with production settings and the demo data; median of {RUNS} runs per page.",
        "",
        "| page | performance | first contentful paint | largest contentful paint | total blocking time | layout shift | transferred |",
        "|---|---|---|---|---|---|---|",
    ]
    for path, m in rows:
        lines.append(
            f"| `{path}` | {m['score']:.0f} | {m['fcp']:.2f} s | {m['lcp']:.2f} s | {m['tbt']:.0f} ms | {m['cls']:.3f} | {m['kb']:.0f} KB |"
        )
    (BENCH / "lighthouse.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
